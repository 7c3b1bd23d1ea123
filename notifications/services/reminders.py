"""Payment reminders to a payer's billing e-mail, sent through the one outbound pipeline.

Which reminders are due, their record and their text are the levies app's
(levies/services/arrears.py); this module sends them and records the outcome. A send that fails
for now is tried again by the dispatcher when the retry policy says (notifications.transport),
and by the next daily run; a refused address is not tried again.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.utils import timezone

from levies.models import InvoiceReminder
from levies.services.arrears import (
    invoice_reminder_claim,
    invoice_reminder_failed,
    invoice_reminder_record,
    invoice_reminder_sent,
    invoice_reminders_due,
    reminder_text,
)
from notifications import transport

logger = logging.getLogger(__name__)

ITEM = "invoice_reminder"


def invoice_reminders_send(*, today: dt.date | None = None) -> dict[str, Any]:
    """Send the reminders that are due today. For each overdue invoice, the latest step whose
    day has come is sent if it never was; earlier steps never sent are recorded as
    ``skipped``. Returns counts."""
    today = today or timezone.localdate()
    counts = {"sent": 0, "no_contact": 0, "failed": 0, "skipped": 0}
    for invoice, step, amount_open in invoice_reminders_due(today=today):
        reminder = invoice_reminder_record(invoice=invoice, step=step, amount_open=amount_open)
        if reminder is None:
            continue
        if reminder.status == InvoiceReminder.Status.NO_CONTACT:
            counts["no_contact"] += 1
            continue
        counts[_send(reminder)] += 1
    counts["skipped"] = InvoiceReminder.objects.filter(
        status=InvoiceReminder.Status.SKIPPED, created_at__date=today
    ).count()
    logger.info("invoice reminders: %s", counts)
    return counts


def invoice_reminders_retry(*, now: dt.datetime | None = None) -> int:
    """The dispatcher's pick-up: reminders whose send failed for now and whose time has come."""
    now = now or timezone.now()
    tried = 0
    for reminder_id in transport.retries_due(item=ITEM, now=now):
        reminder = invoice_reminder_claim(reminder_id=reminder_id)
        if reminder is None:
            # Sent by a daily run meanwhile, or someone else has it.
            transport.retry_drop(item=ITEM, item_id=reminder_id)
            continue
        _send(reminder, now=now)
        tried += 1
    return tried


def _send(reminder: InvoiceReminder, *, now: dt.datetime | None = None) -> str:
    invoice = reminder.invoice
    subject, body = reminder_text(
        invoice=invoice, amount_open=reminder.amount_open, step=reminder.step
    )
    outcome = transport.deliver(
        transport.Message(
            transport.EMAIL,
            to=reminder.recipient,
            reference=f"reminder-{reminder.pk}",
            subject=subject,
            body=body,
        ),
        item=ITEM,
        item_id=reminder.pk,
        now=now,
    )
    if not outcome.sent:
        invoice_reminder_failed(reminder_id=reminder.pk)
        return InvoiceReminder.Status.FAILED
    invoice_reminder_sent(reminder_id=reminder.pk)
    logger.info("invoice %s: reminder %s sent", invoice.number, reminder.step)
    return InvoiceReminder.Status.SENT
