"""Issued documents with their ledger postings, for the desk and arrears tests: the desk reads
the ledger, so a document needs the transactions billing would have posted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from levies.ledger.services import ledger_post
from levies.models import Account, Invoice, LedgerTransaction, Payment
from levies.payments.services import payment_book
from tests.employers.factories import OrganisationFactory
from tests.levies.factories import InvoiceFactory

D = Decimal


def issued(
    total: str,
    organisation=None,
    *,
    kind: str = Invoice.Kind.INVOICE,
    due_date: dt.date | None = dt.date(2027, 1, 13),
    **kwargs,
) -> Invoice:
    """An invoice (or credit note, negative ``total``) posted as billing posts it: the charge
    (Dr receivable / Cr levy income), then the document (Dr invoiced / Cr receivable)."""
    organisation = organisation or OrganisationFactory()
    amount = D(total)
    invoice = InvoiceFactory(
        kind=kind,
        total=amount,
        payer_organisation=organisation,
        due_date=None if kind == Invoice.Kind.CREDIT_NOTE else due_date,
        **kwargs,
    )
    org = organisation.pk
    ledger_post(
        kind=LedgerTransaction.Kind.CHARGED,
        legs=[(Account.RECEIVABLE, org, amount), (Account.LEVY_INCOME, None, -amount)],
    )
    ledger_post(
        kind=(
            LedgerTransaction.Kind.INVOICED
            if kind == Invoice.Kind.INVOICE
            else LedgerTransaction.Kind.CREDITED
        ),
        legs=[(Account.INVOICED, org, amount), (Account.RECEIVABLE, org, -amount)],
        memo=f"{kind} {invoice.number}",
    )
    return invoice


def stripe_paid(invoice: Invoice, amount: str, reference: str) -> Payment:
    """A Stripe payment that succeeded, booked as the webhook books it."""
    with transaction.atomic():
        payment = Payment.objects.create(
            source=Payment.Source.STRIPE,
            external_reference=reference,
            invoice=invoice,
            payer_organisation=invoice.payer_organisation,
            method="card",
            amount=D(amount),
            status=Payment.Status.SUCCEEDED,
            amount_received=D(amount),
        )
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        payment_book(payment=payment, memo=f"stripe {reference}")
    return payment
