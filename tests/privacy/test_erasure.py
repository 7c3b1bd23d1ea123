"""Erasure (GDPR art. 17): a person built by real rosters, with everything a member leaves behind,
is erased; no text column anywhere in the database still holds one of their values; levies,
invoices, state claims and the ledger are byte-for-byte the same; a later roster naming the same
worker makes a new person; the membership-event trigger lets only the erasure's own change by."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection, transaction
from django.db.utils import IntegrityError, InternalError

from enrolment.credentials import signin_link_create
from enrolment.models import (
    ContactChange,
    Membership,
    MembershipEvent,
    PayrollLine,
    Person,
    PersonAccess,
    SignInLink,
    SignInRequest,
    WorkerNumber,
)
from enrolment.services import membership_opt_in, membership_opt_out, person_access_record
from enrolment.services.member_details import person_details_save, person_postal_address_set
from levies.billing.printing import invoice_pdf_bytes, state_claim_pdf_bytes
from levies.models import Invoice, LevyCharge, StateClaim
from levies.services import levies_assess, period_billing_issue
from notifications.models import Notice
from notifications.services import contact_changed_notice_record
from privacy.erasure import erasure_refusal, erasure_token, person_erase
from privacy.models import Erasure
from tests.employers.factories import UnionAdminFactory
from tests.enrolment.factories import RosterUploadFactory
from tests.levies.conftest import PE, PS, import_roster, make_scheme, worker
from unionroll.exceptions import Conflict

pytestmark = pytest.mark.django_db

IMPORTED = dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC)
BILLED = dt.date(2026, 11, 16)
ERASED = dt.datetime(2026, 11, 17, 10, 0, tzinfo=dt.UTC)

FIRST, LAST = "Bartłomiej-Erazm", "Wróbel-Zawisza"
BORN_ISO, BORN_ROSTER = "1987-03-29", "29-03-1987"
EMAIL = "bartek.zawisza@example.org"
NEW_EMAIL = "b.zawisza.nowy@example.org"
NUMBER_A, NUMBER_B = "FLX-004711", "BRB-77310"
ADDRESS = "ul. Jaśminowa 17/4\n62-080 Tarnowo Podgórne"


def _him(number: str, **overrides):
    return worker(
        1,
        worker_number=number,
        first_name=FIRST,
        last_name=LAST,
        date_of_birth=BORN_ROSTER,
        email=EMAIL,
        phone="+48 601 234 567",
        language="pl",
        **overrides,
    )


def _other(n: int):
    return worker(n, date_of_birth="1993-08-01")


@pytest.fixture
def built(tmp_path, meat, flexwerk, oost_uitzend):
    agency, other_agency = flexwerk, oost_uitzend
    """The person as production fills the tables, billed and no longer a member."""
    make_scheme(meat, base="covered_workers")
    with time_machine.travel(IMPORTED, tick=False):
        import_roster(tmp_path, agency, [_him(NUMBER_A), _other(2), _other(3)], name="a.csv")
        import_roster(tmp_path, other_agency, [_him(NUMBER_B), _other(4)], name="b.csv")
    person = Person.objects.get(last_name=LAST)
    membership = Membership.objects.get(person=person)
    with time_machine.travel(IMPORTED + dt.timedelta(days=1), tick=False):
        person_postal_address_set(person_id=person.pk, address=ADDRESS)
        signin_link_create(membership_id=membership.pk, channel="sms")
        person_details_save(
            person_id=person.pk,
            language="pl",
            phone=person.phone,
            email=NEW_EMAIL,
            client="192.0.2.7",
        )
        contact_changed_notice_record(person_id=person.pk, field="email", previous=EMAIL)
        # A leave of their own (a receipt), a return noted by staff by name, a leave again.
        membership_opt_out(membership=membership, actor="member", reason="", today=BILLED)
        membership_opt_in(
            membership=membership,
            actor="admin",
            reason=f"{FIRST} {LAST} phoned the office, born {BORN_ISO}",
            today=BILLED,
        )
        membership_opt_out(membership=membership, actor="member", reason="", today=BILLED)
    # A printed letter on disk.
    letter = Notice.objects.filter(person=person).order_by("id").first()
    path = Path(settings.MEDIA_ROOT) / "letters" / f"{letter.pk}.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(f"%PDF {FIRST} {LAST}".encode())
    Notice.objects.filter(pk=letter.pk).update(document=f"letters/{letter.pk}.pdf")
    # A rejected roster of the agency whose error report quotes his worker number.
    RosterUploadFactory(
        organisation=agency,
        status="rejected",
        error_count=1,
        errors=[
            {"code": "x", "message": "m", "row": 2, "column": "worker_number", "value": NUMBER_A}
        ],
    )
    levies_assess(period_start=PS, period_end=PE, today=BILLED)
    period_billing_issue(period_start=PS, period_end=PE, issue_date=BILLED)
    person.refresh_from_db()
    # A link asked for a moment ago, not looked up yet; a staff read of their page.
    SignInRequest.objects.create(channel="sms", contact=person.phone)
    person_access_record(user=UnionAdminFactory(), person_ids=[person.pk], through="admin_person")
    return person


def _text_columns() -> list[tuple[str, str]]:
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT c.table_name, c.column_name FROM information_schema.columns c
            JOIN information_schema.tables t
              ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
              AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')
            ORDER BY 1, 2
            """
        )
        return cur.fetchall()


