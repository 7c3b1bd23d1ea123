from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

import pytest
import time_machine
from django.db import connection
from django.test import TestCase

from employers.models import Organisation
from enrolment.models import (
    EnrolmentPolicy,
    Membership,
    MembershipEvent,
    PayrollLine,
    Person,
    PossibleDuplicate,
    RosterUpload,
    WorkerNumber,
)
from enrolment.selectors import membership_state_from_events
from enrolment.services import (
    membership_opt_out,
    possible_duplicate_confirm,
    roster_import_path,
)
from notifications.models import Notice
from tests.employers.factories import (
    HirerFactory,
    OrganisationFactory,
    SectorFactory,
    SiteFactory,
    UnionAdminFactory,
)

from .rosters import worker, write_roster

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def agency(meat):
    return OrganisationFactory(sectors=[meat])


@pytest.fixture
def other_agency(meat):
    return OrganisationFactory(sectors=[meat])


def _import(tmp_path, organisation, rows, name="roster.csv", **kwargs):
    path = write_roster(tmp_path / name, rows, **kwargs)
    # Run what the import queues on commit (welcome notices), as a real commit would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return roster_import_path(organisation=organisation, path=path)


def _db_state():
    """Row counts of everything an import may write."""
    return {
        model.__name__: model.objects.count()
        for model in (Person, WorkerNumber, Membership, MembershipEvent, PayrollLine, Notice)
    }


def test_every_covered_worker_becomes_a_member_with_an_open_window(tmp_path, agency):
    upload = _import(tmp_path, agency, [worker(1), worker(2), worker(3)])

    assert upload.status == RosterUpload.Status.APPLIED
    assert upload.counts["persons_created"] == 3
    assert upload.counts["memberships_enrolled"] == 3
    memberships = Membership.objects.all()
    assert {m.status for m in memberships} == {"enrolled"}
    m = memberships.first()
    assert m.enrolled_on == dt.date(2026, 11, 20)
    assert m.window_ends == dt.date(2026, 12, 20)  # one calendar month
    assert m.covered_from == dt.date(2026, 11, 2)  # the roster's period start
    assert PayrollLine.objects.count() == 3


def test_enrolment_writes_an_event_and_records_one_welcome_notice(tmp_path, agency):
    upload = _import(tmp_path, agency, [worker(1)])

    event = MembershipEvent.objects.get()
    assert (event.from_status, event.to_status) == (None, "enrolled")
    assert event.actor == "upload" and event.upload_id == upload.pk
    assert event.reason == "roster_enrolment"
    notice = Notice.objects.get()
    assert notice.kind == "welcome" and notice.status == "due"


def test_welcome_notice_task_run_twice_records_one_notice(tmp_path, agency):
    from notifications.services import welcome_notices_record

    upload = _import(tmp_path, agency, [worker(1), worker(2)])

    assert welcome_notices_record(upload_id=upload.pk) == 0
    assert Notice.objects.count() == 2


def test_a_worker_on_two_rows_is_one_person_with_two_payroll_lines(tmp_path, agency, meat):
    hirer_a, hirer_b = HirerFactory(), HirerFactory()
    site_a = SiteFactory(hirer=hirer_a, sector=meat, code="A1")
    site_b = SiteFactory(hirer=hirer_b, sector=meat, code="B1")
    rows = [
        worker(1, hirer_kvk=hirer_a.kvk, site_code=site_a.code, hours_worked="20"),
        worker(1, hirer_kvk=hirer_b.kvk, site_code=site_b.code, hours_worked="18,5"),
    ]

    upload = _import(tmp_path, agency, rows)

    assert upload.counts["persons_created"] == 1
    lines = PayrollLine.objects.order_by("row_number")
    assert [line.site_id for line in lines] == [site_a.pk, site_b.pk]
    assert sum(line.hours_worked for line in lines) == pytest.approx(38.5)
    assert Membership.objects.count() == 1


