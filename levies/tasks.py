"""Thin Celery tasks: take the period, call a service, safe to run twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import shared_task


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


@shared_task
def invoices_collect_by_direct_debit_task(invoice_ids: list[int]) -> dict[str, int]:
    """Debit newly issued invoices under their payers' SEPA mandates (queued on commit by
    ``invoices_issue``); an invoice already debited or paid is skipped, so a rerun is safe."""
    from levies.models import Invoice
    from levies.payments.direct_debit import invoices_collect_by_direct_debit

    report = invoices_collect_by_direct_debit(invoices=Invoice.objects.filter(pk__in=invoice_ids))
    return {
        "collected": len(report["collected"]),
        "failed": len(report["failed"]),
        "skipped": report["skipped"],
    }
