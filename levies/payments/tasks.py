"""The payments sub-domain's Celery task (kept under its old name, levies.tasks...)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="levies.tasks.invoices_collect_by_direct_debit_task")
def invoices_collect_by_direct_debit_task(invoice_ids: list[int]) -> dict[str, int]:
    """Debit newly issued invoices under their payers' SEPA mandates (queued when billing
    publishes InvoicesIssued); an invoice already debited or paid is skipped, so a rerun is safe."""
    from levies.models import Invoice
    from levies.payments.direct_debit import invoices_collect_by_direct_debit

    report = invoices_collect_by_direct_debit(invoices=Invoice.objects.filter(pk__in=invoice_ids))
    return {
        "collected": len(report["collected"]),
        "failed": len(report["failed"]),
        "skipped": report["skipped"],
    }