def _holding(values: list[str]) -> list[tuple[str, str, str]]:
    found = []
    with connection.cursor() as cur:
        for table, column in _text_columns():
            for value in values:
                cur.execute(
                    f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE %s',
                    [f"%{value}%"],
                )
                if cur.fetchone()[0]:
                    found.append((table, column, value))
    return found


def _levies_snapshot() -> dict[str, object]:
    snapshot: dict[str, object] = {}
    with connection.cursor() as cur:
        cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "current_schema() AND table_name LIKE 'levies\\_%%' ORDER BY 1"
        )
        for (table,) in cur.fetchall():
            cur.execute(f'SELECT row_to_json(t)::text FROM "{table}" t ORDER BY 1')
            snapshot[table] = [row[0] for row in cur.fetchall()]
    snapshot["pdfs"] = [invoice_pdf_bytes(i) for i in Invoice.objects.order_by("pk")] + [
        state_claim_pdf_bytes(c) for c in StateClaim.objects.order_by("pk")
    ]
    return snapshot


def test_the_built_person_has_everything(built):
    assert WorkerNumber.objects.filter(person=built).count() == 2
    assert built.phone and built.email == EMAIL and built.postal_address
    assert SignInLink.objects.filter(membership__person=built).exists()
    assert ContactChange.objects.filter(person=built, new_value=NEW_EMAIL).exists()
    assert Notice.objects.filter(person=built, kind="contact_changed").exists()
    assert MembershipEvent.objects.filter(membership__person=built, note__contains=LAST).exists()
    assert MembershipEvent.objects.filter(membership__person=built, data__has_key="receipt")
    assert LevyCharge.objects.filter(person=built).exists()
    assert Invoice.objects.exists() and StateClaim.objects.exists()
    # Before: the search finds him, so it would find a value left behind.
    assert _holding([LAST, NUMBER_B])


def test_erasure_leaves_no_personal_value_anywhere(built):
    phone = built.phone
    values = [FIRST, LAST, EMAIL, NEW_EMAIL, phone, phone.lstrip("+"), NUMBER_A, NUMBER_B]
    values += ["Jaśminowa", "62-080 Tarnowo", BORN_ISO, BORN_ROSTER]
    letter = Path(settings.MEDIA_ROOT) / Notice.objects.exclude(document="").get().document
    assert letter.exists()
    assert erasure_refusal(built.pk, BILLED) is None

    with time_machine.travel(ERASED, tick=False), transaction.atomic():
        # The test's own transaction never commits: run the commit hooks by hand.
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            erasure = person_erase(built.pk, "request by the member, letter of 2026-11-14")

    assert _holding(values) == []
    assert not letter.exists()
    built.refresh_from_db()
    assert built.erased_at is not None and built.date_of_birth is None
    assert (built.first_name, built.last_name, built.email, built.phone) == ("", "", None, None)
    assert built.bsn_hash is None and built.postal_address == ""
    # The money and the history stay, without the person.
    lines = PayrollLine.objects.filter(person=built)
    assert lines.count() == 2
    assert set(lines.values_list("worker_number", flat=True)) == {erasure_token(built.pk)}
    membership = Membership.objects.get(person=built)
    assert membership.status == "opted_out"
    events = MembershipEvent.objects.filter(membership=membership)
    assert [e.to_status for e in events] == ["enrolled", "opted_out", "opted_in", "opted_out"]
    assert {e.note for e in events} == {""} and {str(e.data) for e in events} == {"{}"}
    assert not WorkerNumber.objects.filter(person=built).exists()
    assert not SignInLink.objects.filter(membership=membership).exists()
    assert not ContactChange.objects.filter(person=built).exists()
    record = Erasure.objects.get()
    assert record == erasure and record.via == "command" and record.person_id == built.pk
    assert record.counts["worker_numbers"] == 2 and record.counts["letter_files"] == 1
    assert record.counts["sign_in_requests"] == 1
    # Who read the person's data stays on record: it holds nothing of them but the id.
    assert PersonAccess.objects.filter(person=built, through="admin_person").count() == 1
    # The other workers are untouched.
    assert Person.objects.filter(erased_at__isnull=True).count() == 3


