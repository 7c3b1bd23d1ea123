"""Shared by the payment tests: invoices to pay, and the check that every invoice's and claim's
stored state equals what its ledger postings say (run after each payment test)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from levies.billing.payment_reference import payment_reference_for_invoice
from levies.models import Invoice, StateClaim
from levies.selectors import document_settlement, invoice_payment_pending
from tests.employers.factories import OrganisationFactory
from tests.levies.factories import InvoiceFactory

D = Decimal


def assert_documents_match_their_postings() -> None:
    for invoice in Invoice.objects.all():
        derived = document_settlement(document=invoice)["status"]
        assert invoice.status == derived, (invoice.number, invoice.status, derived)
        assert invoice.payment_pending == invoice_payment_pending(invoice=invoice), invoice.number
    for claim in StateClaim.objects.all():
        derived = document_settlement(document=claim)["status"]
        assert claim.status == derived, (claim.reference, claim.status, derived)


@pytest.fixture
def documents_match_their_postings(db):
    """After the test: every stored state equals the state its postings give."""
    yield
    assert_documents_match_their_postings()


def an_invoice(total: str = "100.00", organisation=None, **kwargs) -> Invoice:
    return InvoiceFactory(
        total=D(total), payer_organisation=organisation or OrganisationFactory(), **kwargs
    )


def a_state_claim(total: str = "900.00", sequence: int = 1) -> StateClaim:
    return StateClaim.objects.create(
        reference=f"S2026-{sequence:06d}",
        year=2026,
        sequence=sequence,
        period_start=dt.date(2026, 11, 2),
        period_end=dt.date(2026, 11, 8),
        issue_date=dt.date(2026, 12, 14),
        due_date=dt.date(2027, 1, 13),
        total=D(total),
        payment_reference=payment_reference_for_invoice(year=2026, sequence=sequence, series=5),
    )
