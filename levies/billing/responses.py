"""Billing documents as HTTP downloads: the invoice PDF, the state claim as PDF and CSV, a payer's
statement of account.

Not views: who may download what is the caller's to decide (the pages in ``levies.views`` and
the API both check it first, then hand the document here), so that a page and the API serve the
same file with the same headers. Every download is private and never cached: a document names a
payer and what it owes.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone

from employers.models import Organisation
from levies.billing.printing import (
    invoice_pdf_bytes,
    invoice_pdf_filename,
    payer_statement_pdf_bytes,
    payer_statement_pdf_filename,
    state_claim_csv_text,
    state_claim_pdf_bytes,
)
from levies.models import Invoice, StateClaim


def _download(content: bytes | str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def invoice_pdf_response(invoice: Invoice) -> HttpResponse:
    """The invoice (or credit note) as a PDF download; the page and the API serve this."""
    return _download(invoice_pdf_bytes(invoice), "application/pdf", invoice_pdf_filename(invoice))


def state_claim_pdf_response(claim: StateClaim) -> HttpResponse:
    return _download(
        state_claim_pdf_bytes(claim), "application/pdf", f"declaratie-{claim.reference}.pdf"
    )


def state_claim_csv_response(claim: StateClaim) -> HttpResponse:
    return _download(
        state_claim_csv_text(claim), "text/csv; charset=utf-8", f"declaratie-{claim.reference}.csv"
    )


def payer_statement_response(organisation: Organisation) -> HttpResponse:
    """The payer's statement of account (open items, ledger balance) as a PDF download."""
    today = timezone.localdate()
    return _download(
        payer_statement_pdf_bytes(organisation, today=today),
        "application/pdf",
        payer_statement_pdf_filename(organisation, today=today),
    )
