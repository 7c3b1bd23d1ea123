"""The reconciliation desk's reads (docs/payments.md, *The reconciliation desk*): per period
and per payer what was invoiced, paid by Stripe and by bank, credited, open and overdue, and the
chart of invoiced against collected; all read from the ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from employers.models import Organisation
from levies.billing.selectors import invoices_with_outstanding
from levies.ledger.selectors import ZERO, day_start
from levies.models import Account, Invoice, LedgerPosting, LedgerTransaction, Payment, StateClaim

# The accounts on which a payer's documents and payments meet: what it was asked (invoiced,
# claimed), less what it paid, written off or was credited, less its credit (unapplied).
PAYER_ACCOUNTS = (Account.INVOICED, Account.STATE_CLAIMED, Account.UNAPPLIED_PAYMENTS)


def _payer_flows(postings: QuerySet[LedgerPosting]) -> dict[int | None, dict[str, Decimal]]:
    """Per payer (organisation id; None is the state funder): the period's movements on the
    payer accounts, by what moved them."""
    rows = (
        postings.values("organisation_id", "transaction__kind", "transaction__payment__source")
        .annotate(
            debit=Coalesce(Sum("amount", filter=Q(amount__gt=0)), Value(ZERO)),
            credit=Coalesce(Sum("amount", filter=Q(amount__lt=0)), Value(ZERO)),
        )
        .order_by()
    )
    kinds = LedgerTransaction.Kind
    flows: dict[int | None, dict[str, Decimal]] = {}
    for row in rows:
        flow = flows.setdefault(
            row["organisation_id"],
            {key: ZERO for key in ("invoiced", "paid_stripe", "paid_bank", "credits", "other")},
        )
        kind, net = row["transaction__kind"], row["debit"] + row["credit"]
        if kind in (kinds.INVOICED, kinds.CLAIMED, kinds.CREDITED):
            # A correction claim (negative) and a credit note are credits, not negative invoices.
            flow["invoiced"] += row["debit"]
            flow["credits"] -= row["credit"]
        elif kind == kinds.WRITTEN_OFF:
            flow["credits"] -= net
        elif kind in (kinds.PAYMENT, kinds.PAYMENT_REVERSED, kinds.ALLOCATED):
            # Payments credit the payer's accounts; a reversal debits them again.
            source = row["transaction__payment__source"]
            key = "paid_stripe" if source == Payment.Source.STRIPE else "paid_bank"
            flow[key] -= net
        else:  # nothing else touches these accounts; counted so the sums still add up
            flow["other"] += net
    return flows


def _payer_balances(before: dt.datetime) -> dict[int | None, Decimal]:
    rows = (
        LedgerPosting.objects.filter(account__in=PAYER_ACCOUNTS, transaction__created_at__lt=before)
        .values("organisation_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {row["organisation_id"]: row["total"] for row in rows}


def _overdue_at(day: dt.date) -> dict[int | None, Decimal]:
    """Per payer: what was outstanding at the end of ``day`` on documents due before it."""
    end = day_start(day + dt.timedelta(days=1))
    overdue: dict[int | None, Decimal] = {}
    invoices = invoices_with_outstanding(
        Invoice.objects.filter(kind=Invoice.Kind.INVOICE, due_date__lt=day, issue_date__lte=day),
        end,
    )
    for invoice in invoices:
        outstanding = invoice.total + invoice.settled_sum
        if outstanding > 0:
            key = invoice.payer_organisation_id
            overdue[key] = overdue.get(key, ZERO) + outstanding
    claims = StateClaim.objects.filter(total__gt=0, due_date__lt=day, issue_date__lte=day).annotate(
        settled_sum=Coalesce(
            Sum(
                "postings__amount",
                filter=Q(postings__account=Account.STATE_CLAIMED)
                & Q(postings__transaction__created_at__lt=end),
            ),
            Value(ZERO),
        )
    )
    for claim in claims:
        outstanding = claim.total + claim.settled_sum
        if outstanding > 0:
            overdue[None] = overdue.get(None, ZERO) + outstanding
    return overdue


def _suspense(start: dt.datetime, end: dt.datetime) -> dict[str, Decimal]:
    """The unmatched receipts: held before, received and matched in the period, held after
    (credits on the suspense account are receipts, debits are desk allocations)."""
    suspense = LedgerPosting.objects.filter(account=Account.SUSPENSE)
    before = suspense.filter(transaction__created_at__lt=start).aggregate(t=Sum("amount"))["t"]
    during = suspense.filter(
        transaction__created_at__gte=start, transaction__created_at__lt=end
    ).aggregate(
        received=Sum("amount", filter=Q(amount__lt=0)),
        matched=Sum("amount", filter=Q(amount__gt=0)),
    )
    brought_forward = -(before or ZERO)
    received = -(during["received"] or ZERO)
    matched = during["matched"] or ZERO
    return {
        "brought_forward": brought_forward,
        "received": received,
        "matched": matched,
        "held": brought_forward + received - matched,
    }


def reconciliation_period(
    *, start: dt.date, end: dt.date, today: dt.date | None = None
) -> dict[str, Any]:
    """The reconciliation of one period (a month on the desk), read from the ledger.

    Per payer (each organisation with movements or a balance, and the state funder):
    ``brought_forward`` (its balance on the payer accounts before the period), what was
    ``invoiced`` (invoices, claims), ``paid_stripe`` and ``paid_bank`` (net of reversals; bank
    includes receipts matched at the desk), ``credits`` (credit notes, correction claims,
    write-offs), ``open`` (its balance at the end: brought forward + invoiced - paid -
    credits; negative is the payer's credit) and ``overdue`` (outstanding at the end of the
    period, or today if earlier, on documents due before then). Dates are the ledger's: when
    a movement was booked. Also the suspense account (unmatched receipts) and the money in at
    the bank, which equals Stripe + bank + what suspense gained.
    """
    from django.utils import timezone

    today = today or timezone.localdate()
    start_at, end_at = day_start(start), day_start(end + dt.timedelta(days=1))
    in_period = LedgerPosting.objects.filter(
        account__in=PAYER_ACCOUNTS,
        transaction__created_at__gte=start_at,
        transaction__created_at__lt=end_at,
    )
    flows = _payer_flows(in_period)
    opening = _payer_balances(start_at)
    closing = _payer_balances(end_at)
    overdue = _overdue_at(min(end, today))
    keys = {k for k in (*flows, *opening, *closing, *overdue) if k is not None}
    names = {org.pk: org for org in Organisation.objects.filter(pk__in=keys).only("name", "kvk")}
    zero_flow = {key: ZERO for key in ("invoiced", "paid_stripe", "paid_bank", "credits", "other")}
    rows = []
    for key in [*sorted(keys, key=lambda k: names[k].name), None]:
        flow = flows.get(key, zero_flow)
        row = {
            "organisation": names.get(key) if key is not None else None,
            "payer": names[key].name if key is not None else "state",
            "kvk": names[key].kvk if key is not None else "",
            "brought_forward": opening.get(key, ZERO),
            **flow,
            "open": closing.get(key, ZERO),
            "overdue": overdue.get(key, ZERO),
        }
        if key is None and not any(row[k] for k in (*zero_flow, "brought_forward", "open")):
            continue  # no state funder movements at all: leave its row off
        rows.append(row)
    columns = ("brought_forward", *zero_flow, "open", "overdue")
    totals = {column: sum((row[column] for row in rows), ZERO) for column in columns}
    bank_in = LedgerPosting.objects.filter(
        account=Account.BANK,
        transaction__created_at__gte=start_at,
        transaction__created_at__lt=end_at,
    ).aggregate(total=Sum("amount"))["total"]
    return {
        "start": start,
        "end": end,
        "rows": rows,
        "totals": totals,
        "suspense": _suspense(start_at, end_at),
        "bank_in": bank_in or ZERO,
    }


def invoiced_and_collected_by_month(*, last: dt.date, months: int = 12) -> list[dict[str, Any]]:
    """For the desk's chart: per month (the ``months`` ending with the month of ``last``),
    what was invoiced and claimed (documents issued) and what came in at the bank (net)."""
    first = last.replace(day=1)
    for _ in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    end = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    postings = LedgerPosting.objects.filter(
        transaction__created_at__gte=day_start(first), transaction__created_at__lt=day_start(end)
    )
    invoiced = (
        postings.filter(
            account__in=[Account.INVOICED, Account.STATE_CLAIMED],
            amount__gt=0,
            transaction__kind__in=[LedgerTransaction.Kind.INVOICED, LedgerTransaction.Kind.CLAIMED],
        )
        .annotate(month=TruncMonth("transaction__created_at"))
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    collected = (
        postings.filter(account=Account.BANK)
        .annotate(month=TruncMonth("transaction__created_at"))
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    by_month: dict[dt.date, dict[str, Decimal]] = {}
    for kind, rows in (("invoiced", invoiced), ("collected", collected)):
        for row in rows:
            month = row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
            by_month.setdefault(month, {})[kind] = row["total"]
    result = []
    month = first
    while month < end:
        values = by_month.get(month, {})
        result.append(
            {
                "month": month,
                "invoiced": values.get("invoiced", ZERO),
                "collected": values.get("collected", ZERO),
            }
        )
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return result
