"""The levies models, one module per sub-domain: schemes, runs and charges (``assessment``), the
double-entry ledger (``ledger``), invoices, claims and reminders (``billing``), payments and
Stripe (``payments``), bank statements (``bank``).

The rules live in the sub-domain packages' services (docs/levies.md, "Where the code is"); these
models only hold what the services write. Every model is imported here, so ``from levies.models
import X`` works whichever module defines it, and Django finds them all when it loads the app.
"""

from __future__ import annotations

from levies.models.assessment import (
    LevyAssessmentRun,
    LevyCharge,
    LevyScheme,
    LevySchemeVersion,
    Payer,
)
from levies.models.bank import BankAllocation, BankEntry, BankEntryAction, BankStatementFile
from levies.models.billing import (
    DocumentCounter,
    Invoice,
    InvoiceLine,
    InvoiceReminder,
    StateClaim,
    StateClaimRow,
)
from levies.models.fields import MONEY
from levies.models.ledger import (
    ORGANISATION_ACCOUNTS,
    Account,
    LedgerPosting,
    LedgerTransaction,
)
from levies.models.payments import InvoiceWriteOff, Payment, StripeCustomer, StripeEvent

__all__ = [
    "MONEY",
    "ORGANISATION_ACCOUNTS",
    "Account",
    "BankAllocation",
    "BankEntry",
    "BankEntryAction",
    "BankStatementFile",
    "DocumentCounter",
    "Invoice",
    "InvoiceLine",
    "InvoiceReminder",
    "InvoiceWriteOff",
    "LedgerPosting",
    "LedgerTransaction",
    "LevyAssessmentRun",
    "LevyCharge",
    "LevyScheme",
    "LevySchemeVersion",
    "Payer",
    "Payment",
    "StateClaim",
    "StateClaimRow",
    "StripeCustomer",
    "StripeEvent",
]
