"""Reads of the ledger. Balances are sums over the postings, never stored numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.db.models import Sum

from employers.models import Organisation
from levies.models import Account, LedgerPosting

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


def ledger_unbalanced_transactions() -> list[int]:
    """Ids of transactions whose postings do not sum to zero (none, ever: the database checks
    each at commit). For tests and for an auditor's peace of mind."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT transaction_id FROM levies_ledgerposting GROUP BY transaction_id "
            "HAVING sum(amount) <> 0"
        )
        return [row[0] for row in cur.fetchall()]


def payer_credit(*, payer: Organisation | str) -> Decimal:
    """A payer's credit (overpayments kept for it); ``payer="state"`` for the state funder."""
    postings = LedgerPosting.objects.filter(account=Account.UNAPPLIED_PAYMENTS)
    if payer == "state":
        postings = postings.filter(organisation__isnull=True)
    else:
        postings = postings.filter(organisation=payer)
    total = postings.aggregate(total=Sum("amount"))["total"]
    return -(total if total is not None else ZERO)


def day_start(day: dt.date) -> dt.datetime:
    """The first moment of ``day`` in the project's time zone (ledger dates are timestamps)."""
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