def test_levies_invoices_and_ledger_unchanged_byte_for_byte(built):
    before = _levies_snapshot()
    with time_machine.travel(ERASED, tick=False):
        person_erase(built.pk, "request by the member")
    assert _levies_snapshot() == before
    # Assessing the period again, forced, books nothing new: the erased person's lines stay
    # levy-bearing as booked, without a date of birth.
    charges = list(LevyCharge.objects.order_by("pk").values())
    result = levies_assess(period_start=PS, period_end=PE, today=ERASED.date(), force=True)
    assert result["counts"]["booked_rows"] == 0
    assert list(LevyCharge.objects.order_by("pk").values()) == charges
    billed = period_billing_issue(period_start=PS, period_end=PE, issue_date=ERASED.date())
    assert billed["invoices"] == [] and billed["state_claim"] is None


def test_a_later_roster_naming_the_same_worker_makes_a_new_person(built, tmp_path, flexwerk):
    agency = flexwerk
    with time_machine.travel(ERASED, tick=False):
        person_erase(built.pk, "request by the member")
    later = {"period_start": "2026-11-16", "period_end": "2026-11-22"}
    with time_machine.travel(dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC), tick=False):
        import_roster(tmp_path, agency, [_him(NUMBER_A, **later)], name="later.csv")
    new = Person.objects.get(last_name=LAST)
    assert new.pk != built.pk and new.erased_at is None
    assert WorkerNumber.objects.get(worker_number=NUMBER_A).person_id == new.pk
    assert Membership.objects.filter(person=new).count() == 1
    built.refresh_from_db()
    assert built.last_name == "" and built.erased_at is not None


def test_a_second_erasure_is_refused(built):
    with time_machine.travel(ERASED, tick=False):
        person_erase(built.pk, "request by the member")
        with pytest.raises(Conflict) as refused:
            person_erase(built.pk, "again")
    assert refused.value.code == "person_erased_already"


def test_dry_run_changes_nothing(built):
    with time_machine.travel(ERASED, tick=False):
        erasure = person_erase(built.pk, "request by the member", dry_run=True)
    assert erasure.pk is None and erasure.counts["worker_numbers"] == 2
    built.refresh_from_db()
    assert built.last_name == LAST and built.erased_at is None
    assert WorkerNumber.objects.filter(person=built).count() == 2
    assert not Erasure.objects.exists()


# --- The append-only trigger ------------------------------------------------------------------


def _event(built) -> MembershipEvent:
    return MembershipEvent.objects.filter(membership__person=built).order_by("id").first()


def test_the_trigger_still_refuses_updates_and_deletes(built):
    event = _event(built)
    for sql, params in (
        ("UPDATE enrolment_membershipevent SET note = '' WHERE id = %s", [event.pk]),
        ("DELETE FROM enrolment_membershipevent WHERE id = %s", [event.pk]),
    ):
        with (
            pytest.raises((IntegrityError, InternalError)),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql, params)


def test_the_trigger_lets_an_erasure_change_note_and_data_only(built):
    event = _event(built)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL unionroll.erasing = 'on'")
        cur.execute(
            "UPDATE enrolment_membershipevent SET note = '', data = '{}' WHERE id = %s",
            [event.pk],
        )
    for sql in (
        "UPDATE enrolment_membershipevent SET to_status = 'active' WHERE id = %s",
        "UPDATE enrolment_membershipevent SET reason = 'x', note = '' WHERE id = %s",
        "DELETE FROM enrolment_membershipevent WHERE id = %s",
    ):
        with (
            pytest.raises((IntegrityError, InternalError)),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute("SET LOCAL unionroll.erasing = 'on'")
            cur.execute(sql, [event.pk])


def test_the_ledger_stays_append_only_during_an_erasure(built):
    with (
        pytest.raises((IntegrityError, InternalError)),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute("SET LOCAL unionroll.erasing = 'on'")
        cur.execute("UPDATE levies_ledgerposting SET amount = amount")


def test_the_token_is_one_way_and_stable(settings):
    token = erasure_token(12)
    assert token == erasure_token(12) and token != erasure_token(13)
    assert token.startswith("X") and len(token) == 16 and "12" not in token[1:3]
    settings.SECRET_KEY = "another-key-" * 5
    assert erasure_token(12) != token
