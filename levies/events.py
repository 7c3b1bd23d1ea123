"""Facts the levies app publishes (unionroll.events) for its own later steps or the apps above."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InvoicesIssued:
    """Invoices (not credit notes) were issued for good: payers with a SEPA mandate may be
    debited (levies.payments listens)."""

    invoice_ids: tuple[int, ...]
