"""Who is a person: a worker number never hands one person's record to another (issue 10).

A worker-number match counts only when the roster's worker has the person's date of birth and,
up to case, accents, punctuation, word order and one typo, their name. Otherwise the worker is
someone new, the number is theirs from then on, a possible duplicate is recorded for an admin,
the upload warns the agency, and the earlier person's contact details stay theirs.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import TestCase

from enrolment import credentials as signin
from enrolment.models import Membership, PayrollLine, Person, PossibleDuplicate, WorkerNumber
from enrolment.services import possible_duplicate_confirm, roster_import_path
from tests.employers.factories import OrganisationFactory, UnionAdminFactory

from .rosters import worker, write_roster

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
WEEK_46 = {"period_start": "2026-11-09", "period_end": "2026-11-15"}


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def agency(meat):
    return OrganisationFactory(sectors=[meat])


def _import(tmp_path, organisation, rows, name):
    path = write_roster(tmp_path / name, rows)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return roster_import_path(organisation=organisation, path=path)


def natalia(**overrides):
    row = {
        "worker_number": "7000001",
        "first_name": "Natalia",
        "last_name": "Kubiak",
        "date_of_birth": "1973-01-29",
        "phone": "+48 601 111 222",
        "email": "natalia.kubiak@example.pl",
        "language": "pl",
    }
    row.update(overrides)
    return worker(1, **row)


def gergana(**overrides):
    row = {
        "worker_number": "7000001",
        "first_name": "Gergana",
        "last_name": "Koleva",
        "date_of_birth": "1976-05-05",
        "phone": "+359 88 123 4567",
        "email": "gergana.koleva@example.bg",
        "language": "bg",
        **WEEK_46,
    }
    row.update(overrides)
    return worker(1, **row)


# --- A re-used worker number --------------------------------------------------------------------


def test_reused_worker_number_for_another_person_is_not_a_match(tmp_path, agency):
    _import(tmp_path, agency, [natalia()], "week45.csv")
    natalia_person = Person.objects.get()

    upload = _import(tmp_path, agency, [gergana()], "week46.csv")

    assert upload.status == "applied"
    assert upload.counts["matched_by_worker_number"] == 0
    assert upload.counts["persons_created"] == 1
    assert upload.counts["worker_numbers_reused"] == 1
    gergana_person = Person.objects.exclude(pk=natalia_person.pk).get()
    assert (gergana_person.first_name, gergana_person.last_name) == ("Gergana", "Koleva")
    assert gergana_person.date_of_birth == dt.date(1976, 5, 5)
    assert gergana_person.phone == "+359881234567"
    assert gergana_person.email == "gergana.koleva@example.bg"
    # Gergana is enrolled on her own membership; her payroll line is hers.
    assert Membership.objects.filter(person=gergana_person, status="enrolled").count() == 1
    assert PayrollLine.objects.get(upload=upload).person_id == gergana_person.pk


def test_contact_details_never_move_to_the_person_a_reused_number_pointed_at(tmp_path, agency):
    _import(tmp_path, agency, [natalia()], "week45.csv")

    _import(tmp_path, agency, [gergana()], "week46.csv")

    natalia_person = Person.objects.get(first_name="Natalia")
    assert natalia_person.phone == "+48601111222"
    assert natalia_person.email == "natalia.kubiak@example.pl"
    assert natalia_person.language == "pl"
    assert Membership.objects.filter(person=natalia_person).count() == 1


def test_the_new_persons_sign_in_link_opens_their_own_membership_not_the_earlier_ones(
    tmp_path, agency
):
    _import(tmp_path, agency, [natalia()], "week45.csv")
    _import(tmp_path, agency, [gergana()], "week46.csv")

    by_phone = signin.signin_membership_for_contact(
        contact=signin.contact_parse("+359 88 123 4567")
    )
    by_email = signin.signin_membership_for_contact(
        contact=signin.contact_parse("gergana.koleva@example.bg")
    )

    assert by_phone.person.first_name == "Gergana"
    assert by_email.person.first_name == "Gergana"
    assert signin.signin_membership_for_contact(
        contact=signin.contact_parse("+48 601 111 222")
    ).person.first_name == ("Natalia")


def test_a_reused_number_is_recorded_as_a_possible_duplicate_for_an_admin(tmp_path, agency):
    _import(tmp_path, agency, [natalia()], "week45.csv")

    upload = _import(tmp_path, agency, [gergana()], "week46.csv")

    dup = PossibleDuplicate.objects.get()
    assert dup.reason == PossibleDuplicate.Reason.WORKER_NUMBER_REUSED
    assert dup.status == "open"
    assert dup.upload_id == upload.pk
    assert dup.candidate.first_name == "Natalia"
    assert dup.person.first_name == "Gergana"
    assert upload.counts["possible_duplicates"] == 1


def test_the_upload_warns_the_agency_without_telling_anything_of_the_earlier_person(
    tmp_path, agency
):
    _import(tmp_path, agency, [natalia()], "week45.csv")

    rows = [worker(2, **WEEK_46), gergana()]
    upload = _import(tmp_path, agency, rows, "week46.csv")

    (warning,) = [w for w in upload.warnings if w["code"] == "worker_number_reused"]
    assert warning["column"] == "worker_number"
    assert "(row 3)" in warning["message"]
    assert "One worker number must belong to one person" in warning["message"]
    text = str(warning)
    for secret in ("Natalia", "Kubiak", "1973", "29-01", "member", "+48", "example.pl"):
        assert secret not in text


def test_the_reused_number_belongs_to_the_new_person_so_the_next_roster_matches_them(
    tmp_path, agency
):
    _import(tmp_path, agency, [natalia()], "week45.csv")
    _import(tmp_path, agency, [gergana()], "week46.csv")
    gergana_person = Person.objects.get(first_name="Gergana")

    # Week 47 without any contact details: only the worker number can find her. Imported after
    # the week has ended, as rosters are.
    with time_machine.travel(dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC), tick=False):
        upload = _import(
            tmp_path,
            agency,
            [gergana(phone="", email="", period_start="2026-11-16", period_end="2026-11-22")],
            "week47.csv",
        )

    assert upload.counts["matched_by_worker_number"] == 1
    assert upload.counts["persons_created"] == 0
    assert "worker_number_reused" not in {w["code"] for w in upload.warnings}
    assert WorkerNumber.objects.get(worker_number="7000001").person_id == gergana_person.pk
    assert Person.objects.count() == 2
    assert PossibleDuplicate.objects.count() == 1


def test_another_date_of_birth_under_the_same_number_and_name_is_not_a_match(tmp_path, agency):
    _import(tmp_path, agency, [natalia()], "week45.csv")

    upload = _import(
        tmp_path, agency, [natalia(date_of_birth="1973-01-30", **WEEK_46)], "week46.csv"
    )

    assert upload.counts["persons_created"] == 1
    assert upload.counts["worker_numbers_reused"] == 1
    assert Person.objects.count() == 2
    # The same name: recorded both as a re-used number and (being a namesake) for the admin.
    assert PossibleDuplicate.objects.filter(reason="worker_number_reused").count() == 1


def test_an_admin_confirms_a_name_change_on_marriage_and_the_two_records_become_one(
    tmp_path, agency
):
    _import(tmp_path, agency, [natalia()], "week45.csv")
    _import(tmp_path, agency, [natalia(last_name="Nowak", **WEEK_46)], "week46.csv")
    assert Person.objects.count() == 2

    possible_duplicate_confirm(duplicate=PossibleDuplicate.objects.get(), user=UnionAdminFactory())

    assert Membership.objects.exclude(status="merged").count() == 1
    assert Person.objects.filter(merged_into__isnull=True).count() == 1


def test_after_a_confirmed_name_change_the_next_roster_matches_by_the_number_again(
    tmp_path, agency
):
    _import(tmp_path, agency, [natalia()], "week45.csv")
    _import(tmp_path, agency, [natalia(last_name="Nowak", **WEEK_46)], "week46.csv")
    possible_duplicate_confirm(duplicate=PossibleDuplicate.objects.get(), user=UnionAdminFactory())

    week47 = {"period_start": "2026-11-16", "period_end": "2026-11-22"}
    with time_machine.travel(dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC), tick=False):
        upload = _import(tmp_path, agency, [natalia(last_name="Nowak", **week47)], "week47.csv")

    assert upload.counts["matched_by_worker_number"] == 1
    assert upload.counts["worker_numbers_reused"] == 0
    assert upload.warnings == []
    assert Person.objects.filter(merged_into__isnull=True).count() == 1
    assert PossibleDuplicate.objects.filter(status="open").count() == 0


def test_a_number_is_judged_by_the_agencys_own_rosters_not_by_how_the_union_named_the_person(
    tmp_path, agency, meat
):
    # Agency B knows her by her maiden name; agency A by her married name. An admin confirms
    # the two records are one person, and the record kept carries B's name. A's next roster
    # must match her by A's number as before, with no warning: otherwise A would learn that
    # the union knows her under another name.
    other = OrganisationFactory(sectors=[meat])
    _import(tmp_path, other, [natalia(worker_number="B-1")], "b45.csv")
    _import(
        tmp_path,
        agency,
        [natalia(last_name="Nowak", phone="+48 601 999 000", email="")],
        "a45.csv",
    )
    kept = Person.objects.get(last_name="Kubiak")
    dropped = Person.objects.get(last_name="Nowak")
    pair = PossibleDuplicate.objects.create(person=dropped, candidate=kept, status="open")
    possible_duplicate_confirm(duplicate=pair, user=UnionAdminFactory())

    upload = _import(
        tmp_path,
        agency,
        [natalia(last_name="Nowak", phone="+48 601 999 000", email="", **WEEK_46)],
        "a46.csv",
    )

    assert upload.counts["matched_by_worker_number"] == 1
    assert upload.warnings == []
    assert PayrollLine.objects.filter(upload=upload).get().person_id == kept.pk


# --- The same person, written a little differently ------------------------------------------------


@pytest.mark.parametrize(
    ("first_name", "last_name"),
    [
        ("NATALIA", "KUBIAK"),  # case
        ("Natália", "Kúbiak"),  # accents
        ("Kubiak", "Natalia"),  # first and last name swapped
        ("Natalia", "Kubaik"),  # two letters swapped
        ("Natalia", "Kubiac"),  # one letter replaced
        ("Natalia", "Kubiakk"),  # one letter too many
        ("Natala", "Kubiak"),  # one letter missing
        ("Kubiak", "Natalie"),  # swapped columns and one letter
    ],
)
def test_a_typo_level_change_of_the_name_is_the_same_person(
    tmp_path, agency, first_name, last_name
):
    _import(tmp_path, agency, [natalia()], "week45.csv")

    upload = _import(
        tmp_path,
        agency,
        [natalia(first_name=first_name, last_name=last_name, **WEEK_46)],
        "week46.csv",
    )

    assert upload.counts["matched_by_worker_number"] == 1
    assert upload.counts.get("worker_numbers_reused") == 0
    assert Person.objects.count() == 1
    assert Membership.objects.count() == 1
    assert PossibleDuplicate.objects.count() == 0


def test_word_order_accents_and_punctuation_together_are_the_same_person(tmp_path, agency):
    row = natalia(first_name="Ioana Maria", last_name="Ștefănescu-Pop")
    _import(tmp_path, agency, [row], "week45.csv")

    moved = natalia(first_name="Maria Ioana", last_name="Pop Stefanescu", **WEEK_46)
    upload = _import(tmp_path, agency, [moved], "week46.csv")

    assert upload.counts["matched_by_worker_number"] == 1
    assert Person.objects.count() == 1


def test_a_typo_match_keeps_the_stored_name(tmp_path, agency):
    _import(tmp_path, agency, [natalia()], "week45.csv")

    _import(tmp_path, agency, [natalia(last_name="Kubiac", **WEEK_46)], "week46.csv")

    person = Person.objects.get()
    assert (person.first_name, person.last_name, person.last_name_key) == (
        "Natalia",
        "Kubiak",
        "kubiak",
    )


def test_a_typo_match_keeps_the_number_with_its_person_under_the_agencys_newest_spelling(
    tmp_path, agency
):
    _import(tmp_path, agency, [natalia()], "week45.csv")
    created = WorkerNumber.objects.get()

    _import(tmp_path, agency, [natalia(last_name="Kubiac", **WEEK_46)], "week46.csv")

    number = WorkerNumber.objects.get()
    assert number.person_id == Person.objects.get().pk
    assert (number.last_name, number.last_name_key) == ("Kubiac", "kubiac")
    assert number.created_at == created.created_at


@pytest.mark.parametrize(
    ("first_name", "last_name"),
    [
        ("Natalia", "Kowalska"),  # another surname
        ("Natasza", "Kubiak"),  # two letters
        ("Anna", "Kubiak"),
        ("Natalia", "Kubiak-Nowak"),  # a surname added on marriage: the admin decides
    ],
)
def test_more_than_a_typo_is_another_person(tmp_path, agency, first_name, last_name):
    _import(tmp_path, agency, [natalia()], "week45.csv")

    upload = _import(
        tmp_path,
        agency,
        [natalia(first_name=first_name, last_name=last_name, **WEEK_46)],
        "week46.csv",
    )

    assert upload.counts["worker_numbers_reused"] == 1
    assert Person.objects.count() == 2


# --- The SQL rule itself -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("kubiak", "kubiak", True),
        ("kubiak", "kubiac", True),
        ("kubiak", "kubaik", True),
        ("kubiak", "kubiakk", True),
        ("kubiak", "ubiak", True),
        ("kubiak", "kibuak", False),
        ("kubiak", "kubiakkk", False),
        ("natalia", "gergana", False),
        ("ab", "ba", True),
        ("abc", "cab", False),
    ],
)
def test_one_edit_apart_counts_one_inserted_deleted_replaced_or_swapped_letter(a, b, same):
    with connection.cursor() as cur:
        cur.execute("SELECT enrolment_one_edit_apart(%s, %s)", [a, b])
        assert cur.fetchone()[0] is same


def test_name_words_fold_like_the_python_name_keys_and_ignore_word_order():
    with connection.cursor() as cur:
        cur.execute(
            "SELECT enrolment_name_words(%s, %s), enrolment_name_words(%s, %s)",
            ["Ioana-Maria", "ȘTEFĂNESCU Łaś", "łas", "Stefanescu Maria Ioana"],
        )
        first, second = cur.fetchone()
    assert first == second == "ioana las maria stefanescu"


def test_the_agencys_warning_is_the_same_whether_or_not_a_bsn_shows_the_same_person(
    tmp_path, agency, settings
):
    # In BSN mode, a BSN (which another organisation's roster may have given) can show that
    # the worker under a re-used number is the earlier person after all. The agency must not
    # learn that from its upload's answer: its warning depends on its own numbers alone.
    settings.UNIONROLL_BSN_MATCHING = True
    settings.UNIONROLL_BSN_SECRET = "test-secret"
    columns = [*natalia().keys(), "bsn"]

    def upload_with(bsn_first: str, bsn_second: str, folder: str):
        (tmp_path / folder).mkdir()
        first = write_roster(
            tmp_path / folder / "w45.csv", [natalia(bsn=bsn_first)], columns=columns
        )
        second = write_roster(
            tmp_path / folder / "w46.csv", [gergana(bsn=bsn_second)], columns=columns
        )
        with TestCase.captureOnCommitCallbacks(execute=True):
            roster_import_path(organisation=agency, path=first)
            return roster_import_path(organisation=agency, path=second)

    same_bsn = upload_with("111222333", "111222333", "same")
    persons_after_same = Person.objects.count()
    other_bsn = upload_with("123456782", "100000009", "other")

    assert same_bsn.status == other_bsn.status == "applied"
    assert same_bsn.warnings == other_bsn.warnings
    assert [w["code"] for w in same_bsn.warnings] == ["worker_number_reused"]
    # Behind the warning the union did tell the two apart: the BSN kept one person.
    assert persons_after_same == 1
