"""The Stripe webhook endpoint: signatures, each event once, out-of-order and hostile events,
and what each books to the ledger and does to the invoice's state.

Events are Stripe-shaped payloads signed with the test endpoint secret
(tests/levies/stripe_fake.py); after every test the ledger balances (tests/levies/conftest.py)
and every invoice's stored state equals what its postings say (tests/levies/payments.py).
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from levies.models import Account, LedgerPosting, Payment, StripeEvent
from levies.selectors import account_balance, document_settlement, payer_credit
from tests.levies.payments import an_invoice, documents_match_their_postings
from tests.levies.stripe_fake import (
    TEST_WEBHOOK_SECRET,
    charge_refunded_event,
    dispute_event,
    new_id,
    payment_intent_event,
    signed_event,
    stripe_event,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("documents_match_their_postings")]
__all__ = ["documents_match_their_postings"]  # the fixture, used through pytestmark
D = Decimal
URL = "/stripe/webhook/"
T0 = int(time.time()) - 60  # event times, a minute ago and later


@pytest.fixture(autouse=True)
def _webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET


def deliver(client, payload, *, secret=TEST_WEBHOOK_SECRET, timestamp=None):
    body, header = signed_event(payload, secret=secret, timestamp=timestamp)
    return client.post(
        URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def pi_event(kind, invoice, cents=10000, pi="pi_test_1", created=T0, **kwargs):
    return payment_intent_event(
        f"payment_intent.{kind}",
        invoice_number=invoice.number,
        amount_cents=cents,
        payment_intent_id=pi,
        created=created,
        **kwargs,
    )


def state(invoice):
    invoice.refresh_from_db()
    return invoice.status, invoice.payment_pending


def postings_count():
    return LedgerPosting.objects.count()


# --- the door ------------------------------------------------------------------------------------


def test_url_is_stripe_webhook():
    assert reverse("levies:stripe_webhook") == URL


def test_bad_signature_is_400_and_stores_and_books_nothing(client):
    invoice = an_invoice()

    response = deliver(client, pi_event("succeeded", invoice), secret="whsec_someone_else")

    assert response.status_code == 400
    assert response.json()["code"] == "stripe_signature_invalid"
    assert not StripeEvent.objects.exists()
    assert not Payment.objects.exists()
    assert postings_count() == 0
    assert state(invoice) == ("open", False)


def test_stale_signature_is_400_and_changes_nothing(client):
    invoice = an_invoice()

    response = deliver(client, pi_event("succeeded", invoice), timestamp=int(time.time()) - 3600)

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert state(invoice) == ("open", False)


def test_tampered_body_is_refused(client):
    invoice = an_invoice()
    body, header = signed_event(pi_event("succeeded", invoice), secret=TEST_WEBHOOK_SECRET)

    response = client.post(
        URL,
        data=body.replace(b"10000", b"99999"),
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )

    assert response.status_code == 400
    assert postings_count() == 0


def test_without_webhook_secret_every_delivery_is_refused(client, settings):
    invoice = an_invoice()
    settings.STRIPE_WEBHOOK_SECRET = ""

    response = deliver(client, pi_event("succeeded", invoice))

    assert response.status_code == 400
    assert response.json()["code"] == "stripe_disabled"
    assert not StripeEvent.objects.exists()


def test_only_post_is_accepted(client):
    assert client.get(URL).status_code == 405


# --- success, once -----------------------------------------------------------------------------


def test_succeeded_books_bank_against_the_invoice_and_marks_it_paid(client):
    invoice = an_invoice("100.00")
    org = invoice.payer_organisation

    response = deliver(client, pi_event("succeeded", invoice))

    assert response.status_code == 200
    assert response.json()["result"] == "processed"
    assert state(invoice) == ("paid", False)
    assert account_balance(account=Account.BANK) == D("100.00")
    assert account_balance(account=Account.INVOICED, organisation=org) == D("-100.00")
    legs = LedgerPosting.objects.filter(account=Account.INVOICED)
    assert [(p.invoice_id, p.amount) for p in legs] == [(invoice.pk, D("-100.00"))]
    payment = Payment.objects.get()
    assert (payment.source, payment.external_reference, payment.status) == (
        "stripe",
        "pi_test_1",
        "succeeded",
    )
    assert payment.ledger_transactions.count() == 1
    event = StripeEvent.objects.get()
    assert (event.type, event.result, event.payment_id) == (
        "payment_intent.succeeded",
        "processed",
        payment.pk,
    )


def test_replayed_event_answers_200_and_changes_nothing(client):
    invoice = an_invoice("100.00")
    body, header = signed_event(pi_event("succeeded", invoice), secret=TEST_WEBHOOK_SECRET)
    first = client.post(
        URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
    before = postings_count()

    again = client.post(
        URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )

    assert first.status_code == again.status_code == 200
    assert again.json()["duplicate"] is True
    assert postings_count() == before
    assert StripeEvent.objects.count() == 1
    assert account_balance(account=Account.BANK) == D("100.00")
    assert state(invoice) == ("paid", False)


def test_event_id_is_unique_in_the_database():
    StripeEvent.objects.create(
        event_id="evt_1", type="x", created="2027-01-01T00:00Z", result="processed"
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        StripeEvent.objects.create(
            event_id="evt_1", type="x", created="2027-01-01T00:00Z", result="processed"
        )


def test_two_different_succeeded_events_for_one_payment_intent_book_it_once(client):
    invoice = an_invoice("100.00")

    deliver(client, pi_event("succeeded", invoice, created=T0))
    response = deliver(client, pi_event("succeeded", invoice, created=T0 + 5))

    assert response.json()["result"] == "processed"
    assert StripeEvent.objects.count() == 2
    assert account_balance(account=Account.BANK) == D("100.00")
    assert Payment.objects.get().ledger_transactions.count() == 1
    assert state(invoice) == ("paid", False)


# --- SEPA: processing, out of order, failure ------------------------------------------------------


def test_processing_marks_the_invoice_pending_and_books_nothing(client):
    invoice = an_invoice()

    deliver(client, pi_event("processing", invoice))

    assert state(invoice) == ("open", True)
    assert postings_count() == 0


def test_processing_then_succeeded_is_paid_and_no_longer_pending(client):
    invoice = an_invoice()

    deliver(client, pi_event("processing", invoice, created=T0))
    deliver(client, pi_event("succeeded", invoice, created=T0 + 5))

    assert state(invoice) == ("paid", False)
    assert account_balance(account=Account.BANK) == D("100.00")


def test_succeeded_before_processing_ends_paid_and_not_pending(client):
    invoice = an_invoice()

    deliver(client, pi_event("succeeded", invoice, created=T0 + 10))
    late = deliver(client, pi_event("processing", invoice, created=T0))

    assert late.json()["result"] == "stale"
    assert state(invoice) == ("paid", False)
    assert account_balance(account=Account.BANK) == D("100.00")


def test_processing_reported_after_success_never_makes_it_pending_again(client):
    invoice = an_invoice()

    deliver(client, pi_event("succeeded", invoice, created=T0))
    deliver(client, pi_event("processing", invoice, created=T0 + 30))

    assert state(invoice) == ("paid", False)


def test_failed_sepa_debit_after_processing_is_open_again_with_nothing_booked(client):
    invoice = an_invoice()
    deliver(client, pi_event("processing", invoice, created=T0))

    deliver(client, pi_event("payment_failed", invoice, created=T0 + 20))

    assert state(invoice) == ("open", False)
    assert postings_count() == 0
    assert Payment.objects.get().status == "failed"


def test_failure_reported_after_a_booked_success_reverses_it(client):
    invoice = an_invoice()
    deliver(client, pi_event("succeeded", invoice, created=T0))

    deliver(client, pi_event("payment_failed", invoice, created=T0 + 20))

    assert state(invoice) == ("open", False)
    assert account_balance(account=Account.BANK) == 0
    assert document_settlement(document=invoice)["outstanding"] == D("100.00")


def test_older_failure_arriving_after_a_later_success_changes_nothing(client):
    invoice = an_invoice()
    deliver(client, pi_event("succeeded", invoice, created=T0 + 20))

    late = deliver(client, pi_event("payment_failed", invoice, created=T0))

    assert late.json()["result"] == "stale"
    assert state(invoice) == ("paid", False)
    assert account_balance(account=Account.BANK) == D("100.00")


def test_retry_succeeding_after_a_failure_is_booked(client):
    invoice = an_invoice()
    deliver(client, pi_event("payment_failed", invoice, created=T0))

    deliver(client, pi_event("succeeded", invoice, created=T0 + 20))

    assert state(invoice) == ("paid", False)


# --- refunds and chargebacks --------------------------------------------------------------------


def _paid_by_stripe(client, total="100.00", cents=10000):
    invoice = an_invoice(total)
    deliver(client, pi_event("succeeded", invoice, cents=cents, charge_id="py_1"))
    return invoice


def refunded(client, refunded_cents, amount_cents=10000):
    return deliver(
        client,
        charge_refunded_event(
            payment_intent_id="pi_test_1",
            charge_id="py_1",
            amount_cents=amount_cents,
            refunded_cents=refunded_cents,
        ),
    )


def test_partial_refunds_reverse_only_the_newly_refunded_part(client):
    invoice = _paid_by_stripe(client)

    refunded(client, 3000)
    assert state(invoice) == ("partially_paid", False)
    assert account_balance(account=Account.BANK) == D("70.00")

    refunded(client, 5000)  # running total: 20.00 more
    assert account_balance(account=Account.BANK) == D("50.00")
    assert document_settlement(document=invoice)["outstanding"] == D("50.00")

    refunded(client, 3000)  # an older event arriving late: the total never goes back
    assert account_balance(account=Account.BANK) == D("50.00")
    assert state(invoice) == ("partially_paid", False)


def test_full_refund_reopens_the_invoice(client):
    invoice = _paid_by_stripe(client)

    refunded(client, 10000)

    assert state(invoice) == ("open", False)
    assert account_balance(account=Account.BANK) == 0
    reversal = LedgerPosting.objects.filter(transaction__kind="payment_reversed")
    assert {(p.account, p.amount) for p in reversal} == {
        ("bank", D("-100.00")),
        ("invoiced", D("100.00")),
    }


def dispute(client, kind, status=None, dispute_id="dp_1", cents=10000):
    return deliver(
        client,
        dispute_event(
            f"charge.dispute.{kind}",
            payment_intent_id="pi_test_1",
            charge_id="py_1",
            amount_cents=cents,
            status=status,
            dispute_id=dispute_id,
        ),
    )


def test_chargeback_on_a_paid_invoice_reverses_and_reopens_it(client):
    invoice = _paid_by_stripe(client)

    dispute(client, "created")

    assert state(invoice) == ("open", False)
    assert account_balance(account=Account.BANK) == 0
    assert account_balance(account=Account.INVOICED, organisation=invoice.payer_organisation) == 0


def test_dispute_won_books_the_payment_again(client):
    invoice = _paid_by_stripe(client)
    dispute(client, "created")

    dispute(client, "closed", status="won")

    assert state(invoice) == ("paid", False)
    assert account_balance(account=Account.BANK) == D("100.00")


def test_dispute_lost_leaves_the_invoice_open(client):
    invoice = _paid_by_stripe(client)
    dispute(client, "created")

    dispute(client, "closed", status="lost")

    assert state(invoice) == ("open", False)
    assert account_balance(account=Account.BANK) == 0


def test_dispute_outcome_arriving_before_its_opening_is_not_undone(client):
    invoice = _paid_by_stripe(client)
    dispute(client, "closed", status="won")

    late = dispute(client, "created")

    assert late.json()["result"] == "stale"
    assert state(invoice) == ("paid", False)
    assert account_balance(account=Account.BANK) == D("100.00")


def test_refund_before_the_success_event_is_netted_when_success_arrives(client):
    invoice = an_invoice()
    deliver(client, pi_event("processing", invoice, created=T0))
    refunded(client, 4000)

    deliver(client, pi_event("succeeded", invoice, created=T0 + 10, charge_id="py_1"))

    assert account_balance(account=Account.BANK) == D("60.00")
    assert state(invoice) == ("partially_paid", False)


# --- overpayment, unknown and foreign events ------------------------------------------------------


def test_payment_above_the_invoice_keeps_the_excess_as_the_payers_credit(client):
    invoice = an_invoice("100.00")

    deliver(client, pi_event("succeeded", invoice, cents=15000))

    assert state(invoice) == ("overpaid", False)
    assert payer_credit(payer=invoice.payer_organisation) == D("50.00")
    assert document_settlement(document=invoice)["credit"] == D("50.00")


def test_refund_of_an_overpayment_takes_back_the_credit_first(client):
    invoice = _paid_by_stripe(client, total="100.00", cents=15000)

    refunded(client, 5000, amount_cents=15000)

    assert state(invoice) == ("paid", False)
    assert payer_credit(payer=invoice.payer_organisation) == 0
    assert account_balance(account=Account.BANK) == D("100.00")


def test_event_for_an_unknown_invoice_is_stored_and_books_nothing(client):
    response = deliver(
        client,
        payment_intent_event(
            "payment_intent.succeeded", invoice_number="1999-000001", amount_cents=500
        ),
    )

    assert response.status_code == 200
    assert StripeEvent.objects.get().result == "unknown_payment"
    assert postings_count() == 0


def test_non_euro_payment_is_not_booked(client):
    invoice = an_invoice()
    payload = pi_event("succeeded", invoice)
    payload["data"]["object"]["currency"] = "usd"

    deliver(client, payload)

    assert StripeEvent.objects.get().result == "ignored"
    assert state(invoice) == ("open", False)
    assert postings_count() == 0


def test_unhandled_event_types_are_stored_and_ignored(client):
    response = deliver(
        client, stripe_event("customer.created", {"id": new_id("cus"), "object": "customer"})
    )

    assert response.status_code == 200
    assert StripeEvent.objects.get().result == "unhandled"
