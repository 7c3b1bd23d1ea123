"""Reads of billing: which invoices a user sees and how their lines are shown, state claims,
and arrears (what is overdue, in which ageing bucket, a payer's statement of account)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from employers.models import Organisation
from levies.ledger.selectors import ZERO, account_balance, payer_credit
from levies.models import Account, Invoice, InvoiceLine, StateClaim


def invoices_visible_to(*, user: Any) -> QuerySet[Invoice]:
    """Invoices and credit notes a user or API key may see: their own organisation's; union
    admins all; anyone else none. Another organisation's invoice is then simply not found."""
    qs = Invoice.objects.select_related("payer_organisation")
    if getattr(user, "is_authenticated", False) and getattr(user, "is_union_admin", False):
        return qs
    organisation_id = getattr(user, "organisation_id", None)
    if getattr(user, "is_authenticated", False) and organisation_id:
        return qs.filter(payer_organisation_id=organisation_id)
    return qs.none()


def invoice_with_lines(*, invoice_id: int, user: Any) -> Invoice | None:
    return invoices_visible_to(user=user).prefetch_related("lines").filter(pk=invoice_id).first()


def invoice_lines_shown(*, invoice: Invoice) -> list[dict[str, Any]]:
    """An invoice's lines as a payer sees them (page, API, PDF): a count below the minimum
    group size is not shown, only that it is "fewer than N", so that no line says how many
    members (or workers) there are in a group that small. ``count_of`` says what is counted:
    ``members``, or ``workers`` for a scheme that charges every covered worker."""
    minimum = settings.UNIONROLL_MIN_GROUP_SIZE
    shown = []
    for line in invoice.lines.all():
        small = line.members < minimum
        shown.append(
            {
                "site": line.site_name,
                "cao_phase": line.cao_phase,
                "grouped": line.grouped,
                "count_of": line.counted,
                "count": None if small else line.members,
                "count_fewer_than": minimum if small else None,
                "amount": line.amount,
            }
        )
    return shown


def invoice_lines_merged_or_hidden(lines: list[dict[str, Any]]) -> bool:
    """Whether a line of ``invoice_lines_shown`` is a merged group or hides its count: then the
    page and the PDF say why."""
    return any(line["grouped"] or line["count"] is None for line in lines)


def invoice_count_of(lines: list[dict[str, Any]]) -> str:
    """What an invoice's count column counts: ``members``, ``workers`` or, when its lines
    differ (a payer in sectors with different bases), ``people``."""
    kinds = {line["count_of"] for line in lines}
    if kinds == {InvoiceLine.Counted.WORKERS}:
        return "workers"
    if kinds <= {InvoiceLine.Counted.MEMBERS}:
        return "members"
    return "people"


def state_claims_list() -> QuerySet[StateClaim]:
    return StateClaim.objects.prefetch_related("rows")


# --- Arrears (docs/payments.md, *Arrears and reminders*) -----------------------------------

# Days past the due date: (label, first day, last day or None for open-ended).
AGEING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("90+", 91, None),
)


def invoices_with_outstanding(invoices: QuerySet[Invoice], before: dt.datetime | None) -> QuerySet:
    """Annotate ``settled_sum`` (the invoiced legs naming the invoice, booked before
    ``before``: negative when paid) so outstanding = total + settled_sum."""
    condition = Q(postings__account=Account.INVOICED)
    if before is not None:
        condition &= Q(postings__transaction__created_at__lt=before)
    return invoices.annotate(
        settled_sum=Coalesce(Sum("postings__amount", filter=condition), Value(ZERO))
    )


def invoices_overdue(*, today: dt.date) -> list[dict[str, Any]]:
    """Invoices past their due date with something outstanding (open or partially paid), oldest
    due first: ``invoice, outstanding, days_overdue, bucket``. A payment on its way (a SEPA debit
    processing) is left out: it is not in arrears until it fails."""
    invoices = invoices_with_outstanding(
        Invoice.objects.filter(
            kind=Invoice.Kind.INVOICE,
            status__in=[Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID],
            payment_pending=False,
            due_date__lt=today,
        ).select_related("payer_organisation"),
        None,
    ).order_by("due_date", "id")
    rows = []
    for invoice in invoices:
        outstanding = invoice.total + invoice.settled_sum
        if outstanding <= 0:
            continue
        days = (today - invoice.due_date).days
        rows.append(
            {
                "invoice": invoice,
                "outstanding": outstanding,
                "days_overdue": days,
                "bucket": ageing_bucket(days),
            }
        )
    return rows


def ageing_bucket(days_overdue: int) -> str:
    for label, first, last in AGEING_BUCKETS:
        if days_overdue >= first and (last is None or days_overdue <= last):
            return label
    return ""


def arrears_ageing(*, today: dt.date) -> dict[str, Any]:
    """Overdue invoices in ageing buckets (1-30, 31-60, 61-90, 90+ days past due), with each
    bucket's count and amount outstanding."""
    rows = invoices_overdue(today=today)
    buckets = [
        {"label": label, "count": 0, "amount": ZERO, "invoices": []}
        for label, _, _ in AGEING_BUCKETS
    ]
    by_label = {bucket["label"]: bucket for bucket in buckets}
    for row in rows:
        bucket = by_label[row["bucket"]]
        bucket["count"] += 1
        bucket["amount"] += row["outstanding"]
        bucket["invoices"].append(row)
    return {
        "buckets": buckets,
        "count": len(rows),
        "amount": sum((row["outstanding"] for row in rows), ZERO),
        "invoices": rows,
    }


def payer_statement(*, organisation: Organisation, today: dt.date) -> dict[str, Any]:
    """What a payer statement shows: the payer's open items (invoices with something
    outstanding, credit notes not yet set off) and its ledger balance: invoiced less paid, less
    its credit, plus what is due and not yet invoiced."""
    documents = invoices_with_outstanding(
        Invoice.objects.filter(payer_organisation=organisation), None
    ).order_by("issue_date", "year", "sequence")
    items = []
    for document in documents:
        if document.kind == Invoice.Kind.CREDIT_NOTE:
            outstanding = document.total
        else:
            outstanding = document.total + document.settled_sum
        if outstanding == 0:
            continue
        overdue = bool(document.due_date and document.due_date < today and outstanding > 0)
        items.append(
            {
                "document": document,
                "outstanding": outstanding,
                "overdue": overdue,
                "days_overdue": (today - document.due_date).days if overdue else 0,
            }
        )
    invoiced = account_balance(account=Account.INVOICED, organisation=organisation)
    receivable = account_balance(account=Account.RECEIVABLE, organisation=organisation)
    credit = payer_credit(payer=organisation)
    return {
        "organisation": organisation,
        "today": today,
        "items": items,
        "open_items_total": sum((item["outstanding"] for item in items), ZERO),
        "invoiced_balance": invoiced,
        "credit": credit,
        "not_yet_invoiced": receivable,
        # What the payer owes on balance (negative: the union owes it).
        "balance": invoiced - credit + receivable,
    }
