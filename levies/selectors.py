"""Reads of the levies app. Balances are sums over the ledger, never stored numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from employers.models import Organisation
from levies.models import (
    Account,
    BankEntry,
    Invoice,
    InvoiceLine,
    LedgerPosting,
    LedgerTransaction,
    LevyAssessmentRun,
    LevyCharge,
    LevyScheme,
    LevySchemeVersion,
    Payment,
    StateClaim,
    StripeCustomer,
)

ZERO = Decimal("0.00")


def ledger_balance_total() -> Decimal:
    """The sum of all postings: zero at all times."""
    total = LedgerPosting.objects.aggregate(total=Sum("amount"))["total"]
    return total if total is not None else ZERO


def account_balance(*, account: str, organisation: Organisation | None = None) -> Decimal:
    postings = LedgerPosting.objects.filter(account=account)
    if organisation is not None:
        postings = postings.filter(organisation=organisation)
    total = postings.aggregate(total=Sum("amount"))["total"]
    return total if total is not None else ZERO


def payer_balance(*, payer: Organisation | str, held: bool = False) -> Decimal:
    """What a payer owes now, invoiced (claimed) or not yet (``held=True``: what is held for it
    while windows are open).

    ``payer`` is an organisation or the string "state".
    """
    if payer == "state":
        if held:
            return account_balance(account=Account.STATE_HELD_RECEIVABLE)
        return account_balance(account=Account.STATE_RECEIVABLE) + account_balance(
            account=Account.STATE_CLAIMED
        )
    if held:
        return account_balance(account=Account.HELD_RECEIVABLE, organisation=payer)
    return account_balance(account=Account.RECEIVABLE, organisation=payer) + account_balance(
        account=Account.INVOICED, organisation=payer
    )


def scheme_version_on(*, sector_id: int, day: dt.date) -> LevySchemeVersion | None:
    return (
        LevySchemeVersion.objects.filter(scheme__sector_id=sector_id, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .first()
    )


def schemes_list() -> list[LevyScheme]:
    return list(LevyScheme.objects.select_related("sector").prefetch_related("versions"))


def periods_with_held_charges() -> list[tuple[dt.date, dt.date]]:
    return list(
        LevyCharge.objects.filter(status=LevyCharge.Status.HELD)
        .values_list("period_start", "period_end")
        .distinct()
        .order_by("period_start", "period_end")
    )


def assessment_latest(*, period_start: dt.date, period_end: dt.date) -> LevyAssessmentRun | None:
    return (
        LevyAssessmentRun.objects.filter(period_start=period_start, period_end=period_end)
        .order_by("-id")
        .first()
    )


def period_summary(*, period_start: dt.date, period_end: dt.date) -> dict[str, Any]:
    """The --json summary of a period, read from the booked charges."""
    from levies.services.assessment import _summary

    with connection.cursor() as cur:
        return _summary(cur, {"ps": period_start, "pe": period_end})


def booked_by_line(*, period_start: dt.date, period_end: dt.date) -> dict[tuple, Decimal]:
    """{(line id, payer, status): amount} of what is booked (held or due) for a period."""
    rows = (
        LevyCharge.objects.filter(
            period_start=period_start, period_end=period_end, status__in=["held", "due"]
        )
        .values("payroll_line_id", "payer", "status")
        .annotate(amount=Sum("amount"))
    )
    return {
        (r["payroll_line_id"], r["payer"], r["status"]): r["amount"]
        for r in rows
        if r["amount"] != 0
    }


def payer_due_charges_by_site_and_phase(
    *,
    organisation: Organisation,
    period_start: dt.date,
    period_end: dt.date,
    not_invoiced: bool = False,
) -> list[dict[str, Any]]:
    """A payer's due charges of a period per site and CAO phase, with member counts
    (``not_invoiced``: only those no invoice or credit note has billed yet). Invoicing itself
    runs the same grouping in SQL for every payer at once (levies.services.invoicing)."""
    charges = LevyCharge.objects.filter(
        payer_organisation=organisation,
        period_start=period_start,
        period_end=period_end,
        status=LevyCharge.Status.DUE,
    )
    if not_invoiced:
        charges = charges.filter(invoice__isnull=True)
    return list(
        charges.values("site_id", "cao_phase")
        .annotate(members=Count("person_id", distinct=True), amount=Sum("amount"))
        .order_by("site_id", "cao_phase")
    )


def ledger_unbalanced_transactions() -> list[int]:
    """Ids of transactions whose postings do not sum to zero (none, ever: the database checks
    each at commit). For tests and for an auditor's peace of mind."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT transaction_id FROM levies_ledgerposting GROUP BY transaction_id "
            "HAVING sum(amount) <> 0"
        )
        return [row[0] for row in cur.fetchall()]


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


# --- Payments ------------------------------------------------------------------------------------


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


def payer_credit(*, payer: Organisation | str) -> Decimal:
    """A payer's credit (overpayments kept for it); ``payer="state"`` for the state funder."""
    postings = LedgerPosting.objects.filter(account=Account.UNAPPLIED_PAYMENTS)
    if payer == "state":
        postings = postings.filter(organisation__isnull=True)
    else:
        postings = postings.filter(organisation=payer)
    total = postings.aggregate(total=Sum("amount"))["total"]
    return -(total if total is not None else ZERO)


def bank_entries_unmatched() -> QuerySet[BankEntry]:
    """The desk's queue: credits no invoice or claim was matched to, oldest first."""
    return BankEntry.objects.filter(status=BankEntry.Status.UNMATCHED).order_by(
        "booking_date", "id"
    )


# --- Arrears and the reconciliation desk (docs/payments.md) -----------------------------------

# Days past the due date: (label, first day, last day or None for open-ended).
AGEING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("90+", 91, None),
)
# The accounts on which a payer's documents and payments meet: what it was asked (invoiced,
# claimed), less what it paid, written off or was credited, less its credit (unapplied).
PAYER_ACCOUNTS = (Account.INVOICED, Account.STATE_CLAIMED, Account.UNAPPLIED_PAYMENTS)


def day_start(day: dt.date) -> dt.datetime:
    """The first moment of ``day`` in the project's time zone (ledger dates are timestamps)."""
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _with_outstanding(invoices: QuerySet[Invoice], before: dt.datetime | None) -> QuerySet:
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
    invoices = _with_outstanding(
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
    documents = _with_outstanding(
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
    invoices = _with_outstanding(
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


def bank_entries_parked() -> QuerySet[BankEntry]:
    return BankEntry.objects.filter(status=BankEntry.Status.PARKED).order_by("booking_date", "id")


def documents_to_match(*, entry: BankEntry, query: str = "") -> list[dict[str, Any]]:
    """Invoices and state claims an unmatched entry could pay, each with what is outstanding,
    most likely first: the amount equals what is outstanding, the entry's text names it, the
    payer's name is the counterparty's; then by due date. ``query`` narrows to a number, a
    reference, or a payer's name or KvK number."""
    invoices = _with_outstanding(
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
