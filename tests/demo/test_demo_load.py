"""``make demo``: the demo data, its two fixed weeks of levies and the example bank statements,
so that the reconciliation desk shows a paid, a partly paid and an overdue invoice and the
unmatched queue; and a second run that creates nothing twice."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from demo.management.commands.demo_load import PASSWORDS
from employers.models import Organisation, Sector, Site, User
from enrolment.models import Membership, PayrollLine, Person, RosterUpload
from levies.models import (
    BankAllocation,
    BankEntry,
    BankStatementFile,
    DocumentCounter,
    Invoice,
    InvoiceReminder,
    LedgerPosting,
    LevyCharge,
    LevySchemeVersion,
    Payment,
    StateClaim,
)
from levies.selectors import bank_entries_unmatched, invoices_overdue, ledger_balance_total
from tests.levies.payments import assert_documents_match_their_postings

MODELS = (
    Sector,
    Organisation,
    Site,
    User,
    Person,
    Membership,
    PayrollLine,
    LevyCharge,
    Invoice,
    StateClaim,
    BankStatementFile,
    BankEntry,
    BankAllocation,
    Payment,
    LedgerPosting,
    InvoiceReminder,
)
# The demo's weeks are fixed; this is the day the tests run it on (its invoice 2026-000001 was
# due on 11 November).
DEMO_DAY = dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.UTC)
D = Decimal


@pytest.fixture
def demo_day():
    with time_machine.travel(DEMO_DAY, tick=True):
        yield


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def _status(number: str) -> str:
    if number.startswith("S"):
        return StateClaim.objects.get(reference=number).status
    return Invoice.objects.get(number=number).status


def _demo_load() -> str:
    out = StringIO()
    call_command("demo_load", stdout=out)
    return out.getvalue()


# transaction=True: the command runs in autocommit, as from the shell, each import committing.
@pytest.mark.django_db(transaction=True)
def test_demo_load_twice_creates_everything_once_and_the_second_import_is_a_duplicate(
    settings, tmp_path, demo_day
):
    settings.DATA_DIR = tmp_path

    first = _demo_load()
    after_first = _counts()
    second = _demo_load()

    assert _counts() == after_first
    assert 900 <= after_first["Person"] <= 1100
    assert after_first["Membership"] == after_first["Person"]
    assert after_first["Organisation"] == 3
    statuses = sorted(RosterUpload.objects.values_list("status", flat=True))
    assert statuses == ["applied"] * 3 + ["duplicate"] * 3
    assert sorted(p.name for p in (tmp_path / "demo").glob("roster-*.csv")) == [
        "roster-61234565-2026-W47.csv",
        "roster-73518204-2026-W41.csv",
        "roster-73518204-2026-W47.csv",
    ]
    admin = User.objects.get(username="admin")
    assert admin.is_union_admin
    assert admin.check_password(PASSWORDS["admin"])
    assert User.objects.get(username="agency1").organisation.kvk == "61234565"
    assert f"admin / {PASSWORDS['admin']}" in first
    assert "http://127.0.0.1:8000/admin/" in first
    assert "nothing changed" in second
    # Each week is assessed and billed once, on the Monday after it: week 41 (the second agency
    # only), then week 47 (both agencies), each with the state's claim.
    invoices = [
        (i.number, i.payer_organisation.kvk, i.period_start, i.issue_date)
        for i in Invoice.objects.select_related("payer_organisation").order_by("number")
    ]
    assert invoices == [
        ("2026-000001", "73518204", dt.date(2026, 10, 5), dt.date(2026, 10, 12)),
        ("2026-000002", "61234565", dt.date(2026, 11, 16), dt.date(2026, 11, 23)),
        ("2026-000003", "73518204", dt.date(2026, 11, 16), dt.date(2026, 11, 23)),
    ]
    assert sorted(StateClaim.objects.values_list("reference", "period_start")) == [
        ("S2026-000001", dt.date(2026, 10, 5)),
        ("S2026-000002", dt.date(2026, 11, 16)),
    ]
    assert not LevyCharge.objects.filter(status="due", invoice__isnull=True, payer="agency")
    assert ledger_balance_total() == 0
    for number in ("2026-000001", "2026-000002", "2026-000003", "S2026-000001"):
        assert number in first
    assert "http://127.0.0.1:8000/invoices/" in first
    assert "invoices_issue --period-start" in first
    assert "nothing new to invoice" in second
    # The two example statements are two files of the same six entries: the MT940 file adds
    # nothing after the CAMT file, and the second run finds both files imported before.
    assert BankStatementFile.objects.count() == 2
    assert BankEntry.objects.count() == 6
    assert "6 entries, all 6 already imported (the same entries came in an earlier" in first
    assert second.count("6 entries, all 6 already imported (the same file was imported") == 2
    assert "bank_statement_import docs/examples/camt053-example.xml" in first
    assert "bank_statement_import docs/examples/mt940-example.sta" in first
    assert "http://127.0.0.1:8000/desk/" in first


@pytest.mark.django_db(transaction=True)
def test_demo_desk_shows_paid_partly_paid_and_overdue_invoices_and_the_unmatched_queue(
    settings, tmp_path, demo_day, client
):
    settings.DATA_DIR = tmp_path

    text = _demo_load()

    assert {
        number: _status(number)
        for number in ("2026-000001", "2026-000002", "2026-000003", "S2026-000001", "S2026-000002")
    } == {
        "2026-000001": "open",
        "2026-000002": "paid",
        "2026-000003": "partially_paid",
        "S2026-000001": "paid",
        "S2026-000002": "open",
    }
    [overdue] = invoices_overdue(today=DEMO_DAY.date())
    assert (overdue["invoice"].number, overdue["days_overdue"], overdue["outstanding"]) == (
        "2026-000001",
        18,
        D("29.41"),
    )
    # The second agency has no billing e-mail: the reminder is recorded, not sent.
    assert list(InvoiceReminder.objects.values_list("invoice__number", "step", "status")) == [
        ("2026-000001", 1, "no_contact")
    ]
    unmatched = list(bank_entries_unmatched())
    # A gift without a reference, and the rest of 2026-000003 with a mistyped reference.
    assert [(e.booking_date, e.amount) for e in unmatched] == [
        (dt.date(2026, 11, 24), D("120.00")),
        (dt.date(2026, 11, 26), D("13.02")),
    ]
    assert BankEntry.objects.filter(status="ignored").count() == 1
    assert ledger_balance_total() == 0
    assert_documents_match_their_postings()
    assert "2026-000001  Brabant Personeelsdiensten B.V.  EUR 29.41  open, overdue 18 days" in text
    assert "partly paid: EUR 15.00 paid, EUR 13.02 open" in text
    assert "unmatched bank entries: 2" in text
    assert f"desk/entries/{unmatched[1].pk}/  the amount open on 2026-000003" in text

    client.force_login(User.objects.get(username="admin"))
    desk = client.get("/desk/").content.decode()
    assert "2 credits, together" in desk
    assert "2026-000001" in desk  # in arrears
    # The admin matches the mistyped transfer to 2026-000003 at the desk: it is paid.
    partly_paid = Invoice.objects.get(number="2026-000003")
    key = f"invoice-{partly_paid.pk}"
    response = client.post(
        f"/desk/entries/{unmatched[1].pk}/",
        {"action": "match", "documents": key, f"amount-{key}": "13.02", "note": "typo in ref"},
    )
    assert response.status_code == 302
    assert _status("2026-000003") == "paid"
    assert [e.amount for e in bank_entries_unmatched()] == [D("120.00")]
    assert ledger_balance_total() == 0


@pytest.mark.django_db(transaction=True)
def test_demo_leaves_the_statements_alone_when_their_numbers_name_other_invoices(
    settings, tmp_path, demo_day
):
    # An earlier demo billed other weeks first: the statements' 2026-000002 would pay the
    # wrong invoice, so they are not imported and the output says why.
    settings.DATA_DIR = tmp_path
    DocumentCounter.objects.create(series="invoice", year=2026, last_number=5)

    text = _demo_load()

    assert not BankEntry.objects.exists()
    assert "not imported: in this database 2026-000001, 2026-000002, 2026-000003" in text
    assert ledger_balance_total() == 0


@pytest.mark.django_db(transaction=True)
def test_demo_sends_no_reminder_through_a_real_mail_server(settings, tmp_path, demo_day):
    settings.DATA_DIR = tmp_path
    _demo_load()
    Organisation.objects.filter(kvk="73518204").update(billing_email="billing@example.org")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

    text = _demo_load()

    assert "reminders not run: EMAIL_BACKEND is django.core.mail.backends.smtp" in text
    assert InvoiceReminder.objects.count() == 1  # the first run's, with no contact


@pytest.mark.django_db(transaction=True)
def test_workers_of_both_demo_agencies_are_matched_to_one_person(settings, tmp_path, demo_day):
    settings.DATA_DIR = tmp_path

    _demo_load()

    shared = Person.objects.filter(worker_numbers__organisation__kvk="73518204").filter(
        worker_numbers__organisation__kvk="61234565"
    )
    # The second agency's workers are the first agency's first workers; those with a phone or an
    # e-mail address are linked to the same person without a BSN.
    assert shared.count() > 50


@pytest.mark.django_db
def test_demo_load_refuses_to_run_in_production(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="production"):
        call_command("demo_load", stdout=StringIO())

    assert User.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_demo_sends_the_welcome_notices_to_the_outbox_in_daytime(settings, tmp_path, demo_day):
    from notifications.models import Notice

    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "outbox" / "email"
    settings.UNIONROLL_SMS_FILE_PATH = tmp_path / "outbox" / "sms"

    output = _demo_load()

    statuses = set(Notice.objects.filter(kind="welcome").values_list("status", flat=True))
    assert statuses <= {"sent", "queued_for_print"}, statuses
    # The demo's visit is told to members three days ahead: those notices wait till then.
    assert set(Notice.objects.filter(kind="visit").values_list("status", flat=True)) <= {"due"}
    assert "Notices to members" in output
    assert any((tmp_path / "outbox").rglob("*")), "nothing in the demo outbox"


@pytest.mark.django_db(transaction=True)
def test_demo_prints_a_working_sign_in_link_and_schedules_a_visit(settings, tmp_path, demo_day):
    from django.test import Client

    from notifications.models import WorkplaceVisit

    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.UNIONROLL_SMS_FILE_PATH = tmp_path / "outbox" / "sms"

    output = _demo_load()
    again = _demo_load()

    link = re.search(r"http://127\.0\.0\.1:8000/my/link/ro/#([\w-]+)", output)
    assert link, output
    client = Client()
    assert client.post("/my/link/", {"token": link.group(1)}).status_code == 302
    page = client.get("/my/")
    assert page.status_code == 200
    assert "portal/membership.html" in [t.name for t in page.templates]
    assert '<html lang="ro">' in page.content.decode()
    assert WorkplaceVisit.objects.filter(status="scheduled").count() == 1
    assert "/my/link/ro/#" in again


@pytest.mark.django_db(transaction=True)
def test_demo_run_at_night_still_fills_the_outbox_on_the_demo_clock(settings, tmp_path):
    from notifications.models import Notice

    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_FILE_PATH = tmp_path / "outbox" / "email"
    settings.UNIONROLL_SMS_FILE_PATH = tmp_path / "outbox" / "sms"
    # 23:30 in Amsterdam: quiet hours for real notices; the demo delivers as on its Monday.
    with time_machine.travel(dt.datetime(2026, 11, 29, 22, 30, tzinfo=dt.UTC), tick=True):
        output = _demo_load()

    sent = Notice.objects.filter(status="sent")
    assert sent.exists()
    assert {n.sent_at for n in sent} == {dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)}
    assert "(demo clock)" in output
    assert any((tmp_path / "outbox" / "sms").iterdir())


@pytest.mark.django_db(transaction=True)
def test_demo_in_a_database_of_an_earlier_release_says_to_start_afresh(
    settings, tmp_path, demo_day
):
    settings.DATA_DIR = tmp_path
    _demo_load()
    # What an earlier release's demo left: the example scheme's version with other terms.
    LevySchemeVersion.objects.update(base="members", collect_during_window=False)

    with pytest.raises(CommandError, match=r"earlier release.*\.data/pg.*make demo again"):
        _demo_load()
