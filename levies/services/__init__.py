"""Writes of the levies app: schemes, assessment, ledger, invoices and state claims. Views,
tasks, commands and the admin call these."""

from __future__ import annotations

from levies.services.assessment import levies_assess, levies_assess_held_periods
from levies.services.invoicing import (
    invoices_issue,
    levies_assess_and_invoice_closed_periods,
    period_billing_issue,
    state_claim_issue,
)
from levies.services.ledger import ledger_post
from levies.services.schemes import levy_scheme_apply, levy_scheme_load, levy_scheme_parse

__all__ = [
    "invoices_issue",
    "ledger_post",
    "levies_assess",
    "levies_assess_and_invoice_closed_periods",
    "levies_assess_held_periods",
    "levy_scheme_apply",
    "levy_scheme_load",
    "levy_scheme_parse",
    "period_billing_issue",
    "state_claim_issue",
]
