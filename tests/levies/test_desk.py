"""The reconciliation desk: union admins only; per payer and month what was invoiced, paid by
Stripe and by bank, credited, open and overdue — equal to the ledger; the unmatched queue
matched or parked with who and why; the CSV; the payer statement.

After every test the ledger balances (tests/levies/conftest.py) and every stored invoice and
claim state equals what its postings say (tests/levies/payments.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from levies.bank.services import bank_statement_import
from levies.models import (
    Account,
    BankEntry,
    BankEntryAction,
    LedgerPosting,
    LedgerTransaction,
)
from levies.payments.services import invoice_write_off
from levies.selectors import account_balance, reconciliation_period
from tests.employers.factories import (
    HirerFactory,
    OrganisationFactory,
    UnionAdminFactory,
    UserFactory,
)
from tests.levies.desk_helpers import issued, stripe_paid
from tests.levies.payments import documents_match_their_postings
from tests.levies.test_bank_import import Line, camt, wrong_check_digit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("documents_match_their_postings")]
__all__ = ["documents_match_their_postings"]
D = Decimal
TODAY = dt.datetime(2027, 1, 20, 10, 0, tzinfo=dt.UTC)
MONTH = "2027-01"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def admin_client(client):
    client.force_login(UnionAdminFactory(username="ursula"))
    return client


@pytest.fixture
def book():
    """Flexkracht: an invoice paid by bank and one by Stripe. Brabant: an overdue invoice paid
    in part, a credit note. Meierij: written off in part. One entry nobody could match."""
    flex = OrganisationFactory(name="Flexkracht B.V.")
    brabant = OrganisationFactory(name="Brabant Personeel B.V.")
    meierij = HirerFactory(name="Vleesverwerking De Meierij B.V.")
    flex_bank = issued("100.00", flex)
    flex_stripe = issued("40.00", flex)
    brabant_late = issued("250.00", brabant, due_date=dt.date(2026, 12, 1))
    credit_note = issued("-10.00", brabant, kind="credit_note")
    meierij_invoice = issued("80.00", meierij, due_date=dt.date(2026, 12, 15))
    unmatched_reference = wrong_check_digit(brabant_late.payment_reference)
    bank_statement_import(
        data=camt(
            [
                Line("100.00", "B1", structured=flex_bank.payment_reference),
                Line("60.00", "B2", structured=brabant_late.payment_reference),
                Line("190.00", "B3", structured=unmatched_reference),
            ]
        ),
        filename="statement.xml",
    )
    stripe_paid(flex_stripe, "40.00", "pi_flex")
    invoice_write_off(invoice=meierij_invoice, reason="Dissolved", amount=D("30.00"))
    return {
        "flex": flex,
        "brabant": brabant,
        "meierij": meierij,
        "flex_bank": flex_bank,
        "flex_stripe": flex_stripe,
        "brabant_late": brabant_late,
        "credit_note": credit_note,
        "meierij_invoice": meierij_invoice,
        "unmatched": BankEntry.objects.get(bank_reference="B3"),
    }


# --- who may see it ---------------------------------------------------------------------------


def _desk_urls(entry_pk: int, organisation_pk: int) -> list[str]:
    return [
        reverse("levies:desk"),
        reverse("levies:desk_export"),
        reverse("levies:desk_entry", args=[entry_pk]),
        reverse("levies:desk_statement_pdf", args=[organisation_pk]),
    ]


def test_anonymous_visitor_is_sent_to_the_login_page_and_sees_no_figures(client, book):
    for url in _desk_urls(book["unmatched"].pk, book["flex"].pk):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["agency", "hirer", "staff_of_an_organisation"])
def test_payer_users_are_refused_the_desk(client, book, who):
    if who == "agency":
        user = UserFactory(organisation=book["flex"])
    elif who == "hirer":
        user = UserFactory(organisation=book["meierij"])
    else:
        # is_staff with an organisation is still a payer's user, not union staff.
        user = UserFactory(organisation=book["brabant"], is_staff=True)
    client.force_login(user)

    for url in _desk_urls(book["unmatched"].pk, book["flex"].pk):
        assert client.get(url).status_code == 403, url
    response = client.post(
        reverse("levies:desk_entry", args=[book["unmatched"].pk]),
        {"action": "park", "note": "mine now"},
    )
    assert response.status_code == 403
    assert BankEntry.objects.get(pk=book["unmatched"].pk).status == "unmatched"


def test_only_union_staff_are_offered_the_desk_in_the_navigation(admin_client, book):
    payer = Client()
    payer.force_login(UserFactory(organisation=book["flex"]))
    desk = reverse("levies:desk")

    assert f'href="{desk}"' in admin_client.get(reverse("levies:invoice_list")).content.decode()
    assert f'href="{desk}"' not in payer.get(reverse("levies:invoice_list")).content.decode()


# --- the figures equal the ledger -------------------------------------------------------------


def _ledger(account_kinds: list[str], accounts: list[str], **filters) -> Decimal:
    total = LedgerPosting.objects.filter(
        account__in=accounts, transaction__kind__in=account_kinds, **filters
    ).aggregate(t=Sum("amount"))["t"]
    return total or D("0.00")


def test_desk_totals_equal_the_ledger(admin_client, book):
    response = admin_client.get(reverse("levies:desk"), {"month": MONTH})

    assert response.status_code == 200
    rec = response.context["rec"]
    totals = rec["totals"]
    payer_accounts = [Account.INVOICED, Account.STATE_CLAIMED, Account.UNAPPLIED_PAYMENTS]
    kinds = LedgerTransaction.Kind
    assert totals["invoiced"] == _ledger([kinds.INVOICED], payer_accounts) == D("470.00")
    assert totals["credits"] == -_ledger([kinds.CREDITED, kinds.WRITTEN_OFF], payer_accounts)
    assert totals["credits"] == D("40.00")
    paid = -_ledger([kinds.PAYMENT, kinds.PAYMENT_REVERSED, kinds.ALLOCATED], payer_accounts)
    assert totals["paid_stripe"] + totals["paid_bank"] == paid == D("200.00")
    assert totals["paid_stripe"] == D("40.00")
    assert totals["open"] == sum((account_balance(account=a) for a in payer_accounts), D("0.00"))
    assert totals["open"] == D("230.00")
    assert rec["bank_in"] == account_balance(account=Account.BANK) == D("390.00")
    assert rec["suspense"]["held"] == -account_balance(account=Account.SUSPENSE) == D("190.00")
    # Money in = Stripe + bank transfers applied + what waits in suspense.
    assert rec["bank_in"] == totals["paid_stripe"] + totals["paid_bank"] + D("190.00")
    for row in rec["rows"]:
        expected_open = (
            row["brought_forward"]
            + row["invoiced"]
            - row["paid_stripe"]
            - row["paid_bank"]
            - row["credits"]
            + row["other"]
        )
        assert row["open"] == expected_open, row["payer"]
        if row["organisation"] is not None:
            assert row["open"] == account_balance(
                account=Account.INVOICED, organisation=row["organisation"]
            ) + account_balance(
                account=Account.UNAPPLIED_PAYMENTS, organisation=row["organisation"]
            )
    assert totals["other"] == 0


def test_desk_shows_each_payer_with_its_open_and_overdue_amounts(admin_client, book):
    response = admin_client.get(reverse("levies:desk"), {"month": MONTH})

    rows = {row["payer"]: row for row in response.context["rec"]["rows"]}
    brabant = rows["Brabant Personeel B.V."]
    assert (brabant["invoiced"], brabant["paid_bank"], brabant["credits"]) == (
        D("250.00"),
        D("60.00"),
        D("10.00"),
    )
    assert brabant["open"] == D("180.00")  # 190 on the late invoice, less the credit note
    assert brabant["overdue"] == D("190.00")
    meierij = rows["Vleesverwerking De Meierij B.V."]
    assert (meierij["credits"], meierij["open"], meierij["overdue"]) == (
        D("30.00"),
        D("50.00"),
        D("50.00"),
    )
    flex = rows["Flexkracht B.V."]
    assert (flex["paid_stripe"], flex["paid_bank"], flex["open"], flex["overdue"]) == (
        D("40.00"),
        D("100.00"),
        D("0.00"),
        D("0.00"),
    )
    html = response.content.decode()
    assert "Vleesverwerking De Meierij B.V." in html
    assert "€ 470,00" in html  # the invoiced total
    assert "<svg" in html and "chart__invoiced" in html
    assert "<script" not in html


def test_a_month_without_movements_carries_the_balance_forward(admin_client, book):
    response = admin_client.get(reverse("levies:desk"), {"month": "2027-02"})

    totals = response.context["rec"]["totals"]
    assert totals["brought_forward"] == totals["open"] == D("230.00")
    assert totals["invoiced"] == totals["paid_bank"] == D("0.00")


def test_csv_export_has_the_same_figures_as_the_page(admin_client, book):
    response = admin_client.get(reverse("levies:desk_export"), {"month": MONTH})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "reconciliation-2027-01.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "period_start",
        "period_end",
        "payer",
        "kvk",
        "brought_forward",
        "invoiced",
        "paid_stripe",
        "paid_bank",
        "credits",
        "open",
        "overdue",
    ]
    total = next(row for row in rows if row[2:3] == ["total"])
    assert total[:2] == ["2027-01-01", "2027-01-31"]
    assert total[4:] == ["0.00", "470.00", "40.00", "160.00", "40.00", "230.00", "240.00"]
    rec = reconciliation_period(start=dt.date(2027, 1, 1), end=dt.date(2027, 1, 31))
    assert len([row for row in rows[1:] if len(row) == 11]) == len(rec["rows"]) + 1
    assert ["unmatched receipts", "0.00", "190.00", "0.00", "190.00"] in rows


def test_csv_export_keeps_a_payer_name_that_looks_like_a_formula_as_text(admin_client, book):
    book["flex"].name = '=HYPERLINK("http://evil.example","Flexkracht")'
    book["flex"].save(update_fields=["name"])

    response = admin_client.get(reverse("levies:desk_export"), {"month": MONTH})

    payers = [row[2] for row in csv.reader(io.StringIO(response.content.decode())) if row[2:]]
    assert "'" + book["flex"].name in payers
    assert book["flex"].name not in payers


# --- the unmatched queue ----------------------------------------------------------------------


def test_queue_lists_the_unmatched_entry_without_the_senders_name(admin_client, book):
    response = admin_client.get(reverse("levies:desk"), {"month": MONTH})

    assert [entry.pk for entry in response.context["unmatched"]] == [book["unmatched"].pk]
    html = response.content.decode()
    assert reverse("levies:desk_entry", args=[book["unmatched"].pk]) in html
    assert "Flexkracht B.V." not in html.split('id="queue"')[1].split("</section>")[0]


def test_entry_page_prefills_the_open_amount_and_puts_the_likely_invoice_first(admin_client, book):
    response = admin_client.get(reverse("levies:desk_entry", args=[book["unmatched"].pk]))

    assert response.status_code == 200
    first = response.context["candidates"][0]
    assert first["document"] == book["brabant_late"]
    assert first["outstanding"] == D("190.00")
    assert first["prefill"] == D("190.00")
    assert f'value="{first["key"]}"' in response.content.decode()


def test_admin_matches_an_unmatched_entry_and_the_invoice_becomes_paid(admin_client, book):
    entry, invoice = book["unmatched"], book["brabant_late"]

    response = admin_client.post(
        reverse("levies:desk_entry", args=[entry.pk]),
        {
            "action": "match",
            "documents": [f"invoice-{invoice.pk}"],
            f"amount-invoice-{invoice.pk}": "190,00",
            "note": "Reference mistyped; payer and amount match",
        },
    )

    assert response.status_code == 302
    invoice.refresh_from_db()
    entry.refresh_from_db()
    assert invoice.status == "paid"
    assert (entry.status, entry.matched_by) == ("matched", "desk")
    action = BankEntryAction.objects.get(entry=entry)
    assert (action.action, action.user.username, action.note) == (
        "allocated",
        "ursula",
        "Reference mistyped; payer and amount match",
    )
    assert action.detail["allocations"] == [{"document": invoice.number, "amount": "190.00"}]
    page = admin_client.get(response["Location"])
    assert f"{invoice.number}: paid" in page.content.decode()
    assert list(page.context["unmatched"]) == []


def test_one_entry_matched_to_two_invoices_pays_both(admin_client, book):
    entry, late = book["unmatched"], book["brabant_late"]
    other = issued("20.00", book["brabant"])

    admin_client.post(
        reverse("levies:desk_entry", args=[entry.pk]),
        {
            "action": "match",
            "documents": [f"invoice-{late.pk}", f"invoice-{other.pk}"],
            f"amount-invoice-{late.pk}": "170.00",
            f"amount-invoice-{other.pk}": "20.00",
            "note": "Two invoices in one transfer",
        },
    )

    late.refresh_from_db()
    other.refresh_from_db()
    assert (late.status, other.status) == ("partially_paid", "paid")


def test_matching_without_a_note_is_refused_and_changes_nothing(admin_client, book):
    entry, invoice = book["unmatched"], book["brabant_late"]
    postings = LedgerPosting.objects.count()

    response = admin_client.post(
        reverse("levies:desk_entry", args=[entry.pk]),
        {
            "action": "match",
            "documents": [f"invoice-{invoice.pk}"],
            f"amount-invoice-{invoice.pk}": "190.00",
            "note": "  ",
        },
    )

    assert response.status_code == 400
    assert "a note is required" in response.content.decode()
    assert LedgerPosting.objects.count() == postings
    assert BankEntry.objects.get(pk=entry.pk).status == "unmatched"


def test_matching_more_than_the_entry_is_refused(admin_client, book):
    entry, invoice = book["unmatched"], book["brabant_late"]

    response = admin_client.post(
        reverse("levies:desk_entry", args=[entry.pk]),
        {
            "action": "match",
            "documents": [f"invoice-{invoice.pk}"],
            f"amount-invoice-{invoice.pk}": "250.00",
            "note": "too much",
        },
    )

    assert response.status_code == 400
    assert "at most the entry" in response.content.decode()
    assert BankEntry.objects.get(pk=entry.pk).status == "unmatched"


def test_admin_parks_an_entry_with_a_note(admin_client, book):
    entry = book["unmatched"]

    response = admin_client.post(
        reverse("levies:desk_entry", args=[entry.pk]),
        {"action": "park", "note": "Not a levy payment; asked the bank to return it"},
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == "parked"
    action = BankEntryAction.objects.get(entry=entry)
    assert (action.action, action.user.username) == ("parked", "ursula")
    assert account_balance(account=Account.SUSPENSE) == D("-190.00")  # the money stays there
    desk = admin_client.get(reverse("levies:desk"), {"month": MONTH})
    assert list(desk.context["unmatched"]) == []
    assert [e.pk for e in desk.context["parked"]] == [entry.pk]


# --- the payer statement ----------------------------------------------------------------------


def test_payer_downloads_its_own_statement_from_its_invoices_page(client, book):
    client.force_login(UserFactory(organisation=book["brabant"]))

    page = client.get(reverse("levies:invoice_list"))
    response = client.get(reverse("levies:payer_statement_pdf"))

    assert reverse("levies:payer_statement_pdf") in page.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert book["brabant"].kvk in response["Content-Disposition"]


def test_admin_downloads_any_payers_statement_from_the_desk(admin_client, book):
    response = admin_client.get(reverse("levies:desk_statement_pdf", args=[book["flex"].pk]))

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
