"""Arrears: overdue invoices in ageing buckets; payment reminders to the payer's billing e-mail
at UNIONROLL_REMINDER_DAYS after the due date, each step once (a database constraint), never
for a paid or pending invoice, recorded as no_contact without an address; the payer statement.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from levies.models import InvoiceReminder, Payment
from levies.selectors import arrears_ageing, invoices_overdue, payer_statement
from levies.services.arrears import reminder_days
from notifications.services.reminders import invoice_reminders_send
from notifications.tasks import invoice_reminders_send_task
from tests.employers.factories import OrganisationFactory
from tests.levies.desk_helpers import issued, stripe_paid
from tests.levies.payments import documents_match_their_postings
from unionroll.exceptions import ApplicationError

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("documents_match_their_postings")]
__all__ = ["documents_match_their_postings"]
D = Decimal
DUE = dt.date(2027, 1, 13)


def _day(days_after_due: int) -> dt.date:
    return DUE + dt.timedelta(days=days_after_due)


@pytest.fixture
def payer():
    return OrganisationFactory(name="Flexkracht B.V.", billing_email="crediteuren@flex.example")


# --- ageing -----------------------------------------------------------------------------------


def test_overdue_invoices_fall_into_ageing_buckets_by_days_past_due(payer):
    for days in (1, 30, 31, 60, 61, 90, 91, 400):
        issued("10.00", payer, due_date=DUE - dt.timedelta(days=days))
    issued("99.00", payer, due_date=DUE)  # due today: not overdue yet
    partly = issued("50.00", payer, due_date=DUE - dt.timedelta(days=5))
    stripe_paid(partly, "20.00", "pi_part")

    ageing = arrears_ageing(today=DUE)

    assert [(b["label"], b["count"], b["amount"]) for b in ageing["buckets"]] == [
        ("1-30", 3, D("50.00")),  # 1, 30, and 30.00 open of the partly paid one
        ("31-60", 2, D("20.00")),
        ("61-90", 2, D("20.00")),
        ("90+", 2, D("20.00")),
    ]
    assert ageing["amount"] == D("110.00")


def test_paid_written_off_credit_notes_and_pending_payments_are_not_in_arrears(payer):
    paid = issued("10.00", payer, due_date=DUE - dt.timedelta(days=3))
    stripe_paid(paid, "10.00", "pi_paid")
    issued("-5.00", payer, kind="credit_note")
    pending = issued("10.00", payer, due_date=DUE - dt.timedelta(days=3))
    Payment.objects.create(
        source="stripe",
        external_reference="pi_pending",
        invoice=pending,
        amount=D("10.00"),
        status="processing",
    )
    type(pending).objects.filter(pk=pending.pk).update(payment_pending=True)

    assert invoices_overdue(today=DUE) == []


# --- reminders --------------------------------------------------------------------------------


def test_reminder_days_come_from_the_setting(settings):
    settings.UNIONROLL_REMINDER_DAYS = "30, 10,20"
    assert reminder_days() == [10, 20, 30]
    settings.UNIONROLL_REMINDER_DAYS = "7,soon"
    with pytest.raises(ApplicationError):
        reminder_days()


def test_first_reminder_goes_seven_days_after_the_due_date_once(payer):
    invoice = issued("123.45", payer, due_date=DUE)

    assert invoice_reminders_send(today=_day(6))["sent"] == 0
    first = invoice_reminders_send(today=_day(7))
    again = invoice_reminders_send(today=_day(8))
    invoice_reminders_send_task.delay()  # the daily task, run once more on another day

    assert (first["sent"], again["sent"]) == (1, 0)
    assert len(mail.outbox) == 1
    reminder = InvoiceReminder.objects.get(invoice=invoice)
    assert (reminder.step, reminder.days_after_due, reminder.status) == (1, 7, "sent")
    assert reminder.recipient == "crediteuren@flex.example"
    assert reminder.amount_open == D("123.45")


def test_reminder_text_is_bilingual_with_number_amount_due_date_reference_and_iban(payer):
    invoice = issued("123.45", payer, due_date=DUE)
    invoice_reminders_send(today=_day(7))

    [message] = mail.outbox
    assert message.to == ["crediteuren@flex.example"]
    assert invoice.number in message.subject
    body = message.body
    for expected in (
        invoice.number,
        "€ 123,45",
        "13-01-2027",
        " ".join(invoice.payment_reference[i : i + 4] for i in range(0, 16, 4)),
        "NL91 ABNA 0417 1643 00",
        "Geachte",
        "Dear Sir or Madam",
    ):
        assert expected in body
    # Counts and amounts only on an invoice; a reminder does not even name a site.
    assert "Slachterij" not in body and "members" not in body.lower()


def test_each_step_goes_once_and_a_late_run_skips_to_the_latest_step(payer):
    on_time = issued("10.00", payer, due_date=DUE)
    late = issued("20.00", payer, due_date=DUE - dt.timedelta(days=30))

    invoice_reminders_send(today=_day(7))  # on_time: step 1; late (37 days): step 2
    invoice_reminders_send(today=_day(21))  # on_time: step 2
    invoice_reminders_send(today=_day(45))  # on_time: step 3; late (75 days): step 3

    def steps(invoice):
        return list(InvoiceReminder.objects.filter(invoice=invoice).values_list("step", "status"))

    assert steps(on_time) == [(1, "sent"), (2, "sent"), (3, "sent")]
    assert steps(late) == [(1, "skipped"), (2, "sent"), (3, "sent")]
    assert len(mail.outbox) == 5


def test_the_database_refuses_a_second_reminder_for_the_same_step(payer):
    invoice = issued("10.00", payer, due_date=DUE)
    invoice_reminders_send(today=_day(7))

    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceReminder.objects.create(
            invoice=invoice, step=1, days_after_due=7, status="sent", amount_open=D("10.00")
        )


def test_payer_without_billing_email_gets_its_reminder_recorded_as_no_contact():
    invoice = issued("10.00", OrganisationFactory(billing_email=""), due_date=DUE)

    counts = invoice_reminders_send(today=_day(7))
    invoice_reminders_send(today=_day(8))

    assert counts["no_contact"] == 1
    assert mail.outbox == []
    assert list(InvoiceReminder.objects.values_list("invoice", "step", "status")) == [
        (invoice.pk, 1, "no_contact")
    ]


def test_a_paid_invoice_gets_no_reminder(payer):
    invoice = issued("10.00", payer, due_date=DUE)
    stripe_paid(invoice, "10.00", "pi_1")

    invoice_reminders_send(today=_day(30))

    assert mail.outbox == []
    assert not InvoiceReminder.objects.exists()


def test_a_failed_send_is_tried_again_on_the_next_run(payer, monkeypatch):
    invoice = issued("10.00", payer, due_date=DUE)

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    assert invoice_reminders_send(today=_day(7))["failed"] == 1
    monkeypatch.undo()
    assert invoice_reminders_send(today=_day(8))["sent"] == 1

    assert InvoiceReminder.objects.get(invoice=invoice).status == "sent"
    assert len(mail.outbox) == 1


def test_a_reminder_that_failed_for_now_is_sent_by_the_dispatcher_with_each_try_recorded(
    payer, monkeypatch
):
    from notifications.models import DeliveryAttempt
    from notifications.services.reminders import invoice_reminders_retry

    invoice = issued("10.00", payer, due_date=DUE)

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    assert invoice_reminders_send(today=_day(7))["failed"] == 1
    monkeypatch.undo()
    reminder = InvoiceReminder.objects.get(invoice=invoice)
    [first] = DeliveryAttempt.objects.filter(item="invoice_reminder", item_id=reminder.pk)

    assert invoice_reminders_retry(now=first.at) == 0  # not before the policy's wait
    assert invoice_reminders_retry(now=first.retry_at) == 1
    assert invoice_reminders_retry(now=first.retry_at) == 0

    reminder.refresh_from_db()
    assert reminder.status == "sent" and len(mail.outbox) == 1
    tries = DeliveryAttempt.objects.filter(item="invoice_reminder", item_id=reminder.pk)
    assert list(tries.order_by("attempt").values_list("attempt", "result", "code")) == [
        (1, "temporary", "email_OSError"),
        (2, "sent", ""),
    ]


# --- the statement ----------------------------------------------------------------------------


def test_payer_statement_lists_open_items_and_the_ledger_balance(payer):
    late = issued("100.00", payer, due_date=DUE - dt.timedelta(days=10))
    stripe_paid(late, "40.00", "pi_late")
    paid = issued("30.00", payer, due_date=DUE)
    stripe_paid(paid, "30.00", "pi_paid")
    credit_note = issued("-15.00", payer, kind="credit_note")

    statement = payer_statement(organisation=payer, today=DUE)

    items = [(i["document"], i["outstanding"], i["overdue"]) for i in statement["items"]]
    assert items == [(late, D("60.00"), True), (credit_note, D("-15.00"), False)]
    assert statement["open_items_total"] == D("45.00")
    assert statement["balance"] == D("45.00")
