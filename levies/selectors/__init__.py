"""Reads of the levies app, one module per sub-domain (docs/levies.md, "Where the code is"):
``levies.assessment.selectors``, ``levies.ledger.selectors``, ``levies.billing.selectors``,
``levies.payments.selectors`` with ``levies.payments.reconciliation`` (the desk), and
``levies.bank.selectors``. Balances are sums over the ledger, never stored numbers.

Every public read is re-exported here, so the other apps and the tests can keep asking
``levies.selectors`` without knowing which sub-domain answers. Code inside levies imports from
the sub-domain module itself.
"""

from __future__ import annotations

from levies.assessment.selectors import (
    assessment_latest,
    booked_by_line,
    payer_due_charges_by_site_and_phase,
    period_summary,
    periods_with_held_charges,
    scheme_version_on,
    schemes_list,
)
from levies.bank.selectors import (
    bank_entries_parked,
    bank_entries_unmatched,
    documents_to_match,
)
from levies.billing.selectors import (
    AGEING_BUCKETS,
    ageing_bucket,
    arrears_ageing,
    invoice_count_of,
    invoice_lines_merged_or_hidden,
    invoice_lines_shown,
    invoice_with_lines,
    invoices_overdue,
    invoices_visible_to,
    invoices_with_outstanding,
    payer_statement,
    state_claims_list,
)
from levies.ledger.selectors import (
    ZERO,
    account_balance,
    day_start,
    ledger_balance_total,
    ledger_unbalanced_transactions,
    payer_balance,
    payer_credit,
)
from levies.payments.reconciliation import (
    PAYER_ACCOUNTS,
    invoiced_and_collected_by_month,
    reconciliation_period,
)
from levies.payments.selectors import (
    document_settlement,
    invoice_payment_pending,
    payment_booked,
    sepa_mandate_of,
    sepa_mandates_active,
)

__all__ = [
    "AGEING_BUCKETS",
    "PAYER_ACCOUNTS",
    "ZERO",
    "account_balance",
    "ageing_bucket",
    "arrears_ageing",
    "assessment_latest",
    "bank_entries_parked",
    "bank_entries_unmatched",
    "booked_by_line",
    "day_start",
    "document_settlement",
    "documents_to_match",
    "invoice_count_of",
    "invoice_lines_merged_or_hidden",
    "invoice_lines_shown",
    "invoice_payment_pending",
    "invoice_with_lines",
    "invoiced_and_collected_by_month",
    "invoices_overdue",
    "invoices_visible_to",
    "invoices_with_outstanding",
    "ledger_balance_total",
    "ledger_unbalanced_transactions",
    "payer_balance",
    "payer_credit",
    "payer_due_charges_by_site_and_phase",
    "payer_statement",
    "payment_booked",
    "period_summary",
    "periods_with_held_charges",
    "reconciliation_period",
    "scheme_version_on",
    "schemes_list",
    "sepa_mandate_of",
    "sepa_mandates_active",
    "state_claims_list",
]
