"""python manage.py invoice_write_off --number 2027-000123 --reason TEXT [--amount 12.34]

Writes off what is outstanding on an invoice (or the amount given): Dr write-off /
Cr invoiced(payer), recorded with the reason. The admin has the same as an action on invoices.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from levies.models import Invoice
from levies.payments.services import invoice_write_off
from unionroll.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Write off what is outstanding on an invoice, with a reason."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--number", required=True, help="the invoice number")
        parser.add_argument("--reason", required=True, help="why it is written off")
        parser.add_argument("--amount", help="only this much (default: all outstanding)")

    def handle(self, *args: Any, **options: Any) -> None:
        invoice = Invoice.objects.filter(number=options["number"]).first()
        if invoice is None:
            raise CommandError(f"No invoice {options['number']}.", returncode=1)
        amount = None
        if options["amount"] is not None:
            try:
                amount = Decimal(options["amount"])
            except InvalidOperation:
                raise CommandError("--amount must be a decimal number.", returncode=1) from None
        try:
            write_off = invoice_write_off(invoice=invoice, reason=options["reason"], amount=amount)
        except ApplicationError as exc:
            raise CommandError(exc.message, returncode=1) from exc
        invoice.refresh_from_db(fields=["status"])
        self.stdout.write(
            f"Invoice {invoice.number}: EUR {write_off.amount:.2f} written off; "
            f"status {invoice.status}."
        )
