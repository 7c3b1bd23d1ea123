"""Reads of the bank statements at the desk: the queue of unmatched entries, the parked ones, and
the invoices and claims an entry could pay."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from levies.billing.selectors import invoices_with_outstanding
from levies.ledger.selectors import ZERO
from levies.models import Account, BankEntry, Invoice, StateClaim


def bank_entries_unmatched() -> QuerySet[BankEntry]:
    """The desk's queue: credits no invoice or claim was matched to, oldest first."""
    return BankEntry.objects.filter(status=BankEntry.Status.UNMATCHED).order_by(
        "booking_date", "id"
    )


def bank_entries_parked() -> QuerySet[BankEntry]:
    return BankEntry.objects.filter(status=BankEntry.Status.PARKED).order_by("booking_date", "id")


def documents_to_match(*, entry: BankEntry, query: str = "") -> list[dict[str, Any]]:
    """Invoices and state claims an unmatched entry could pay, each with what is outstanding,
    most likely first: the amount equals what is outstanding, the entry's text names it, the
    payer's name is the counterparty's; then by due date. ``query`` narrows to a number, a
    reference, or a payer's name or KvK number."""
    invoices = invoices_with_outstanding(
        Invoice.objects.filter(
            kind=Invoice.Kind.INVOICE,
            status__in=[Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID],
        ).select_related("payer_organisation"),
        None,
    )
    claims = StateClaim.objects.filter(
        total__gt=0, status__in=[Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID]
    ).annotate(
        settled_sum=Coalesce(
            Sum("postings__amount", filter=Q(postings__account=Account.STATE_CLAIMED)),
            Value(ZERO),
        )
    )
    query = query.strip()
    if query:
        digits = "".join(ch for ch in query if ch.isdigit())
        condition = (
            Q(number__icontains=query)
            | Q(payer_organisation__name__icontains=query)
            | Q(payer_organisation__kvk=query)
        )
        if digits:
            condition |= Q(payment_reference__contains=digits)
        invoices = invoices.filter(condition)
        claim_condition = Q(reference__icontains=query)
        if digits:
            claim_condition |= Q(payment_reference__contains=digits)
        claims = claims.filter(claim_condition)
    text = f"{entry.remittance_text} {entry.creditor_reference}".lower()
    counterparty = entry.counterparty_name.lower()
    candidates = []
    for document in [*invoices[:200], *claims[:50]]:
        outstanding = document.total + document.settled_sum
        if outstanding <= 0:
            continue
        is_invoice = isinstance(document, Invoice)
        number = document.number if is_invoice else document.reference
        payer = document.payer_organisation.name if is_invoice else "state"
        score = 0
        if outstanding == entry.amount:
            score += 4
        if number.lower() in text or (
            document.payment_reference and document.payment_reference[4:] in text
        ):
            score += 2
        if (
            is_invoice
            and counterparty
            and (payer.lower() in counterparty or counterparty in payer.lower())
        ):
            score += 1
        candidates.append(
            {
                "key": f"{'invoice' if is_invoice else 'claim'}-{document.pk}",
                "document": document,
                "is_invoice": is_invoice,
                "number": number,
                "payer": payer,
                "outstanding": outstanding,
                "prefill": min(outstanding, entry.amount),
                "score": score,
            }
        )
    candidates.sort(key=lambda c: (-c["score"], c["document"].due_date or dt.date.max))
    return candidates
