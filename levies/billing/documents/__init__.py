"""Invoices, credit notes and state claims as PDF (and the claim as CSV), from plain values.

Services build an :class:`InvoiceDocument` or :class:`StateClaimDocument` from the database and
call :func:`invoice_pdf`, :func:`state_claim_pdf` or :func:`state_claim_csv`; nothing here reads
models, so the layout can be tested and looked at without a database.
"""

from __future__ import annotations

from levies.billing.documents.data import (
    CREDIT_NOTE,
    INVOICE,
    DocumentKind,
    DocumentLine,
    InvoiceDocument,
    Party,
    SectorTotal,
    StateClaimDocument,
    StateClaimRow,
)
from levies.billing.documents.formatting import format_date, format_euro, format_iban
from levies.billing.documents.invoice import VAT_STATEMENT, invoice_pdf
from levies.billing.documents.state_claim import CSV_HEADER, state_claim_csv, state_claim_pdf

__all__ = [
    "CREDIT_NOTE",
    "CSV_HEADER",
    "INVOICE",
    "VAT_STATEMENT",
    "DocumentKind",
    "DocumentLine",
    "InvoiceDocument",
    "Party",
    "SectorTotal",
    "StateClaimDocument",
    "StateClaimRow",
    "format_date",
    "format_euro",
    "format_iban",
    "invoice_pdf",
    "state_claim_csv",
    "state_claim_pdf",
]
