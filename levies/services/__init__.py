"""The levies app's main writes, for the other apps and the tests: schemes, assessment, ledger,
invoices and state claims. They live in the sub-domain packages (docs/levies.md, "Where the
code is") and are re-exported here; code inside levies imports them from there.

``arrears`` (payment reminders) is the one service module that still lives here.
"""

from __future__ import annotations

from levies.assessment.schemes import levy_scheme_apply, levy_scheme_load, levy_scheme_parse
from levies.assessment.services import levies_assess, levies_assess_held_periods
from levies.billing.services import (
    invoices_issue,
    levies_assess_and_invoice_closed_periods,
    period_billing_issue,
    state_claim_issue,
)
from levies.ledger.services import ledger_post

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
