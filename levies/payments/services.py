"""Money in: payments booked to the ledger, the state of invoices and claims, write-offs, and
Stripe PaymentIntents for invoices (docs/payments.md).

The ledger is the truth. A payment's booked amount is the sum of the postings of the
transactions that name it, never a stored number; every handler works out what the payment
should have booked now (its *target*: what Stripe says was received and kept, or the bank entry's
amount) and posts only the difference. That makes every path idempotent: a replayed or
duplicated report finds the target already booked and posts nothing.

What a payment posts (debits positive, credits negative):

- received, allocated to a document: Dr bank / Cr invoiced(payer) (Cr state claimed for a
  claim); what exceeds the document's outstanding amount: Cr unapplied(payer), the payer's
  credit, tagged with the document it overpaid;
- an unmatched bank receipt: Dr bank / Cr suspense; allocated later at the desk: Dr suspense /
  Cr invoiced(payer) (and unapplied for any excess);
- reversed (a failed debit that had been booked, a refund, a chargeback): Dr unapplied (first
  the credit this payment made) and Dr invoiced / Cr bank: the invoice opens again;
- written off (an admin's decision, with a reason): Dr write-off / Cr invoiced(payer).

After every movement the document's stored status is recomputed from its postings in the same
transaction (``document_state_refresh``), under a row lock on the document.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from employers.models import Organisation, User
from levies.ledger.services import Leg, ledger_post
from levies.models import (
    Account,
    Invoice,
    InvoiceWriteOff,
    LedgerTransaction,
    Payment,
    StateClaim,
    StripeCustomer,
)
from levies.payments.selectors import (
    document_settlement,
    invoice_payment_pending,
    payment_booked,
)
from levies.payments.stripe_gateway import (
    PAYMENT_METHOD_TYPES,
    customer_create,
    payment_intent_create,
    payment_intent_retrieve,
)
from unionroll.exceptions import Conflict, Invalid
from unionroll.money import round_money

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
Document = Invoice | StateClaim


# --- documents ------------------------------------------------------------------------------


def _document_account(document: Document) -> tuple[str, int | None, int | None, int | None]:
    """(account, organisation, invoice id, claim id) of the legs that settle ``document``."""
    if isinstance(document, Invoice):
        return Account.INVOICED, document.payer_organisation_id, document.pk, None
    return Account.STATE_CLAIMED, None, None, document.pk


def _credit_account(document: Document) -> tuple[str, int | None, int | None, int | None]:
    """The payer's credit account, tagged with the document whose overpayment made it."""
    if isinstance(document, Invoice):
        return Account.UNAPPLIED_PAYMENTS, document.payer_organisation_id, document.pk, None
    return Account.UNAPPLIED_PAYMENTS, None, None, document.pk


def documents_lock(documents: Iterable[Document]) -> list[Document]:
    """Lock the documents' rows (claims, then invoices, each in id order, so two movements on
    the same documents queue instead of deadlocking) and return them fresh from the database,
    in the order given."""
    documents = list(documents)
    claim_ids = sorted({d.pk for d in documents if isinstance(d, StateClaim)})
    invoice_ids = sorted({d.pk for d in documents if isinstance(d, Invoice)})
    claims = {c.pk: c for c in StateClaim.objects.select_for_update().filter(pk__in=claim_ids)}
    invoices = {i.pk: i for i in Invoice.objects.select_for_update().filter(pk__in=invoice_ids)}
    return [
        claims[d.pk] if isinstance(d, StateClaim) else invoices[d.pk]
        for d in documents  # re-read: the caller's copies may be stale
    ]


def document_state_refresh(*, document: Document) -> str:
    """Store the status the postings give (and, for an invoice, whether a Stripe payment is
    pending). Call inside the transaction that moved the money, with the row locked."""
    status = document_settlement(document=document)["status"]
    fields = []
    if document.status != status:
        document.status = status
        fields.append("status")
    if isinstance(document, Invoice):
        pending = invoice_payment_pending(invoice=document)
        if document.payment_pending != pending:
            document.payment_pending = pending
            fields.append("payment_pending")
    if fields:
        type(document).objects.filter(pk=document.pk).update(
            **{field: getattr(document, field) for field in fields}
        )
    return status


def receipt_legs(
    *, allocations: Sequence[tuple[Document, Decimal]], source_account: str
) -> list[Leg]:
    """Legs that take the allocations' total from ``source_account`` (bank, or suspense for a
    receipt booked earlier) and apply each allocation to its document up to what is still
    outstanding on it; the rest of an allocation goes to the payer's credit. The documents must
    be locked and fresh (``documents_lock``)."""
    legs: list[Leg] = []
    applied_here: dict[tuple[str, int], Decimal] = {}
    for document, amount in allocations:
        if amount <= 0:
            raise Invalid("payment_amount_invalid", "An amount to allocate must be positive.")
        key = (type(document).__name__, document.pk)
        outstanding = document_settlement(document=document)["outstanding"]
        outstanding = max(outstanding - applied_here.get(key, ZERO), ZERO)
        to_document = min(amount, outstanding)
        applied_here[key] = applied_here.get(key, ZERO) + to_document
        account, org, invoice_id, claim_id = _document_account(document)
        credit, credit_org, credit_invoice, credit_claim = _credit_account(document)
        legs.append((source_account, None, amount, None, None))
        if to_document:
            legs.append((account, org, -to_document, invoice_id, claim_id))
        if amount - to_document:
            legs.append((credit, credit_org, -(amount - to_document), credit_invoice, credit_claim))
    return legs


