"""Payments core: invoice state from the ledger, overpayment credit, write-offs (service,
command, admin), the payment's database idempotency, and Stripe PaymentIntents for invoices
(against localstripe, and a recording server for the idempotency keys on the wire).

After every test the ledger balances (tests/levies/conftest.py) and every stored invoice state
equals what its postings say (tests/levies/payments.py).
"""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
import stripe
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from levies.ledger.services import ledger_post
from levies.models import (
    Account,
    Invoice,
    InvoiceWriteOff,
    LedgerPosting,
    Payment,
    StripeCustomer,
)
from levies.payments.services import (
    invoice_payment_intent_create,
    invoice_write_off,
    payment_book,
)
from levies.selectors import account_balance, document_settlement, payer_credit
from tests.employers.factories import OrganisationFactory, UnionAdminFactory
from tests.levies.payments import an_invoice, documents_match_their_postings
from tests.levies.stripe_fake import IBAN_OK, TEST_SECRET_KEY
from unionroll.exceptions import ApplicationError

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("documents_match_their_postings")]
__all__ = ["documents_match_their_postings"]
D = Decimal


def pay_manually(invoice: Invoice, amount: str, reference: str = "m1") -> Payment:
    with transaction.atomic():
        payment = Payment.objects.create(
            source=Payment.Source.MANUAL,
            external_reference=reference,
            invoice=invoice,
            payer_organisation=invoice.payer_organisation,
            amount=D(amount),
            status=Payment.Status.SUCCEEDED,
        )
        payment_book(payment=payment, memo="manual")
    invoice.refresh_from_db()
    return payment


# --- state from the postings -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paid", "status", "outstanding", "credit"),
    [
        ("40.00", "partially_paid", "60.00", "0.00"),
        ("100.00", "paid", "0.00", "0.00"),
        ("130.00", "overpaid", "0.00", "30.00"),
    ],
)
def test_amount_paid_decides_the_state_and_an_excess_is_the_payers_credit(
    paid, status, outstanding, credit
):
    invoice = an_invoice("100.00")

    pay_manually(invoice, paid)

    settlement = document_settlement(document=invoice)
    assert invoice.status == status
    assert settlement["outstanding"] == D(outstanding)
    assert payer_credit(payer=invoice.payer_organisation) == D(credit)
    assert account_balance(account=Account.BANK) == D(paid)


def test_a_new_invoice_is_open():
    invoice = an_invoice()
    assert invoice.status == "open"
    assert document_settlement(document=invoice)["status"] == "open"


def test_booking_a_payment_again_posts_nothing():
    invoice = an_invoice("100.00")
    payment = pay_manually(invoice, "100.00")

    with transaction.atomic():
        again = payment_book(payment=payment, memo="again")

    assert again == 0
    assert payment.ledger_transactions.count() == 1


def test_payment_source_and_reference_are_unique_in_the_database():
    invoice = an_invoice()
    pay_manually(invoice, "10.00", reference="same")

    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            source=Payment.Source.MANUAL,
            external_reference="same",
            amount=D("10.00"),
            status=Payment.Status.SUCCEEDED,
        )


def test_legs_naming_different_invoices_are_kept_apart():
    org = OrganisationFactory()
    first, second = an_invoice(organisation=org), an_invoice(organisation=org)

    ledger_post(
        kind="payment",
        legs=[
            (Account.BANK, None, D("30.00")),
            (Account.INVOICED, org.pk, D("-10.00"), first.pk, None),
            (Account.INVOICED, org.pk, D("-20.00"), second.pk, None),
        ],
    )

    assert {(p.invoice_id, p.amount) for p in LedgerPosting.objects.filter(account="invoiced")} == {
        (first.pk, D("-10.00")),
        (second.pk, D("-20.00")),
    }
    # Posted around the services: bring the stored states in line for the after-test check.
    from levies.payments.services import document_state_refresh

    for invoice in (first, second):
        document_state_refresh(document=invoice)


# --- write-off ---------------------------------------------------------------------------------


def test_write_off_posts_to_the_expense_account_with_the_reason():
    invoice = an_invoice("100.00")
    admin = UnionAdminFactory()

    write_off = invoice_write_off(invoice=invoice, reason="Agency bankrupt", user=admin)

    invoice.refresh_from_db()
    assert invoice.status == "written_off"
    assert (write_off.amount, write_off.reason, write_off.user) == (
        D("100.00"),
        "Agency bankrupt",
        admin,
    )
    assert account_balance(account=Account.WRITE_OFF) == D("100.00")
    legs = LedgerPosting.objects.filter(transaction=write_off.ledger_transaction)
    assert {(p.account, p.amount, p.invoice_id) for p in legs} == {
        ("write_off", D("100.00"), invoice.pk),
        ("invoiced", D("-100.00"), invoice.pk),
    }


