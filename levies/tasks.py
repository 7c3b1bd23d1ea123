"""Thin Celery tasks: take the period, call a service, safe to run twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import shared_task

# Defined with the payments sub-domain (billing's InvoicesIssued queues it there); named here.
from levies.payments.tasks import invoices_collect_by_direct_debit_task


@shared_task
def levies_assess_task(period_start: str, period_end: str) -> dict[str, Any]:
    from levies.assessment.services import levies_assess

    # Dates travel as ISO strings: the message must be JSON.
    result = levies_assess(
        period_start=dt.date.fromisoformat(period_start),
        period_end=dt.date.fromisoformat(period_end),
    )
    return {"run": result["run"], "total": result["total"], "unchanged": result["unchanged"]}


@shared_task
def levies_assess_held_periods_task() -> int:
    """Daily: release held charges whose windows closed, drop those of in-window opt-outs."""
    from levies.assessment.services import levies_assess_held_periods

    return len(levies_assess_held_periods())


@shared_task
def invoices_issue_task(period_start: str, period_end: str) -> dict[str, Any]:
    """Issue a period's invoices, credit notes and state claim (nothing new the second time)."""
    from levies.billing.services import period_billing_issue

    result = period_billing_issue(
        period_start=dt.date.fromisoformat(period_start),
        period_end=dt.date.fromisoformat(period_end),
    )
    return {
        "invoices": [i["number"] for i in result["invoices"]],
        "state_claim": result["state_claim"]["reference"] if result["state_claim"] else None,
    }


@shared_task
def levies_assess_and_invoice_closed_periods() -> int:
    """Daily: assess every pay period that has ended and bill what became due. Returns the
    number of documents issued."""
    from levies.billing.services import levies_assess_and_invoice_closed_periods as run

    return sum(len(period["invoices"]) + (1 if period["state_claim"] else 0) for period in run())


__all__ = ["invoices_collect_by_direct_debit_task"]
