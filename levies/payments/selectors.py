"""Reads of payments: what the ledger says about one invoice, claim or payment, and the payers'
SEPA Direct Debit mandates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum

from employers.models import Organisation
from levies.ledger.selectors import ZERO
from levies.models import Account, Invoice, LedgerPosting, Payment, StateClaim, StripeCustomer


def document_settlement(*, document: Invoice | StateClaim) -> dict[str, Any]:
    """What the ledger says about one invoice or state claim, from the postings that name it:

    - ``settled``: what payments and write-offs took off it (its ``invoiced`` or
      ``state_claimed`` legs, sign turned);
    - ``written_off``: the part of that written off;
    - ``credit``: what payments for it brought beyond it, kept as the payer's credit;
    - ``outstanding``: the document's total less ``settled``;
    - ``status``: open / partially_paid / paid / overpaid / written_off, derived from those.

    The stored ``status`` must always equal this one (the services recompute it in the same
    transaction as every movement; the tests check it after every scenario).
    """
    if isinstance(document, Invoice):
        postings = LedgerPosting.objects.filter(invoice=document)
        document_account = Account.INVOICED
    else:
        postings = LedgerPosting.objects.filter(state_claim=document)
        document_account = Account.STATE_CLAIMED
    sums = {
        row["account"]: row["total"]
        for row in postings.values("account").annotate(total=Sum("amount")).order_by()
    }
    settled = -sums.get(document_account, ZERO)
    written_off = sums.get(Account.WRITE_OFF, ZERO)
    credit = -sums.get(Account.UNAPPLIED_PAYMENTS, ZERO)
    outstanding = document.total - settled
    status = Invoice.Status.OPEN
    # A credit note or a correction claim is not paid by anyone: it stays "open".
    if document.total > 0:
        if outstanding <= 0:
            if credit > 0:
                status = Invoice.Status.OVERPAID
            elif written_off > 0:
                status = Invoice.Status.WRITTEN_OFF
            else:
                status = Invoice.Status.PAID
        elif settled - written_off > 0:
            status = Invoice.Status.PARTIALLY_PAID
    return {
        "total": document.total,
        "settled": settled,
        "paid": settled - written_off,
        "written_off": written_off,
        "credit": credit,
        "outstanding": outstanding,
        "status": str(status),
    }


def invoice_payment_pending(*, invoice: Invoice) -> bool:
    """A Stripe payment for the invoice is processing (a SEPA debit on its way)."""
    return Payment.objects.filter(
        invoice=invoice, source=Payment.Source.STRIPE, status=Payment.Status.PROCESSING
    ).exists()


def payment_booked(*, payment: Payment) -> dict[str, Decimal]:
    """What the ledger holds of one payment: ``received`` (its net bank legs), and of that how
    much went to documents (``applied``), to the payer's credit (``credit``) and to suspense
    (``suspense``, an unmatched bank receipt)."""
    sums = {
        row["account"]: row["total"]
        for row in LedgerPosting.objects.filter(transaction__payment=payment)
        .values("account")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    return {
        "received": sums.get(Account.BANK, ZERO),
        "applied": -(sums.get(Account.INVOICED, ZERO) + sums.get(Account.STATE_CLAIMED, ZERO)),
        "credit": -sums.get(Account.UNAPPLIED_PAYMENTS, ZERO),
        "suspense": -sums.get(Account.SUSPENSE, ZERO),
    }


# --- SEPA Direct Debit mandates ----------------------------------------------------------------


def sepa_mandate_of(*, organisation: Organisation) -> StripeCustomer | None:
    """The organisation's Stripe customer when it holds an active SEPA mandate, else None."""
    return StripeCustomer.objects.filter(
        organisation=organisation, sepa_payment_method_id__isnull=False
    ).first()


def sepa_mandates_active() -> QuerySet[StripeCustomer]:
    """Every payer with an active SEPA mandate, for union staff."""
    return (
        StripeCustomer.objects.filter(sepa_payment_method_id__isnull=False)
        .select_related("organisation")
        .order_by("organisation__name")
    )