def test_rejected_roster_changes_nothing_and_reports_row_and_column(tmp_path, agency):
    _import(tmp_path, agency, [worker(1)], name="first.csv")
    before = _db_state()
    rows = [
        worker(2),
        worker(3, date_of_birth="31-02-1990"),
        worker(4, hours_worked="-3"),
    ]

    upload = _import(tmp_path, agency, rows, name="bad.csv")

    assert upload.status == RosterUpload.Status.REJECTED
    assert _db_state() == before
    found = {(e["row"], e["column"], e["code"]) for e in upload.errors}
    assert (3, "date_of_birth", "invalid_date") in found
    assert (4, "hours_worked", "hours_out_of_range") in found
    assert upload.error_count == len(upload.errors) == 2


def test_one_worker_number_for_two_people_is_rejected(tmp_path, agency):
    rows = [worker(1), worker(1, first_name="Other", last_name="Person")]

    upload = _import(tmp_path, agency, rows)

    assert upload.status == RosterUpload.Status.REJECTED
    assert upload.errors[0]["row"] == 3
    assert upload.errors[0]["code"] == "worker_number_conflict"
    assert Person.objects.count() == 0


def test_same_file_twice_is_a_duplicate_and_changes_nothing(tmp_path, agency):
    first = _import(tmp_path, agency, [worker(1), worker(2)])
    before = _db_state()

    again = roster_import_path(organisation=agency, path=tmp_path / "roster.csv")

    assert again.status == RosterUpload.Status.DUPLICATE
    assert again.duplicate_of_id == first.pk
    assert _db_state() == before


def test_same_file_from_another_agency_is_not_a_duplicate(tmp_path, agency, other_agency):
    _import(tmp_path, agency, [worker(1)])

    second = roster_import_path(organisation=other_agency, path=tmp_path / "roster.csv")

    assert second.status == RosterUpload.Status.APPLIED


def test_corrected_file_for_same_period_replaces_the_earlier_one(tmp_path, agency):
    first = _import(tmp_path, agency, [worker(1), worker(2)], name="v1.csv")

    second = _import(tmp_path, agency, [worker(1, hours_worked="40"), worker(3)], name="v2.csv")

    first.refresh_from_db()
    assert first.status == RosterUpload.Status.SUPERSEDED
    assert first.superseded_by_id == second.pk
    assert second.replaces_id == first.pk
    old_lines = PayrollLine.objects.filter(upload=first)
    assert old_lines.count() == 2  # kept, marked
    assert set(old_lines.values_list("superseded_by_id", flat=True)) == {second.pk}
    assert PayrollLine.objects.filter(superseded_by__isnull=True).count() == 2
    assert second.changes["workers_added"] == 1
    assert second.changes["workers_removed"] == 1
    assert second.changes["workers_changed"] == 1


def test_unchanged_content_in_a_new_file_writes_nothing_to_persons_or_memberships(tmp_path, agency):
    _import(tmp_path, agency, [worker(1), worker(2)], name="v1.csv")
    stamps = dict(Person.objects.values_list("pk", "updated_at"))
    m_stamps = dict(Membership.objects.values_list("pk", "updated_at"))

    # Same content, other bytes (comma instead of semicolon): a replacement, not a duplicate.
    second = _import(tmp_path, agency, [worker(1), worker(2)], name="v2.csv", delimiter=",")

    assert second.status == RosterUpload.Status.APPLIED
    assert second.changes["workers_changed"] == 0
    assert dict(Person.objects.values_list("pk", "updated_at")) == stamps
    assert dict(Membership.objects.values_list("pk", "updated_at")) == m_stamps
    assert MembershipEvent.objects.count() == 2


def test_opted_out_worker_is_not_re_enrolled_by_next_roster(tmp_path, agency):
    _import(tmp_path, agency, [worker(1)], name="week45.csv")
    membership = Membership.objects.get()
    membership_opt_out(membership=membership, actor="member", reason="portal")

    next_week = [worker(1, period_start="2026-11-09", period_end="2026-11-15")]
    upload = _import(tmp_path, agency, next_week, name="week46.csv")

    membership.refresh_from_db()
    assert membership.status == "opted_out"
    assert upload.counts["opt_outs_respected"] == 1
    assert upload.counts["memberships_enrolled"] == 0
    assert Notice.objects.count() == 1  # only the first welcome


