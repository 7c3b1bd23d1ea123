"""Stripe webhooks: verify, store each event once, book what it says (docs/payments.md).

Hostile by default:

- The signature is checked before anything is read (``webhook_event_construct``); a bad or
  stale one raises ``stripe_signature_invalid`` and nothing is stored.
- Each event is stored once: ``StripeEvent.event_id`` is unique in the database and the row is
  inserted in the same transaction as the booking, so a replay (or two deliveries racing) finds
  the row and changes nothing, and a booking that fails rolls the row back for Stripe to retry.
- Events arrive out of order. A PaymentIntent's status only moves forward: ``succeeded`` is
  never undone by a later ``processing``, and an event older than the one that set the current
  status does not move it back (Stripe's ``created`` time). Amounts are booked as the
  difference between what the payment should hold now and what the ledger holds of it, so two
  different ``succeeded`` events for one PaymentIntent book it once.
- Charges and disputes carry no invoice number: they are found through their PaymentIntent.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from levies.models import Invoice, Payment, StripeEvent
from levies.payments.direct_debit import sepa_mandate_store
from levies.payments.services import payment_book
from levies.payments.stripe_gateway import StripeEventFields, event_fields, webhook_event_construct

logger = logging.getLogger(__name__)

PAYMENT_INTENT_STATUS = {
    "payment_intent.processing": Payment.Status.PROCESSING,
    "payment_intent.succeeded": Payment.Status.SUCCEEDED,
    "payment_intent.payment_failed": Payment.Status.FAILED,
    "payment_intent.canceled": Payment.Status.CANCELED,
}
DISPUTE_OPENED = ("charge.dispute.created", "charge.dispute.funds_withdrawn")
DISPUTE_CLOSED = ("charge.dispute.closed", "charge.dispute.funds_reinstated")
# Dispute outcomes after which the disputed money is ours again.
DISPUTE_WON = ("won", "warning_closed")


def stripe_webhook_receive(*, payload: bytes, signature_header: str) -> dict[str, Any]:
    """Verify and handle one webhook delivery. Returns ``event_id, type, result, duplicate``.
    Raises ApplicationError (``stripe_signature_invalid``, ``stripe_event_invalid``,
    ``stripe_disabled``) before anything is stored."""
    event = webhook_event_construct(payload=payload, signature_header=signature_header)
    fields = event_fields(event)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = StripeEvent.objects.create(
                    event_id=fields.event_id,
                    type=fields.type,
                    created=fields.created,
                    livemode=fields.livemode,
                    result="received",
                )
        except IntegrityError:
            logger.info("stripe event %s (%s) replayed: ignored", fields.event_id, fields.type)
            return {
                "event_id": fields.event_id,
                "type": fields.type,
                "result": "duplicate",
                "duplicate": True,
            }
        result, payment, detail = _handle(fields)
        record.result = result
        record.payment = payment
        record.detail = detail
        record.save(update_fields=["result", "payment", "detail"])
    logger.info("stripe event %s (%s): %s", fields.event_id, fields.type, result)
    return {"event_id": fields.event_id, "type": fields.type, "result": result, "duplicate": False}


def _detail(fields: StripeEventFields) -> dict[str, Any]:
    """What is kept of an event: ids, status and amounts; nothing about the payer."""

    def money(value: Any) -> str | None:
        return None if value is None else f"{value:.2f}"

    return {
        "object_type": fields.object_type,
        "object_id": fields.object_id,
        "status": fields.status,
        "payment_intent": fields.payment_intent_id,
        "charge": fields.charge_id,
        "dispute": fields.dispute_id,
        "invoice_number": fields.invoice_number,
        "currency": fields.currency,
        "amount": money(fields.amount),
        "amount_received": money(fields.amount_received),
        "amount_refunded": money(fields.amount_refunded),
        "payment_method_type": fields.payment_method_type,
        "failure_code": fields.failure_code,
        "customer": fields.customer_id,
        "payment_method": fields.payment_method_id,
    }


def _handle(fields: StripeEventFields) -> tuple[str, Payment | None, dict[str, Any]]:
    detail = _detail(fields)
    if fields.type == "setup_intent.succeeded":
        # No money and no currency: a mandate for later debits.
        return _on_setup_intent_succeeded(fields), None, detail
    if fields.type in PAYMENT_INTENT_STATUS:
        handler = _on_payment_intent
    elif fields.type == "charge.refunded":
        handler = _on_charge_refunded
    elif fields.type in DISPUTE_OPENED or fields.type in DISPUTE_CLOSED:
        handler = _on_dispute
    else:
        return "unhandled", None, detail
    if fields.currency != "eur":
        # Amounts in other currencies are not ours to book (event_fields gives none).
        return "ignored", None, {**detail, "reason": "currency"}
    payment = _payment_for(fields, create=handler is _on_payment_intent)
    if payment is None:
        return "unknown_payment", None, detail
    result, booked = handler(fields, payment)
    return result, payment, {**detail, "booked": f"{booked:.2f}"}


def _payment_for(fields: StripeEventFields, *, create: bool) -> Payment | None:
    """The payment of the event's PaymentIntent, locked. A PaymentIntent we did not create
    (made in the Stripe dashboard, say) is taken on when it names one of our invoices."""
    if not fields.payment_intent_id:
        return None
    payments = Payment.objects.select_for_update().filter(
        source=Payment.Source.STRIPE, external_reference=fields.payment_intent_id
    )
    payment = payments.first()
    if payment is not None or not create or not fields.invoice_number:
        return payment
    invoice = Invoice.objects.filter(
        number=fields.invoice_number, kind=Invoice.Kind.INVOICE
    ).first()
    if invoice is None:
        return None
    # Two different events of one new PaymentIntent may race here: one row, then lock it.
    Payment.objects.bulk_create(
        [
            Payment(
                source=Payment.Source.STRIPE,
                external_reference=fields.payment_intent_id,
                invoice=invoice,
                payer_organisation_id=invoice.payer_organisation_id,
                method=fields.payment_method_type or "",
                amount=fields.amount or 0,
                status=Payment.Status.REQUIRES_ACTION,
            )
        ],
        ignore_conflicts=True,
    )
    return payments.first()


# A handler answers (result, the amount it booked: negative for a reversal, zero for none).
Outcome = tuple[str, Decimal]
NOTHING = Decimal("0.00")


def _on_payment_intent(fields: StripeEventFields, payment: Payment) -> Outcome:
    new = PAYMENT_INTENT_STATUS[fields.type]
    current = payment.status
    older = payment.status_at is not None and fields.created < payment.status_at
    newer = payment.status_at is None or fields.created > payment.status_at
    if new == Payment.Status.PROCESSING:
        # "processing" never follows success or cancellation; a late one is history.
        applies = current in (
            Payment.Status.REQUIRES_ACTION,
            Payment.Status.PROCESSING,
            Payment.Status.FAILED,
        ) and not (older or (current == Payment.Status.FAILED and not newer))
    elif new == Payment.Status.SUCCEEDED:
        # Success wins over waiting and processing whenever it arrives; over a failure only
        # when it happened after it (a retry with another payment method).
        applies = not (current in (Payment.Status.FAILED, Payment.Status.CANCELED) and older)
    elif new == Payment.Status.FAILED:
        # A failure reported after a success would mean the money did not arrive after all:
        # then what was booked is reversed. An older failure arriving late changes nothing.
        applies = newer if current == Payment.Status.SUCCEEDED else not older
    else:  # canceled: only a PaymentIntent that never succeeded can be canceled
        applies = current != Payment.Status.SUCCEEDED and not older
    if not applies:
        return "stale", NOTHING
    payment.status = new
    if payment.status_at is None or fields.created > payment.status_at:
        payment.status_at = fields.created
    if new == Payment.Status.SUCCEEDED and fields.amount_received is not None:
        payment.amount_received = fields.amount_received
    if fields.charge_id:
        payment.charge_id = fields.charge_id
    if fields.payment_method_type and not payment.method:
        payment.method = fields.payment_method_type
    payment.save()
    return "processed", payment_book(
        payment=payment, memo=f"stripe {fields.type} {fields.payment_intent_id}"
    )


def _on_charge_refunded(fields: StripeEventFields, payment: Payment) -> Outcome:
    if fields.amount_refunded is None:
        return "ignored", NOTHING
    # amount_refunded is the running total on the charge: a later event never reports less,
    # so an older one arriving late is a no-op.
    if fields.amount_refunded > payment.amount_refunded:
        payment.amount_refunded = fields.amount_refunded
        payment.save(update_fields=["amount_refunded", "updated_at"])
    return "processed", payment_book(
        payment=payment, memo=f"stripe refund {fields.payment_intent_id}"
    )


def _on_dispute(fields: StripeEventFields, payment: Payment) -> Outcome:
    closed = payment.dispute_status in ("won", "lost", "warning_closed")
    same_dispute = payment.dispute_id == (fields.dispute_id or "")
    if fields.type in DISPUTE_OPENED:
        if closed and same_dispute:
            # The outcome is already known; the opening arrived late.
            return "stale", NOTHING
        payment.dispute_status = fields.status or "needs_response"
        payment.amount_disputed = fields.amount or 0
    else:
        won = fields.type == "charge.dispute.funds_reinstated" or fields.status in DISPUTE_WON
        payment.dispute_status = "won" if won else (fields.status or "lost")
        payment.amount_disputed = 0 if won else (fields.amount or 0)
    payment.dispute_id = fields.dispute_id or payment.dispute_id
    payment.save(update_fields=["dispute_id", "dispute_status", "amount_disputed", "updated_at"])
    return "processed", payment_book(
        payment=payment, memo=f"stripe {fields.type} {fields.payment_intent_id}"
    )


def _on_setup_intent_succeeded(fields: StripeEventFields) -> str:
    """A payer completed a SEPA mandate: store its payment method on the payer's customer.
    A SetupIntent for anything but a SEPA debit (a card saved in the dashboard) is ignored."""
    if (
        fields.object_type != "setup_intent"
        or fields.payment_method_type != "sepa_debit"
        or not fields.customer_id
        or not fields.payment_method_id
    ):
        return "ignored"
    return sepa_mandate_store(
        customer_id=fields.customer_id,
        payment_method_id=fields.payment_method_id,
        set_up_at=fields.created,
    )