def test_write_off_of_a_partly_paid_invoice_takes_only_what_is_outstanding():
    invoice = an_invoice("100.00")
    pay_manually(invoice, "40.00")

    write_off = invoice_write_off(invoice=invoice, reason="Settled for less")

    invoice.refresh_from_db()
    assert write_off.amount == D("60.00")
    assert invoice.status == "written_off"
    assert document_settlement(document=invoice)["paid"] == D("40.00")


def test_partial_write_off_leaves_the_rest_open():
    invoice = an_invoice("100.00")

    invoice_write_off(invoice=invoice, reason="Disputed hours", amount=D("25.00"))

    invoice.refresh_from_db()
    assert invoice.status == "open"
    assert document_settlement(document=invoice)["outstanding"] == D("75.00")


@pytest.mark.parametrize(
    ("setup", "kwargs", "code"),
    [
        (None, {"reason": "  "}, "write_off_reason_required"),
        ("paid", {"reason": "x"}, "write_off_nothing_outstanding"),
        (None, {"reason": "x", "amount": D("100.01")}, "write_off_amount_invalid"),
        (None, {"reason": "x", "amount": D("0")}, "write_off_amount_invalid"),
    ],
)
def test_write_off_refusals_change_nothing(setup, kwargs, code):
    invoice = an_invoice("100.00")
    if setup == "paid":
        pay_manually(invoice, "100.00")
    before = LedgerPosting.objects.count()

    with pytest.raises(ApplicationError) as exc:
        invoice_write_off(invoice=invoice, **kwargs)

    assert exc.value.code == code
    assert LedgerPosting.objects.count() == before
    assert not InvoiceWriteOff.objects.exists()


def test_credit_note_cannot_be_written_off():
    note = an_invoice("-10.00", kind=Invoice.Kind.CREDIT_NOTE)

    with pytest.raises(ApplicationError) as exc:
        invoice_write_off(invoice=note, reason="x")

    assert exc.value.code == "write_off_not_invoice"


def test_write_off_command():
    invoice = an_invoice("100.00")
    out = StringIO()

    call_command(
        "invoice_write_off", "--number", invoice.number, "--reason", "Uncollectable", stdout=out
    )

    invoice.refresh_from_db()
    assert invoice.status == "written_off"
    assert "EUR 100.00 written off" in out.getvalue()
    assert InvoiceWriteOff.objects.get().reason == "Uncollectable"


def test_write_off_command_refuses_unknown_invoice_with_exit_1():
    with pytest.raises(CommandError) as exc:
        call_command("invoice_write_off", "--number", "1999-000001", "--reason", "x")
    assert exc.value.returncode == 1


def test_admin_write_off_asks_for_a_reason_then_writes_off(client):
    invoice = an_invoice("100.00")
    admin = UnionAdminFactory()
    client.force_login(admin)
    url = reverse("admin:levies_invoice_changelist")
    selected = {"action": "write_off", "_selected_action": [invoice.pk]}

    page = client.post(url, selected)
    assert page.status_code == 200
    assert b"reason" in page.content
    assert not InvoiceWriteOff.objects.exists()

    done = client.post(url, {**selected, "confirm": "1", "reason": "Agency dissolved"})

    assert done.status_code == 302
    write_off = InvoiceWriteOff.objects.get()
    assert (write_off.reason, write_off.user) == ("Agency dissolved", admin)
    invoice.refresh_from_db()
    assert invoice.status == "written_off"


def test_admin_lists_of_payments_events_and_bank_entries_are_read_only(client):
    client.force_login(UnionAdminFactory())
    for model in ("payment", "stripeevent", "bankentry", "bankstatementfile"):
        assert client.get(reverse(f"admin:levies_{model}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:levies_{model}_add")).status_code == 403


# --- Stripe PaymentIntents ---------------------------------------------------------------------


def raw_client(settings) -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE}
    )


