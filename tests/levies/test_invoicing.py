"""invoices_issue and state_claim_issue: one document per payer and period for what no earlier
document billed, gap-free numbers, betalingskenmerk, lines per site and phase, credit notes and
supplements after corrections, the ledger, the PDFs, the command, the tasks and the admin."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import threading
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from pypdf import PdfReader

from levies.billing.documents import format_euro
from levies.billing.payment_reference import payment_reference_format, payment_reference_is_valid
from levies.billing.printing import invoice_pdf_bytes, state_claim_csv_text, state_claim_pdf_bytes
from levies.models import (
    Account,
    Invoice,
    LedgerTransaction,
    LevyCharge,
    StateClaim,
)
from levies.selectors import account_balance, payer_balance
from levies.services import (
    invoices_issue,
    levies_assess,
    levies_assess_and_invoice_closed_periods,
    period_billing_issue,
    state_claim_issue,
)
from levies.tasks import invoices_issue_task
from levies.tasks import levies_assess_and_invoice_closed_periods as daily_task
from tests.employers.factories import SectorFactory, SiteFactory, UnionAdminFactory
from unionroll.exceptions import ApplicationError

from .conftest import PE, PS, import_roster, make_scheme, worker

pytestmark = pytest.mark.django_db

IMPORTED = dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC)  # window ends 2026-12-10
AFTER_WINDOW = dt.date(2026, 12, 11)
ISSUED = dt.date(2026, 12, 14)
D = Decimal


def _import(tmp_path, organisation, rows, name="roster.csv", when=IMPORTED):
    with time_machine.travel(when, tick=False):
        return import_roster(tmp_path, organisation, rows, name=name)


def _assess(period=(PS, PE), today=AFTER_WINDOW):
    return levies_assess(period_start=period[0], period_end=period[1], today=today)


def _issue(period=(PS, PE), issue_date=ISSUED):
    return invoices_issue(period_start=period[0], period_end=period[1], issue_date=issue_date)


def _pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _billed(organisation) -> Decimal:
    return sum((i.total for i in Invoice.objects.filter(payer_organisation=organisation)), D(0))


def _due(**filters) -> Decimal:
    charges = LevyCharge.objects.filter(status="due", **filters)
    return sum((c.amount for c in charges), D(0))


@pytest.fixture
def second_site(hirer, meat):
    return SiteFactory(hirer=hirer, code="OSS-2", name="Uitbeenhal Oss", sector=meat)


def _workers_at_sites(site, second_site):
    """Five lines of Flexkracht: two at OSS in phase A, one at OSS in B, one at OSS-2 in A,
    one without a hirer."""
    at = {"hirer_kvk": site.hirer.kvk}
    return [
        worker(1, gross_wages="1000,00", site_code=site.code, cao_phase="A", **at),
        worker(2, gross_wages="800,00", site_code=site.code, cao_phase="A", **at),
        worker(3, gross_wages="600,00", site_code=site.code, cao_phase="B", **at),
        worker(4, gross_wages="1200,00", site_code=second_site.code, cao_phase="A", **at),
        worker(5, gross_wages="500,00", cao_phase="C"),
    ]


# --- one document per payer, lines per site and phase ------------------------------------


def test_each_payer_gets_one_invoice_with_lines_per_site_and_phase(
    tmp_path, meat, agency, hirer, site, second_site, settings
):
    # The grouping per site and phase itself, on five workers: with the production minimum
    # group size (10) they would all be merged into one grouped line
    # (tests/levies/test_small_groups_suppressed.py).
    settings.UNIONROLL_MIN_GROUP_SIZE = 1
    make_scheme(meat, rate="1.00", funding_agency=20, funding_hirer=30, funding_state=50)
    _import(tmp_path, agency, _workers_at_sites(site, second_site))
    _assess()

    issued = _issue()

    assert sorted((i["number"], i["kind"]) for i in issued) == [
        ("2026-000001", "invoice"),
        ("2026-000002", "invoice"),
    ]
    assert {i["payer"] for i in issued} == {agency.kvk, hirer.kvk}
    to_agency = Invoice.objects.get(payer_organisation=agency)
    # 1% of gross: 10.00, 8.00, 6.00, 12.00, 5.00; the agency pays 20%, and all of the hirer's
    # 30% too on the line without a hirer.
    assert [
        (line.site_name, line.cao_phase, line.members, line.amount)
        for line in to_agency.lines.all()
    ] == [
        (f"{site.name} ({site.code})", "A", 2, D("3.60")),
        (f"{site.name} ({site.code})", "B", 1, D("1.20")),
        ("Uitbeenhal Oss (OSS-2)", "A", 1, D("2.40")),
        ("", "C", 1, D("2.50")),
    ]
    assert to_agency.total == D("9.70") == _due(payer_organisation=agency)
    to_hirer = Invoice.objects.get(payer_organisation=hirer)
    assert to_hirer.total == D("10.80")
    assert sum(line.members for line in to_hirer.lines.all()) == 4
    assert to_agency.issue_date == ISSUED
    assert to_agency.due_date == ISSUED + dt.timedelta(days=30)
    assert not LevyCharge.objects.filter(payer="agency", invoice__isnull=True).exists()


def test_due_days_come_from_the_setting(tmp_path, settings, meat, agency):
    settings.UNIONROLL_INVOICE_DUE_DAYS = 14
    make_scheme(meat, funding_agency=100, funding_state=0)
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00")])
    _assess()

    _issue()

    assert Invoice.objects.get().due_date == dt.date(2026, 12, 28)


def test_held_charges_are_not_invoiced_until_their_window_closes(tmp_path, meat, agency):
    make_scheme(meat, funding_agency=100, funding_state=0)
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00")])
    _assess(today=dt.date(2026, 11, 12))

    assert _issue() == []

    _assess(today=AFTER_WINDOW)
    issued = _issue()

    assert [i["total"] for i in issued] == ["5.00"]


# --- numbering and the payment reference ----------------------------------------------------


def test_numbers_run_without_gaps_over_payers_periods_and_start_again_each_year(
    tmp_path, meat, agency, other_agency
):
    make_scheme(meat, funding_agency=100, funding_state=0)
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00")])
    _import(tmp_path, other_agency, [worker(2, gross_wages="900,00")], name="other.csv")
    next_week = (PS + dt.timedelta(days=7), PE + dt.timedelta(days=7))
    period = {"period_start": next_week[0].isoformat(), "period_end": next_week[1].isoformat()}
    # A week's roster is sent once the week is over.
    after_week2 = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)
    rows = [worker(1, gross_wages="1000,00", **period)]
    _import(tmp_path, agency, rows, name="week2.csv", when=after_week2)
    _assess()
    _assess(next_week)

    first = _issue(issue_date=dt.date(2026, 12, 14))
    second = _issue(next_week, issue_date=dt.date(2026, 12, 21))
    # A correction billed in January is numbered in the new year's series.
    _import(tmp_path, agency, [worker(1, gross_wages="1200,00")], name="corrected.csv")
    _assess()
    third = _issue(issue_date=dt.date(2027, 1, 4))

    numbers = [i["number"] for i in first + second + third]
    assert numbers == ["2026-000001", "2026-000002", "2026-000003", "2027-000001"]
    assert list(Invoice.objects.order_by("year", "sequence").values_list("number", flat=True)) == (
        numbers
    )


def test_a_rolled_back_issue_gives_its_number_back(tmp_path, meat, agency):
    make_scheme(meat, funding_agency=100, funding_state=0)
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00")])
    _assess()

    with pytest.raises(RuntimeError), transaction.atomic():
        assert [i["number"] for i in _issue()] == ["2026-000001"]
        raise RuntimeError("the job died after issuing")
    issued = _issue()

    assert [i["number"] for i in issued] == ["2026-000001"]
    assert Invoice.objects.count() == 1


def test_each_invoice_gets_a_valid_unique_betalingskenmerk(tmp_path, meat, agency, other_agency):
    make_scheme(meat, funding_agency=100, funding_state=0)
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00")])
    _import(tmp_path, other_agency, [worker(2, gross_wages="900,00")], name="other.csv")
    _assess()

    issued = _issue()

    references = [i["payment_reference"] for i in issued]
    assert len(set(references)) == 2
    assert all(payment_reference_is_valid(r) and len(r) == 16 for r in references)
    # Year, series 0 and the sequence are readable in the payload.
    assert references[0][1:] == "202600000000001"


def test_period_with_an_end_before_its_start_is_refused(meat):
    with pytest.raises(ApplicationError) as error:
        invoices_issue(period_start=PE, period_end=PS)

    assert error.value.code == "period_invalid"


# --- idempotency, credit notes and supplements ------------------------------------------------


def test_running_twice_issues_nothing_new(tmp_path, meat, agency):
    make_scheme(meat)
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00")])
    _assess()
    period_billing_issue(period_start=PS, period_end=PE, issue_date=ISSUED)
    before = (
        Invoice.objects.count(),
        StateClaim.objects.count(),
        LedgerTransaction.objects.count(),
    )

    again = period_billing_issue(period_start=PS, period_end=PE, issue_date=ISSUED)

    assert again["invoices"] == [] and again["state_claim"] is None
    assert before == (1, 1, LedgerTransaction.objects.count())


def test_replaced_roster_that_lowers_the_charges_gives_a_credit_note_for_the_difference(
    tmp_path, meat, agency
):
    make_scheme(meat, funding_agency=100, funding_state=0)
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00"), worker(2, gross_wages="800,00")])
    _assess()
    _issue()
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00")], name="corrected.csv")
    _assess()

    issued = _issue(issue_date=ISSUED + dt.timedelta(days=1))

    assert [(i["number"], i["kind"], i["total"]) for i in issued] == [
        ("2026-000002", "credit_note", "-4.00")
    ]
    credit = Invoice.objects.get(number="2026-000002")
    assert credit.due_date is None and credit.payment_reference is None
    # Worker 2 is off the roster; worker 1's line was replaced by an equal one (nets to zero).
    assert [(line.members, line.amount) for line in credit.lines.all()] == [(1, D("-4.00"))]
    assert payer_balance(payer=agency) == D("5.00")
    assert account_balance(account=Account.INVOICED, organisation=agency) == D("5.00")
    assert _billed(agency) == _due(payer_organisation=agency) == D("5.00")
    text = _pdf_text(invoice_pdf_bytes(credit))
    assert "Creditnota" in text and "2026-000001" in text  # names the invoice it corrects


def test_replaced_roster_that_raises_the_charges_gives_a_supplementary_invoice(
    tmp_path, meat, agency
):
    make_scheme(meat, funding_agency=100, funding_state=0)
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00")])
    _assess()
    _issue()
    _import(tmp_path, agency, [worker(1, gross_wages="1300,00")], name="corrected.csv")
    _assess()

    issued = _issue()

    assert [(i["kind"], i["total"]) for i in issued] == [("invoice", "1.50")]
    assert payer_balance(payer=agency) == D("6.50")
    assert _billed(agency) == _due(payer_organisation=agency) == D("6.50")


def test_charges_that_net_to_zero_issue_nothing_and_are_carried_to_the_next_document(
    tmp_path, meat, agency
):
    make_scheme(meat, funding_agency=100, funding_state=0)
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00")])
    _assess()
    _issue()
    # Worker 1 was booked under the wrong worker number: -5.00 and +5.00.
    _import(tmp_path, agency, [worker(2, gross_wages="1000,00")], name="corrected.csv")
    _assess()

    assert _issue() == []
    assert LevyCharge.objects.filter(invoice__isnull=True, status="due").count() == 2

    _import(tmp_path, agency, [worker(2, gross_wages="1100,00")], name="corrected2.csv")
    _assess()
    issued = _issue()

    assert [i["total"] for i in issued] == ["0.50"]
    assert not LevyCharge.objects.filter(invoice__isnull=True, status="due").exists()
    supplement = Invoice.objects.get(number=issued[0]["number"])
    # Two members on the line: worker 1's earlier charge credited, worker 2 charged 5.50.
    assert [(line.members, line.amount) for line in supplement.lines.all()] == [(2, D("0.50"))]


# --- the ledger -------------------------------------------------------------------------------


def test_invoices_move_the_amount_from_receivable_to_invoiced_and_the_claim_likewise(
    tmp_path, meat, agency
):
    make_scheme(meat)  # agency 10, state 90
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00")])
    _assess()

    period_billing_issue(period_start=PS, period_end=PE, issue_date=ISSUED)

    assert account_balance(account=Account.RECEIVABLE, organisation=agency) == 0
    assert account_balance(account=Account.INVOICED, organisation=agency) == D("0.50")
    assert account_balance(account=Account.STATE_RECEIVABLE) == 0
    assert account_balance(account=Account.STATE_CLAIMED) == D("4.50")
    assert payer_balance(payer=agency) == D("0.50")
    assert payer_balance(payer="state") == D("4.50")
    kinds = set(LedgerTransaction.objects.values_list("kind", flat=True))
    assert {"invoiced", "claimed"} <= kinds
    # The autouse fixture checks that every transaction and the ledger sum to zero.


# --- state claims ------------------------------------------------------------------------------


def test_state_claim_has_a_row_per_sector_and_agency_with_counts_and_sums(
    tmp_path, meat, agency, other_agency
):
    make_scheme(meat)
    bakery = SectorFactory(code="bakery", name="Bakkerij")
    make_scheme(bakery, funding_agency=0, funding_state=100)
    agency.sectors.add(bakery)
    _import(
        tmp_path,
        agency,
        [
            worker(1, gross_wages="1000,00", sector="meat"),
            worker(2, gross_wages="800,00", sector="meat"),
            worker(3, gross_wages="600,00", sector="bakery"),
        ],
    )
    _import(tmp_path, other_agency, [worker(4, gross_wages="900,00")], name="other.csv")
    _assess()

    claim = state_claim_issue(period_start=PS, period_end=PE, issue_date=ISSUED)

    rows = [(r.sector_name, r.organisation_kvk, r.members, r.amount) for r in claim.rows.all()]
    assert sorted(rows) == sorted(
        [
            ("Bakkerij", agency.kvk, 1, D("3.00")),
            (meat.name, agency.kvk, 2, D("8.10")),
            (meat.name, other_agency.kvk, 1, D("4.05")),
        ]
    )
    assert claim.total == D("15.15") == _due(payer="state")
    assert claim.reference == "S2026-000001"
    assert payment_reference_is_valid(claim.payment_reference)
    assert not LevyCharge.objects.filter(payer="state", state_claim__isnull=True).exists()
    assert state_claim_issue(period_start=PS, period_end=PE, issue_date=ISSUED) is None


def test_state_claim_pdf_and_csv_sum_up_and_name_no_worker(tmp_path, meat, agency):
    make_scheme(meat)
    # Worker numbers that no document number or KvK number happens to contain.
    rows = [worker(n, gross_wages="1000,00") for n in range(731, 734)]
    _import(tmp_path, agency, rows)
    _assess()
    claim = state_claim_issue(period_start=PS, period_end=PE, issue_date=ISSUED)

    text = _pdf_text(state_claim_pdf_bytes(claim))
    table = list(csv.DictReader(io.StringIO(state_claim_csv_text(claim))))

    assert claim.reference in text and format_euro(D("13.50")) in text
    assert [(r["payer_kvk"], r["members"], r["amount"]) for r in table] == [
        (agency.kvk, "3", "13.50"),
        ("", "3", "13.50"),
    ]
    for row in rows:
        for personal in (row["first_name"], row["last_name"], row["worker_number"]):
            assert personal not in text
            assert personal not in state_claim_csv_text(claim)


# --- the PDF -----------------------------------------------------------------------------------


def test_invoice_pdf_shows_the_number_the_dutch_total_and_the_payment_reference(
    tmp_path, meat, agency
):
    agency.address = "Stationsplein 4, 7511 JD Enschede"
    agency.save()
    make_scheme(meat, funding_agency=100, funding_state=0, rate="5.00")
    # 5% of 24,691.20 = 1,234.56
    row = worker(731, gross_wages="24691,20")
    _import(tmp_path, agency, [row])
    _assess()
    _issue()
    invoice = Invoice.objects.get()

    text = _pdf_text(invoice_pdf_bytes(invoice))

    assert invoice.number in text
    assert "€ 1.234,56" in text
    assert payment_reference_format(invoice.payment_reference) in text
    assert "7511 JD Enschede" in text and agency.kvk in text
    assert row["first_name"] not in text and row["worker_number"] not in text


# --- command, tasks, admin ---------------------------------------------------------------------


def test_command_prints_the_documents_as_json(tmp_path, meat, agency):
    make_scheme(meat)
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00")])
    _assess()
    out = StringIO()

    with time_machine.travel(dt.datetime(2026, 12, 14, 9, tzinfo=dt.UTC), tick=False):
        call_command(
            "invoices_issue",
            "--period-start",
            "2026-11-02",
            "--period-end",
            "2026-11-08",
            "--json",
            stdout=out,
        )

    result = json.loads(out.getvalue())
    assert result["period_start"] == "2026-11-02"
    [invoice] = result["invoices"]
    assert (invoice["number"], invoice["kind"], invoice["payer"], invoice["total"]) == (
        "2026-000001",
        "invoice",
        agency.kvk,
        "0.50",
    )
    assert result["state_claim"]["total"] == "4.50"
    again = StringIO()
    call_command(
        "invoices_issue",
        "--period-start",
        "2026-11-02",
        "--period-end",
        "2026-11-08",
        stdout=again,
    )
    assert "nothing issued" in again.getvalue()


def test_task_issues_the_period(tmp_path, meat, agency):
    make_scheme(meat)
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00")])
    _assess()

    result = invoices_issue_task.delay("2026-11-02", "2026-11-08").get()

    assert result["invoices"] == [Invoice.objects.get().number]
    assert result["state_claim"] == StateClaim.objects.get().reference


def test_daily_task_assesses_ended_periods_and_bills_what_became_due(tmp_path, meat, agency):
    make_scheme(meat)
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00")])

    # Inside the window: assessed, all held, nothing billed.
    inside = levies_assess_and_invoice_closed_periods(today=dt.date(2026, 11, 12))
    with time_machine.travel(dt.datetime(2026, 12, 11, 6, tzinfo=dt.UTC), tick=False):
        documents = daily_task.delay().get()
        again = daily_task.delay().get()

    assert [p["invoices"] for p in inside] == [[]]
    assert documents == 2  # the agency's invoice and the state claim
    assert again == 0
    assert Invoice.objects.get().total == D("0.50")


def test_admin_action_and_pages(tmp_path, client, meat, agency):
    make_scheme(meat)
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00")])
    run = _assess()["run"]
    client.force_login(UnionAdminFactory())

    response = client.post(
        reverse("admin:levies_levyassessmentrun_changelist"),
        {"action": "issue_invoices", "_selected_action": [run]},
        follow=True,
    )

    assert response.status_code == 200
    invoice = Invoice.objects.get()
    assert invoice.number in response.content.decode()
    claim = StateClaim.objects.get()
    for url in (
        reverse("admin:levies_invoice_changelist"),
        reverse("admin:levies_invoice_change", args=[invoice.pk]),
        reverse("admin:levies_stateclaim_changelist"),
        reverse("admin:levies_stateclaim_change", args=[claim.pk]),
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert "Łukasz" not in page.content.decode()
    assert (
        reverse("levies:invoice_pdf", args=[invoice.pk])
        in client.get(reverse("admin:levies_invoice_changelist")).content.decode()
    )
    pdf = client.get(reverse("levies:state_claim_pdf", args=[claim.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    csv_response = client.get(reverse("levies:state_claim_csv", args=[claim.pk]))
    assert re.search(r"TOTAL,,,1,4\.50", csv_response.content.decode())


# --- concurrency -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuers_wait_for_each_other_and_take_consecutive_numbers():
    from django.db import connections

    from levies.billing.services import document_number_next
    from levies.models import DocumentCounter

    first_has_number = threading.Event()
    release_first = threading.Event()
    taken: dict[str, int] = {}
    finished: list[str] = []

    def issuer(name: str, hold: bool) -> None:
        try:
            with transaction.atomic():
                taken[name] = document_number_next(series="invoice", year=2027)
                if hold:
                    first_has_number.set()
                    release_first.wait(timeout=10)
            finished.append(name)
        finally:
            connections.close_all()

    first = threading.Thread(target=issuer, args=("first", True))
    first.start()
    assert first_has_number.wait(timeout=10)
    second = threading.Thread(target=issuer, args=("second", False))
    second.start()
    second.join(timeout=1)
    # The second issuer is blocked on the counter row while the first has not committed.
    assert second.is_alive() and "second" not in taken
    release_first.set()
    first.join(timeout=10)
    second.join(timeout=10)

    assert taken == {"first": 1, "second": 2}
    assert finished == ["first", "second"]
    assert DocumentCounter.objects.get(series="invoice", year=2027).last_number == 2