# --- Stripe and other payments: book the difference ------------------------------------------


def _stripe_target(payment: Payment) -> Decimal:
    """What a Stripe payment should have booked now: received, less what is refunded and what
    is disputed (an open or lost chargeback); nothing unless it succeeded."""
    if payment.status != Payment.Status.SUCCEEDED:
        return ZERO
    kept = payment.amount_received - payment.amount_refunded - payment.amount_disputed
    return max(kept, ZERO)


def _document_of(payment: Payment) -> Document | None:
    return payment.invoice or payment.state_claim


def payment_book(*, payment: Payment, memo: str) -> Decimal:
    """Post the difference between what ``payment`` should have booked now and what it has;
    returns that difference (zero: nothing posted). ``payment`` must be locked
    (``select_for_update``) by the caller. Recomputes its document's state."""
    document = _document_of(payment)
    if document is None:
        return ZERO
    (document,) = documents_lock([document])
    target = _stripe_target(payment) if payment.source == Payment.Source.STRIPE else payment.amount
    booked = payment_booked(payment=payment)
    difference = target - booked["received"]
    if difference > 0:
        legs = receipt_legs(allocations=[(document, difference)], source_account=Account.BANK)
        kind = LedgerTransaction.Kind.PAYMENT
    elif difference < 0:
        legs = _reversal_legs(document=document, amount=-difference, booked=booked)
        kind = LedgerTransaction.Kind.PAYMENT_REVERSED
    else:
        legs = []
    if legs:
        ledger_post(kind=kind, legs=legs, memo=memo[:200], payment_id=payment.pk)
    document_state_refresh(document=document)
    return difference


def _reversal_legs(*, document: Document, amount: Decimal, booked: dict[str, Decimal]) -> list[Leg]:
    """Take ``amount`` of a payment back out of the bank: first from the credit it made for the
    payer, then from the document, which opens again."""
    from_credit = min(amount, max(booked["credit"], ZERO))
    from_document = amount - from_credit
    account, org, invoice_id, claim_id = _document_account(document)
    credit, credit_org, credit_invoice, credit_claim = _credit_account(document)
    legs: list[Leg] = [(Account.BANK, None, -amount, None, None)]
    if from_credit:
        legs.append((credit, credit_org, from_credit, credit_invoice, credit_claim))
    if from_document:
        legs.append((account, org, from_document, invoice_id, claim_id))
    return legs


# --- write-off ---------------------------------------------------------------------------------