def test_payment_intent_for_an_invoice_asks_for_what_is_outstanding(stripe_settings):
    invoice = an_invoice("100.00")
    pay_manually(invoice, "25.50")

    result = invoice_payment_intent_create(invoice=invoice, method="card")

    assert result["amount"] == "74.50"
    assert result["client_secret"]
    pi = raw_client(stripe_settings).v1.payment_intents.retrieve(result["payment_intent_id"])
    assert (pi.amount, pi.currency, pi.metadata["invoice_number"]) == (7450, "eur", invoice.number)
    payment = Payment.objects.get(source="stripe")
    assert (payment.external_reference, payment.attempt, payment.idempotency_key) == (
        result["payment_intent_id"],
        1,
        f"invoice-{invoice.number}-payment-1",
    )
    assert pi.customer == StripeCustomer.objects.get().customer_id


def test_customer_is_created_once_per_organisation(stripe_settings):
    org = OrganisationFactory()
    first, second = an_invoice(organisation=org), an_invoice(organisation=org)

    invoice_payment_intent_create(invoice=first, method="card")
    invoice_payment_intent_create(invoice=second, method="sepa_debit")

    assert StripeCustomer.objects.count() == 1


def test_a_waiting_attempt_is_reused_rather_than_a_second_one_opened(stripe_settings):
    invoice = an_invoice()

    first = invoice_payment_intent_create(invoice=invoice, method="card")
    again = invoice_payment_intent_create(invoice=invoice, method="card")

    assert again["payment_intent_id"] == first["payment_intent_id"]
    assert Payment.objects.filter(source="stripe").count() == 1


def test_off_session_sepa_debit_marks_the_invoice_pending_until_the_webhook(stripe_settings):
    invoice = an_invoice()
    customer = raw_client(stripe_settings).v1.customers.create(params={"name": "x"})
    StripeCustomer.objects.create(organisation=invoice.payer_organisation, customer_id=customer.id)
    pm = raw_client(stripe_settings).v1.payment_methods.create(
        params={"type": "sepa_debit", "sepa_debit": {"iban": IBAN_OK}}
    )
    raw_client(stripe_settings).v1.payment_methods.attach(pm.id, params={"customer": customer.id})

    invoice_payment_intent_create(invoice=invoice, method="sepa_debit", payment_method_id=pm.id)

    invoice.refresh_from_db()
    assert (invoice.status, invoice.payment_pending) == ("open", True)
    assert LedgerPosting.objects.count() == 0  # booked only when Stripe says it succeeded
    with pytest.raises(ApplicationError) as exc:
        invoice_payment_intent_create(invoice=invoice, method="card")
    assert exc.value.code == "payment_pending"


@pytest.mark.parametrize(
    ("setup", "method", "code"),
    [
        ("paid", "card", "payment_not_payable"),
        (None, "bitcoin", "payment_method_invalid"),
        ("credit_note", "card", "payment_not_payable"),
    ],
)
def test_payment_intent_refusals(stripe_settings, setup, method, code):
    if setup == "credit_note":
        invoice = an_invoice("-5.00", kind=Invoice.Kind.CREDIT_NOTE)
    else:
        invoice = an_invoice()
    if setup == "paid":
        pay_manually(invoice, "100.00")

    with pytest.raises(ApplicationError) as exc:
        invoice_payment_intent_create(invoice=invoice, method=method)

    assert exc.value.code == code
    assert not Payment.objects.filter(source="stripe").exists()


def test_idempotency_keys_on_the_wire_derive_from_organisation_and_invoice(settings, http_recorder):
    settings.STRIPE_SECRET_KEY = TEST_SECRET_KEY
    settings.STRIPE_API_BASE = http_recorder.url
    invoice = an_invoice("12.34")
    http_recorder.reply = (
        200,
        {
            "id": "pi_recorded",
            "object": "payment_intent",
            "status": "requires_payment_method",
            "amount": 1234,
            "client_secret": "pi_recorded_secret",
            "metadata": {"invoice_number": invoice.number},
        },
    )

    invoice_payment_intent_create(invoice=invoice, method="ideal")

    keys = [r.headers.get("Idempotency-Key") for r in http_recorder.requests]
    assert keys == [
        f"organisation-{invoice.payer_organisation_id}-customer",
        f"invoice-{invoice.number}-payment-1",
    ]


def test_stripe_off_refuses_payment_requests(settings):
    settings.STRIPE_SECRET_KEY = ""
    invoice = an_invoice()

    with pytest.raises(ApplicationError) as exc:
        invoice_payment_intent_create(invoice=invoice, method="card")

    assert exc.value.code == "stripe_disabled"
    assert not Payment.objects.exists()