def test_re_enrolment_rule_enrols_again_with_new_window_and_new_welcome(tmp_path, agency, meat):
    meat.policy.reenrol_after_days = 30
    meat.policy.save()
    _import(tmp_path, agency, [worker(1)], name="w45.csv")
    membership = Membership.objects.get()
    membership_opt_out(
        membership=membership, actor="member", reason="portal", today=dt.date(2026, 10, 1)
    )

    rows = [worker(1, period_start="2026-11-09", period_end="2026-11-15")]
    upload = _import(tmp_path, agency, rows, name="w46.csv")

    membership.refresh_from_db()
    assert upload.counts["memberships_re_enrolled"] == 1
    assert membership.status == "enrolled" and membership.spell == 2
    assert membership.window_ends == dt.date(2026, 12, 20)
    assert Notice.objects.filter(kind="welcome").count() == 2


def test_re_enrolment_rule_waits_its_number_of_days(tmp_path, agency, meat):
    meat.policy.reenrol_after_days = 365
    meat.policy.save()
    _import(tmp_path, agency, [worker(1)], name="w45.csv")
    membership = Membership.objects.get()
    membership_opt_out(membership=membership, actor="member", reason="portal")

    rows = [worker(1, period_start="2026-11-09", period_end="2026-11-15")]
    _import(tmp_path, agency, rows, name="w46.csv")

    membership.refresh_from_db()
    assert membership.status == "opted_out"


def test_same_worker_through_second_agency_is_one_person_one_membership(
    tmp_path, agency, other_agency
):
    _import(tmp_path, agency, [worker(1, phone="+48 601 234 567")], name="a.csv")

    # Another agency, its own worker number, same name, date of birth and phone.
    row = worker(1, worker_number="A-77", phone="+48601234567")
    upload = _import(tmp_path, other_agency, [row], name="b.csv")

    assert upload.counts["persons_matched"] == 1
    assert upload.counts["matched_by_contact"] == 1
    assert Person.objects.count() == 1
    assert Membership.objects.count() == 1
    assert WorkerNumber.objects.count() == 2
    assert PossibleDuplicate.objects.count() == 0


def test_name_and_birth_date_alone_make_a_possible_duplicate(tmp_path, agency, other_agency):
    _import(tmp_path, agency, [worker(1, email="lukasz@example.org")], name="a.csv")

    upload = _import(tmp_path, other_agency, [worker(1, worker_number="X9")], name="b.csv")

    assert Person.objects.count() == 2
    assert upload.counts["possible_duplicates"] == 1
    dup = PossibleDuplicate.objects.get()
    assert dup.status == "open"
    assert dup.candidate_id < dup.person_id


def test_confirming_a_possible_duplicate_merges_persons_and_memberships(
    tmp_path, agency, other_agency
):
    _import(tmp_path, agency, [worker(1)], name="a.csv")
    _import(tmp_path, other_agency, [worker(1, worker_number="X9")], name="b.csv")
    dup = PossibleDuplicate.objects.get()
    admin = UnionAdminFactory()

    possible_duplicate_confirm(duplicate=dup, user=admin)

    kept = Person.objects.get(pk=dup.candidate_id)
    merged = Person.objects.get(pk=dup.person_id)
    assert merged.merged_into_id == kept.pk
    assert set(WorkerNumber.objects.values_list("person_id", flat=True)) == {kept.pk}
    assert set(PayrollLine.objects.values_list("person_id", flat=True)) == {kept.pk}
    live = Membership.objects.exclude(status="merged")
    assert list(live.values_list("person_id", flat=True)) == [kept.pk]
    gone = Membership.objects.get(status="merged")
    assert membership_state_from_events(gone) == "merged"


def test_merged_person_keeps_an_opt_out(tmp_path, agency, other_agency):
    _import(tmp_path, agency, [worker(1)], name="a.csv")
    _import(tmp_path, other_agency, [worker(1, worker_number="X9")], name="b.csv")
    newer = Membership.objects.order_by("-pk").first()
    membership_opt_out(membership=newer, actor="member", reason="portal")

    possible_duplicate_confirm(duplicate=PossibleDuplicate.objects.get(), user=UnionAdminFactory())

    assert Membership.objects.exclude(status="merged").get().status == "opted_out"


