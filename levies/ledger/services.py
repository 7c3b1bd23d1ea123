"""The double-entry ledger: every movement of money is a balanced transaction of postings.

Debits are positive, credits negative, so a transaction balances when its postings sum to zero
and the whole ledger always sums to zero. Postings and transactions are never changed or
deleted (database triggers refuse it); a correction is a new transaction. Balances are queries
(levies.selectors), never stored numbers.

What an assessment posts (per run, aggregated per payer; "payer" is an organisation's
receivable or, for the state, the state grant receivable):

- charged  (new due amounts, negative for credits): Dr receivable(payer) / Cr levy income
- held     (new held amounts):                      Dr held(payer) / Cr deferred income
- released (held -> due at window close):           Dr receivable(payer) / Cr held(payer)
                                                    and Dr deferred income / Cr levy income
- dropped  (held charges no longer owed):           Dr deferred income / Cr held(payer)

What billing posts (levies.billing.services), one transaction per document:

- invoiced / credited (an invoice; a credit note with negative amounts):
                                                    Dr invoiced(payer) / Cr receivable(payer)
- claimed  (a state claim):                         Dr state claimed / Cr state receivable

Payments (levies.payments.services) add legs that name the invoice or state claim they settle
(the optional fourth and fifth element of a leg), so a document's state is read from them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction

from levies.models import (
    ORGANISATION_ACCOUNTS,
    Account,
    LedgerPosting,
    LedgerTransaction,
    LevyAssessmentRun,
    Payer,
)
from unionroll.exceptions import Invalid
from unionroll.money import round_money

# (account, organisation id or None, amount), optionally followed by the invoice id and the
# state claim id the leg settles: (account, organisation, amount, invoice, state claim).
Leg = tuple[str, int | None, Decimal] | tuple[str, int | None, Decimal, int | None, int | None]


def ledger_post(
    *,
    kind: str,
    legs: Iterable[Leg],
    memo: str = "",
    run: LevyAssessmentRun | None = None,
    period: tuple[Any, Any] | None = None,
    payment_id: int | None = None,
) -> LedgerTransaction | None:
    """Post one balanced transaction. Legs on the same account and organisation are netted and
    zero legs left out; nothing is posted when nothing is left. Raises ApplicationError
    ``ledger_unbalanced`` (the database would refuse it at commit too)."""
    net: dict[tuple[str, int | None, int | None, int | None], Decimal] = defaultdict(Decimal)
    for leg in legs:
        account, organisation_id, amount = leg[:3]
        invoice_id, state_claim_id = (leg[3], leg[4]) if len(leg) == 5 else (None, None)
        if amount != round_money(amount):
            raise Invalid(
                "ledger_amount_not_cents", "Ledger amounts are whole cents.", {"account": account}
            )
        if (account in ORGANISATION_ACCOUNTS) == (organisation_id is None) and account not in (
            Account.UNAPPLIED_PAYMENTS,
        ):
            raise Invalid(
                "ledger_account_party",
                "A payer's account needs its organisation; other accounts take none.",
                {"account": account},
            )
        net[(account, organisation_id, invoice_id, state_claim_id)] += amount
    legs_left = [(key, amount) for key, amount in net.items() if amount != 0]
    total = sum((amount for _, amount in legs_left), Decimal(0))
    if total != 0:
        raise Invalid(
            "ledger_unbalanced",
            "A ledger transaction must balance (its postings sum to zero).",
            {"kind": kind, "sum": str(total)},
        )
    if not legs_left:
        return None
    with transaction.atomic():
        entry = LedgerTransaction.objects.create(
            kind=kind,
            memo=memo,
            run=run,
            period_start=period[0] if period else None,
            period_end=period[1] if period else None,
            payment_id=payment_id,
        )
        LedgerPosting.objects.bulk_create(
            LedgerPosting(
                transaction=entry,
                account=account,
                organisation_id=organisation_id,
                amount=amount,
                invoice_id=invoice_id,
                state_claim_id=state_claim_id,
            )
            for (account, organisation_id, invoice_id, state_claim_id), amount in sorted(
                legs_left, key=lambda leg: (leg[0][0], *(part or 0 for part in leg[0][1:]))
            )
        )
    return entry


def _due_account(payer: str) -> str:
    return Account.STATE_RECEIVABLE if payer == Payer.STATE else Account.RECEIVABLE


def _held_account(payer: str) -> str:
    return Account.STATE_HELD_RECEIVABLE if payer == Payer.STATE else Account.HELD_RECEIVABLE


def assessment_post(*, run: LevyAssessmentRun, movements: list[dict[str, Any]]) -> None:
    """Post a run's movements (per payer: due, held, released, dropped) as up to four
    transactions, one per kind."""
    legs: dict[str, list[Leg]] = defaultdict(list)
    for m in movements:
        org = None if m["payer"] == Payer.STATE else m["organisation_id"]
        due_acc, held_acc = _due_account(m["payer"]), _held_account(m["payer"])
        if m["due"]:
            legs[LedgerTransaction.Kind.CHARGED] += [
                (due_acc, org, m["due"]),
                (Account.LEVY_INCOME, None, -m["due"]),
            ]
        if m["held"]:
            legs[LedgerTransaction.Kind.HELD] += [
                (held_acc, org, m["held"]),
                (Account.DEFERRED_INCOME, None, -m["held"]),
            ]
        if m["released"]:
            legs[LedgerTransaction.Kind.RELEASED] += [
                (due_acc, org, m["released"]),
                (held_acc, org, -m["released"]),
                (Account.DEFERRED_INCOME, None, m["released"]),
                (Account.LEVY_INCOME, None, -m["released"]),
            ]
        if m["dropped"]:
            legs[LedgerTransaction.Kind.DROPPED] += [
                (Account.DEFERRED_INCOME, None, m["dropped"]),
                (held_acc, org, -m["dropped"]),
            ]
    period = (run.period_start, run.period_end)
    for kind in LedgerTransaction.Kind:
        if legs[kind]:
            ledger_post(
                kind=kind,
                legs=legs[kind],
                run=run,
                period=period,
                memo=f"levy assessment {run.period_start}..{run.period_end}",
            )
