"""Issued invoices for page and API tests that need documents, not the billing run behind them
(tests/levies/test_invoicing.py covers that)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from levies.billing.payment_reference import payment_reference_for_invoice
from levies.models import Invoice, InvoiceLine


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice
        skip_postgeneration_save = True

    kind = Invoice.Kind.INVOICE
    year = 2026
    sequence = factory.Sequence(lambda n: n + 1)
    number = factory.LazyAttribute(lambda o: f"{o.year}-{o.sequence:06d}")
    period_start = dt.date(2026, 11, 2)
    period_end = dt.date(2026, 11, 8)
    issue_date = dt.date(2026, 12, 14)
    due_date = factory.LazyAttribute(
        lambda o: None if o.kind == Invoice.Kind.CREDIT_NOTE else dt.date(2027, 1, 13)
    )
    total = Decimal("123.45")
    payment_reference = factory.LazyAttribute(
        lambda o: (
            None
            if o.kind == Invoice.Kind.CREDIT_NOTE
            else payment_reference_for_invoice(year=o.year, sequence=o.sequence)
        )
    )

    @factory.post_generation
    def lines(self, create, extracted, **kwargs):
        if create:
            InvoiceLine.objects.create(
                invoice=self,
                site_name="Slachterij Oss (OSS-01)",
                cao_phase="A",
                members=7,
                amount=self.total,
            )


def levy_charge_for(line, **kwargs):
    """One assessment run's charge on a payroll line, for tests that need a charge to exist
    (tests/levies/test_assessment.py covers how the run books them)."""
    from levies.models import LevyAssessmentRun, LevyCharge

    run = LevyAssessmentRun.objects.create(
        period_start=line.period_start, period_end=line.period_end, as_of=line.period_end
    )
    values = {
        "run": run,
        "payroll_line": line,
        "period_start": line.period_start,
        "period_end": line.period_end,
        "sector_id": line.sector_id,
        "person_id": line.person_id,
        "organisation_id": line.organisation_id,
        "site_id": line.site_id,
        "payer": "agency",
        "payer_organisation_id": line.organisation_id,
        "kind": "charge",
        "status": "due",
        "amount": "4.20",
        **kwargs,
    }
    return LevyCharge.objects.create(**values)