def test_member_set_details_are_not_overwritten_by_a_roster(tmp_path, agency):
    _import(tmp_path, agency, [worker(1, language="pl")], name="a.csv")
    person = Person.objects.get()
    person.language, person.language_set_by_member = "en", True
    person.phone, person.phone_set_by_member = "+40721000111", True
    person.save()

    rows = [
        worker(
            1,
            language="ro",
            phone="+48 601 234 567",
            email="new@example.org",
            period_start="2026-11-09",
            period_end="2026-11-15",
        )
    ]
    _import(tmp_path, agency, rows, name="b.csv")

    person.refresh_from_db()
    assert person.language == "en"
    assert person.phone == "+40721000111"
    assert person.email == "new@example.org"  # not set by the member: the roster may fill it


def test_workers_under_the_minimum_age_are_not_enrolled(tmp_path, agency):
    rows = [worker(1, date_of_birth="2011-01-01"), worker(2, date_of_birth="2010-11-08")]

    upload = _import(tmp_path, agency, rows)

    assert upload.counts["persons_created"] == 2
    assert upload.counts["memberships_enrolled"] == 1  # 16 on the last day of the period
    assert Membership.objects.get().person.worker_numbers.get().worker_number == "000002"


def test_workers_in_a_sector_that_is_not_covered_are_not_enrolled(tmp_path):
    sector = SectorFactory(code="retail")
    EnrolmentPolicy.objects.create(sector=sector, covered=False)
    organisation = OrganisationFactory(sectors=[sector])

    upload = _import(tmp_path, organisation, [worker(1)])

    assert upload.status == RosterUpload.Status.APPLIED
    assert Membership.objects.count() == 0
    assert PayrollLine.objects.count() == 1


def test_lapsed_member_reappearing_is_active_again_without_new_window_or_welcome(tmp_path, agency):
    from enrolment.services import memberships_advance

    _import(tmp_path, agency, [worker(1)], name="old.csv")
    memberships_advance(today=dt.date(2027, 6, 1))
    membership = Membership.objects.get()
    assert membership.status == "lapsed"

    rows = [worker(1, period_start="2027-05-24", period_end="2027-05-30")]
    # The roster for a week in May 2027 is sent once that week is over.
    with time_machine.travel(dt.datetime(2027, 6, 1, 10, tzinfo=dt.UTC), tick=False):
        upload = _import(tmp_path, agency, rows, name="new.csv")

    membership.refresh_from_db()
    assert upload.counts["memberships_reactivated"] == 1
    assert membership.status == "active"
    assert membership.window_ends == dt.date(2026, 12, 20)
    assert Notice.objects.count() == 1
    assert membership_state_from_events(membership) == "active"


@pytest.mark.parametrize("bsn_mode", [False, True])
def test_bsn_column_never_reaches_the_database(tmp_path, agency, settings, bsn_mode):
    settings.UNIONROLL_BSN_MATCHING = bsn_mode
    settings.UNIONROLL_BSN_SECRET = "test-secret"
    columns = [*list(worker(0).keys()), "bsn"]

    upload = _import(tmp_path, agency, [worker(1, bsn="111222333")], columns=columns)

    assert upload.status == RosterUpload.Status.APPLIED
    person = Person.objects.get()
    expected = hmac.new(b"test-secret", b"111222333", hashlib.sha256).hexdigest()
    assert person.bsn_hash == (expected if bsn_mode else None)
    with connection.cursor() as cur:
        cur.execute("SELECT row_to_json(p)::text FROM enrolment_person p")
        (as_text,) = cur.fetchone()
        cur.execute("SELECT warnings::text, errors::text FROM enrolment_rosterupload")
        as_text += "".join(cur.fetchone())
    assert "111222333" not in as_text
    if not bsn_mode:
        assert any(w["code"] == "bsn_ignored" for w in upload.warnings)


def test_bsn_mode_matches_the_same_person_across_agencies_by_bsn(
    tmp_path, agency, other_agency, settings
):
    settings.UNIONROLL_BSN_MATCHING = True
    settings.UNIONROLL_BSN_SECRET = "test-secret"
    columns = [*list(worker(0).keys()), "bsn"]
    _import(tmp_path, agency, [worker(1, bsn="111222333")], name="a.csv", columns=columns)

    # Different spelling of the name, no contact details: only the BSN links them.
    row = worker(1, worker_number="Z1", first_name="Lukas", bsn="111222333")
    upload = _import(tmp_path, other_agency, [row], name="b.csv", columns=columns)

    assert upload.counts["matched_by_bsn"] == 1
    assert Person.objects.count() == 1


