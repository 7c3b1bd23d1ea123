"""Reads of the levies app. Balances are sums over the ledger, never stored numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum

from employers.models import Organisation
from levies.models import (
    Account,
    BankEntry,
    Invoice,
    LedgerPosting,
    LevyAssessmentRun,
    LevyCharge,
    LevyScheme,
    LevySchemeVersion,
    Payment,
    StateClaim,
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
