"""Arrears: payment reminders to a payer's billing contact (docs/payments.md).

This module decides which reminders are due, records them and says what they say; sending them
is notifications' work (notifications/services/reminders.py), through the one outbound pipeline.

Reminders go out at the days after the due date in ``UNIONROLL_REMINDER_DAYS`` (default
"7,21,45"), each once per invoice and step: ``InvoiceReminder`` has a unique (invoice, step),
so a second run of the daily task, or two at once, sends nothing twice. An invoice that is
paid, written off, or has a Stripe payment on its way gets no reminder. A payer without a
billing e-mail gets its reminder recorded as ``no_contact``, which the desk shows.

The text names the invoice, what is open, the due date, the payment reference and the union's
IBAN — never a worker: an invoice's lines are counts and amounts, and the reminder does not
even repeat those.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from levies.billing.documents import format_euro
from levies.billing.documents.formatting import format_date, format_iban
from levies.models import Invoice, InvoiceReminder
from levies.selectors import invoices_overdue
from unionroll.exceptions import Unavailable

logger = logging.getLogger(__name__)


def reminder_days() -> list[int]:
    """The days after the due date at which reminders go out, ascending."""
    raw = str(getattr(settings, "UNIONROLL_REMINDER_DAYS", "7,21,45"))
    try:
        days = sorted({int(part) for part in raw.split(",") if part.strip()})
    except ValueError:
        raise Unavailable(
            "reminder_days_invalid",
            "UNIONROLL_REMINDER_DAYS must be whole numbers of days, separated by commas.",
        ) from None
    if any(day < 1 for day in days):
        raise Unavailable(
            "reminder_days_invalid", "Reminder days must be at least 1 day after the due date."
        )
    return days


def reminder_text(*, invoice: Invoice, amount_open: Decimal, step: int) -> tuple[str, str]:
    """Subject and plain text body, Dutch first, then English."""
    reference = invoice.payment_reference or ""
    reference = " ".join(reference[i : i + 4] for i in range(0, len(reference), 4))
    iban = format_iban(settings.UNIONROLL_UNION_IBAN)
    union = settings.UNIONROLL_UNION_NAME
    amount = format_euro(amount_open)
    due = format_date(invoice.due_date)
    number = invoice.number
    subject = f"Herinnering factuur {number} / Reminder invoice {number}"
    ordinal_nl = {1: "eerste", 2: "tweede", 3: "derde"}.get(step, f"{step}e")
    body = (
        f"Geachte heer/mevrouw,\n\n"
        f"Dit is onze {ordinal_nl} herinnering. Volgens onze administratie staat van factuur "
        f"{number} nog {amount} open. De vervaldatum was {due}.\n\n"
        f"Wilt u dit bedrag overmaken naar {iban} ten name van {union}, met "
        f"betalingskenmerk {reference}? Heeft u al betaald, dan kunt u deze herinnering als "
        f"niet verzonden beschouwen.\n\n"
        f"Met vriendelijke groet,\n{union}\n\n"
        f"-----\n\n"
        f"Dear Sir or Madam,\n\n"
        f"This is reminder {step}. According to our records, {amount} of invoice {number} is "
        f"still open. It was due on {due}.\n\n"
        f"Please transfer this amount to {iban} in the name of {union}, quoting payment "
        f"reference {reference}. If you have paid already, please disregard this reminder.\n\n"
        f"Kind regards,\n{union}\n"
    )
    return subject, body


def _due_step(days_overdue: int, days: list[int]) -> int:
    """The latest step (1-based) whose day has come; 0 when none has."""
    return sum(1 for day in days if days_overdue >= day)


def invoice_reminders_due(*, today: dt.date) -> list[tuple[Invoice, int, Decimal]]:
    """(invoice, step, amount open) for every overdue invoice whose latest step has come: the
    step that is due, whether or not it was sent already (invoice_reminder_record decides)."""
    days = reminder_days()
    due = []
    for row in invoices_overdue(today=today):
        step = _due_step(row["days_overdue"], days)
        if step:
            due.append((row["invoice"], step, row["outstanding"]))
    return due


def invoice_reminder_record(
    *, invoice: Invoice, step: int, amount_open: Decimal
) -> InvoiceReminder | None:
    """Record reminder ``step`` of ``invoice`` once, and earlier steps never sent (the task did
    not run for a while) as ``skipped``, so that they do not go out in a burst.

    Returns the reminder to send (status ``sending``), or one with status ``no_contact`` when
    the payer has no billing e-mail, or None when it was recorded before: only a failed send is
    tried again, and only by whoever moves it from failed to sending first.
    """
    days = reminder_days()
    recipient = invoice.payer_organisation.billing_email
    status = InvoiceReminder.Status.SENDING if recipient else InvoiceReminder.Status.NO_CONTACT
    try:
        with transaction.atomic():
            reminder = InvoiceReminder.objects.create(
                invoice=invoice,
                step=step,
                days_after_due=days[step - 1],
                status=status,
                recipient=recipient,
                amount_open=amount_open,
            )
            for earlier in range(1, step):
                InvoiceReminder.objects.get_or_create(
                    invoice=invoice,
                    step=earlier,
                    defaults={
                        "days_after_due": days[earlier - 1],
                        "status": InvoiceReminder.Status.SKIPPED,
                        "amount_open": amount_open,
                    },
                )
    except IntegrityError:
        retried = InvoiceReminder.objects.filter(
            invoice=invoice, step=step, status=InvoiceReminder.Status.FAILED
        ).update(status=InvoiceReminder.Status.SENDING, recipient=recipient)
        if not retried or not recipient:
            return None
        reminder = InvoiceReminder.objects.get(invoice=invoice, step=step)
    if not recipient:
        logger.info("invoice %s: reminder %s not sent, no billing e-mail", invoice.number, step)
    return reminder


def invoice_reminder_claim(*, reminder_id: int) -> InvoiceReminder | None:
    """Take a failed reminder for another try (failed -> sending); None if someone else has it
    or it has been sent meanwhile."""
    claimed = InvoiceReminder.objects.filter(
        pk=reminder_id, status=InvoiceReminder.Status.FAILED
    ).update(status=InvoiceReminder.Status.SENDING)
    if not claimed:
        return None
    return InvoiceReminder.objects.select_related("invoice").get(pk=reminder_id)


def invoice_reminder_sent(*, reminder_id: int) -> None:
    InvoiceReminder.objects.filter(pk=reminder_id, status=InvoiceReminder.Status.SENDING).update(
        status=InvoiceReminder.Status.SENT, sent_at=timezone.now()
    )


def invoice_reminder_failed(*, reminder_id: int) -> None:
    InvoiceReminder.objects.filter(pk=reminder_id, status=InvoiceReminder.Status.SENDING).update(
        status=InvoiceReminder.Status.FAILED
    )