def test_bsn_failing_eleven_test_is_rejected_in_bsn_mode_and_masked(tmp_path, agency, settings):
    settings.UNIONROLL_BSN_MATCHING = True
    settings.UNIONROLL_BSN_SECRET = "test-secret"
    columns = [*list(worker(0).keys()), "bsn"]

    upload = _import(tmp_path, agency, [worker(1, bsn="123456789")], columns=columns)

    assert upload.status == RosterUpload.Status.REJECTED
    error = upload.errors[0]
    assert (error["row"], error["column"], error["code"]) == (2, "bsn", "invalid_bsn")
    assert not re.search(r"\d{9}", str(upload.errors))


def test_membership_state_can_be_rebuilt_from_events(tmp_path, agency):
    from enrolment.services import membership_opt_in, memberships_advance

    _import(tmp_path, agency, [worker(1)])
    membership = Membership.objects.get()
    membership_opt_out(membership=membership, actor="member", reason="portal")
    membership_opt_in(membership=membership, actor="member", reason="portal")
    memberships_advance()

    membership.refresh_from_db()
    assert membership.status == "active"
    assert membership_state_from_events(membership) == membership.status
    assert [e.to_status for e in membership.events.all()] == [
        "enrolled",
        "opted_out",
        "opted_in",
        "active",
    ]


def test_membership_events_cannot_be_changed_or_deleted(tmp_path, agency):
    from django.db import IntegrityError, transaction

    _import(tmp_path, agency, [worker(1)])
    event = MembershipEvent.objects.get()

    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipEvent.objects.filter(pk=event.pk).update(reason="tampered")
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipEvent.objects.filter(pk=event.pk).delete()
    assert MembershipEvent.objects.get().reason == "roster_enrolment"


def test_only_agencies_upload_rosters(tmp_path, meat):
    from unionroll.exceptions import ApplicationError

    hirer = HirerFactory()
    path = write_roster(tmp_path / "r.csv", [worker(1)])
    with pytest.raises(ApplicationError) as exc:
        from django.core.files import File

        from enrolment.services import roster_submit

        with path.open("rb") as fh:
            roster_submit(organisation=hirer, file=File(fh), filename="r.csv", source="web")
    assert exc.value.code == "not_an_employer"
    assert Organisation.objects.get(pk=hirer.pk).kind == "hirer"
    assert RosterUpload.objects.count() == 0


def test_an_unexpected_failure_marks_the_upload_failed_and_logs_no_personal_data(
    tmp_path, agency, monkeypatch, caplog
):
    from enrolment.services import ingest_sql

    def broken(*args, **kwargs):
        # Built, as a database's message is: the traceback prints this line's source.
        last_name = "Wróbel1"
        raise RuntimeError(f"Key (last_name)=({last_name}) is broken")

    monkeypatch.setattr(ingest_sql, "apply", broken)

    with pytest.raises(RuntimeError):
        _import(tmp_path, agency, [worker(1)])

    upload = RosterUpload.objects.get()
    assert upload.status == RosterUpload.Status.FAILED
    assert Person.objects.count() == 0
    assert "Wróbel" not in caplog.text
    assert "RuntimeError" in caplog.text


def test_one_bsn_for_two_worker_numbers_is_rejected_in_bsn_mode(tmp_path, agency, settings):
    settings.UNIONROLL_BSN_MATCHING = True
    settings.UNIONROLL_BSN_SECRET = "test-secret"
    columns = [*list(worker(0).keys()), "bsn"]
    rows = [worker(1, bsn="111222333"), worker(2, bsn="111222333")]

    upload = _import(tmp_path, agency, rows, columns=columns)

    assert upload.status == RosterUpload.Status.REJECTED
    assert [(e["row"], e["column"], e["code"], e["value"]) for e in upload.errors] == [
        (3, "bsn", "bsn_conflict", "*********")
    ]
    assert Person.objects.count() == 0