def invoice_write_off(
    *, invoice: Invoice, reason: str, user: User | None = None, amount: Decimal | None = None
) -> InvoiceWriteOff:
    """Write off what is outstanding on an invoice (or ``amount`` of it): an explicit admin
    decision with a reason, posted Dr write-off / Cr invoiced(payer). The invoice becomes
    ``written_off`` when nothing is left outstanding."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("write_off_reason_required", "Say why the amount is written off.")
    with transaction.atomic():
        (invoice,) = documents_lock([invoice])
        if invoice.kind != Invoice.Kind.INVOICE:
            raise Invalid(
                "write_off_not_invoice", "Only an invoice can be written off, not a credit note."
            )
        outstanding = document_settlement(document=invoice)["outstanding"]
        amount = outstanding if amount is None else round_money(amount)
        if outstanding <= 0:
            raise Conflict(
                "write_off_nothing_outstanding",
                "Nothing is outstanding on this invoice.",
                {"invoice": invoice.number},
            )
        if amount <= 0 or amount > outstanding:
            raise Invalid(
                "write_off_amount_invalid",
                "The amount to write off must be positive and at most what is outstanding.",
                {"invoice": invoice.number, "outstanding": str(outstanding)},
            )
        account, org, invoice_id, _ = _document_account(invoice)
        entry = ledger_post(
            kind=LedgerTransaction.Kind.WRITTEN_OFF,
            legs=[
                (Account.WRITE_OFF, None, amount, invoice_id, None),
                (account, org, -amount, invoice_id, None),
            ],
            memo=f"write-off {invoice.number}",
            period=(invoice.period_start, invoice.period_end),
        )
        write_off = InvoiceWriteOff.objects.create(
            invoice=invoice,
            amount=amount,
            reason=reason,
            user=user if user is not None and user.pk else None,
            ledger_transaction=entry,
        )
        document_state_refresh(document=invoice)
    logger.info("invoice %s: %s written off", invoice.number, amount)
    return write_off


# --- Stripe: a customer per organisation, a PaymentIntent per invoice attempt ------------------


def stripe_customer_for(*, organisation: Organisation) -> str:
    """The organisation's Stripe customer id, created once. The idempotency key is the
    organisation's, so two racing first payments get the same customer from Stripe, and the
    unique row keeps one."""
    existing = StripeCustomer.objects.filter(organisation=organisation).first()
    if existing:
        return existing.customer_id
    customer_id = customer_create(
        organisation_id=organisation.pk,
        name=organisation.name,
        kvk=organisation.kvk,
        idempotency_key=f"organisation-{organisation.pk}-customer",
    )
    try:
        with transaction.atomic():
            StripeCustomer.objects.create(organisation=organisation, customer_id=customer_id)
    except IntegrityError:
        # Another request stored it first (with the same id, from the same key).
        return StripeCustomer.objects.get(organisation=organisation).customer_id
    return customer_id


def invoice_payment_intent_create(
    *, invoice: Invoice, method: str, payment_method_id: str | None = None
) -> dict[str, Any]:
    """A Stripe PaymentIntent for what is outstanding on ``invoice``, paid by ``method``
    (sepa_debit, ideal, card); with ``payment_method_id`` (a SEPA method under a mandate) it is
    confirmed off-session at once.

    An attempt still waiting for the payer with the same method is reused rather than a second
    one opened. A new attempt's idempotency key is ``invoice-<number>-payment-<attempt>``: a
    retry after a timeout, before the attempt was stored, derives the same key, so Stripe
    answers with the same PaymentIntent instead of charging twice.
    Returns ``payment_id, payment_intent_id, client_secret, status, amount``.
    """
    if method not in PAYMENT_METHOD_TYPES:
        raise Invalid(
            "payment_method_invalid",
            "Pay by one of: " + ", ".join(sorted(PAYMENT_METHOD_TYPES)),
            {"method": method},
        )
    with transaction.atomic():
        # Held over the Stripe call: two payment requests for one invoice queue here.
        (invoice,) = documents_lock([invoice])
        if invoice.kind != Invoice.Kind.INVOICE:
            raise Conflict(
                "payment_not_payable", "A credit note is not paid.", {"invoice": invoice.number}
            )
        if invoice.payment_pending:
            raise Conflict(
                "payment_pending",
                "A payment for this invoice is already on its way.",
                {"invoice": invoice.number},
            )
        outstanding = document_settlement(document=invoice)["outstanding"]
        if outstanding <= 0:
            raise Conflict(
                "payment_not_payable",
                "Nothing is outstanding on this invoice.",
                {"invoice": invoice.number},
            )
        waiting = (
            invoice.payments.filter(
                source=Payment.Source.STRIPE,
                status=Payment.Status.REQUIRES_ACTION,
                method=method,
                amount=outstanding,
            )
            .order_by("-attempt")
            .first()
        )
        if waiting is not None and payment_method_id is None:
            current = payment_intent_retrieve(payment_intent_id=waiting.external_reference)
            if current["status"] in ("requires_payment_method", "requires_confirmation"):
                return _intent_summary(waiting, current)
        customer_id = stripe_customer_for(organisation=invoice.payer_organisation)
        attempt = (
            max(
                invoice.payments.filter(source=Payment.Source.STRIPE).values_list(
                    "attempt", flat=True
                ),
                default=0,
            )
            + 1
        )
        key = f"invoice-{invoice.number}-payment-{attempt}"
        result = payment_intent_create(
            amount=outstanding,
            invoice_number=invoice.number,
            customer_id=customer_id,
            payment_method_types=[method],
            idempotency_key=key,
            description=f"Levy invoice {invoice.number}",
            payment_method_id=payment_method_id,
        )
        payment = Payment.objects.create(
            source=Payment.Source.STRIPE,
            external_reference=result["id"],
            invoice=invoice,
            payer_organisation=invoice.payer_organisation,
            method=method,
            amount=outstanding,
            status=Payment.Status.REQUIRES_ACTION,
            attempt=attempt,
            idempotency_key=key,
        )
        if result["status"] in ("processing", "succeeded"):
            # An off-session debit can be accepted at once; the webhook books the money, but
            # the invoice shows as on its way from now on.
            payment.status = Payment.Status.PROCESSING
            payment.save(update_fields=["status", "updated_at"])
            document_state_refresh(document=invoice)
    logger.info(
        "invoice %s: stripe payment intent %s (attempt %s, %s)",
        invoice.number,
        result["id"],
        attempt,
        method,
    )
    return _intent_summary(payment, result)


def _intent_summary(payment: Payment, result: dict[str, Any]) -> dict[str, Any]:
    return {
        "payment_id": payment.pk,
        "payment_intent_id": result["id"],
        "client_secret": result.get("client_secret"),
        "status": result["status"],
        "amount": f"{payment.amount:.2f}",
    }
