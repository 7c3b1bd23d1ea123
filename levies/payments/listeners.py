"""What the payments sub-domain does when billing publishes a fact (unionroll.events)."""

from __future__ import annotations

from levies.events import InvoicesIssued
from levies.payments.stripe_gateway import stripe_enabled
from levies.payments.tasks import invoices_collect_by_direct_debit_task
from unionroll import events


def invoices_issued(event: InvoicesIssued) -> None:
    """Debit the new invoices of payers with a SEPA mandate, by a task (at once without a
    broker)."""
    if stripe_enabled():
        invoices_collect_by_direct_debit_task.delay(list(event.invoice_ids))


def subscribe() -> None:
    events.subscribe(InvoicesIssued, invoices_issued)
