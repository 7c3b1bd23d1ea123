"""The one outbound pipeline (notifications.transport): every kind of message is sent through
deliver(), which records each attempt and applies one retry policy; retries come from the
database, picked up by the dispatcher."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from notifications import tasks, transport
from notifications.channels import sms
from notifications.channels.sms import PermanentSmsError, TemporarySmsError
from notifications.models import DeliveryAttempt, Notice
from tests.notifications.factories import NoticeFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


class Failing:
    def __init__(self, error):
        self.error = error

    def send(self, to, text):
        raise self.error


def _sms(to="+31612345678"):
    return transport.Message(transport.SMS, to=to, reference="test-1", body="Hello")


def test_the_retry_policy_doubles_the_wait_and_stops_after_the_last_attempt(settings):
    settings.UNIONROLL_NOTICE_RETRY_SECONDS = 60
    settings.UNIONROLL_NOTICE_MAX_ATTEMPTS = 4
    waits = [transport.retry_at(attempts=n, now=NOW) for n in (1, 2, 3, 4)]
    assert [w - NOW if w else None for w in waits] == [
        dt.timedelta(seconds=60),
        dt.timedelta(seconds=120),
        dt.timedelta(seconds=240),
        None,
    ]


def test_each_try_is_recorded_with_its_result_and_code_but_no_address(monkeypatch, sms_outbox):
    sent = transport.deliver(_sms(), item="notice", item_id=1, attempt=1, now=NOW)
    monkeypatch.setattr(sms, "sms_backend", lambda: Failing(TemporarySmsError("sms_http_503")))
    later = transport.deliver(_sms(), item="notice", item_id=2, attempt=1, now=NOW)
    monkeypatch.setattr(sms, "sms_backend", lambda: Failing(PermanentSmsError("twilio_21211")))
    refused = transport.deliver(_sms(), item="notice", item_id=3, attempt=1, now=NOW)

    assert (sent.result, later.result, refused.result) == ("sent", "temporary", "permanent")
    assert later.retry_at == NOW + dt.timedelta(seconds=60) and refused.retry_at is None
    rows = list(
        DeliveryAttempt.objects.order_by("item_id").values_list("item_id", "result", "code")
    )
    assert rows == [
        (1, "sent", ""),
        (2, "temporary", "sms_http_503"),
        (3, "permanent", "twilio_21211"),
    ]
    assert len(sms_outbox()) == 1
    stored = " ".join(str(v) for row in DeliveryAttempt.objects.values() for v in row.values())
    assert "+31612345678" not in stored


def test_a_bug_in_a_channel_is_a_permanent_failure_not_an_exception(monkeypatch):
    monkeypatch.setattr(sms, "sms_backend", lambda: Failing(KeyError("+31612345678")))
    outcome = transport.deliver(_sms(), item="notice", item_id=4, attempt=1, now=NOW)
    assert (outcome.result, outcome.code) == ("permanent", "error_KeyError")


def test_a_message_useless_after_a_moment_is_not_retried_after_it(monkeypatch):
    monkeypatch.setattr(sms, "sms_backend", lambda: Failing(TemporarySmsError("sms_http_503")))
    outcome = transport.deliver(
        _sms(), item="signin_link", item_id=5, attempt=1, now=NOW, give_up_at=NOW
    )
    assert (outcome.result, outcome.retry_at) == ("temporary", None)


def test_retries_due_follows_the_latest_attempt_of_each_item(monkeypatch, sms_outbox):
    monkeypatch.setattr(sms, "sms_backend", lambda: Failing(TemporarySmsError("sms_http_503")))
    transport.deliver(_sms(), item="invoice_reminder", item_id=6, attempt=1, now=NOW)
    transport.deliver(_sms(), item="invoice_reminder", item_id=7, attempt=1, now=NOW)
    monkeypatch.undo()
    # Item 7 was sent by its second try: nothing left to retry for it.
    transport.deliver(_sms(), item="invoice_reminder", item_id=7, attempt=2, now=NOW)

    assert transport.retries_due(item="invoice_reminder", now=NOW) == []
    later = NOW + dt.timedelta(minutes=2)
    assert transport.retries_due(item="invoice_reminder", now=later) == [6]
    assert transport.retries_due(item="notice", now=later) == []
    # Given up (sent by other means, expired): no longer picked up, the history stays.
    transport.retry_drop(item="invoice_reminder", item_id=6)
    assert transport.retries_due(item="invoice_reminder", now=later) == []
    assert DeliveryAttempt.objects.filter(item="invoice_reminder").count() == 3


def test_a_member_notice_that_failed_for_now_is_sent_by_the_dispatcher(
    monkeypatch, daytime, sms_outbox
):
    notice = NoticeFactory()
    monkeypatch.setattr(sms, "sms_backend", lambda: Failing(TemporarySmsError("sms_http_503")))
    assert tasks.notice_deliver_task.delay(notice.pk).get() == "deferred"
    monkeypatch.undo()

    assert tasks.notices_dispatch_task.delay().get() == 0  # not before its retry time
    daytime.shift(dt.timedelta(minutes=2))
    assert tasks.notices_dispatch_task.delay().get() == 1

    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (Notice.Status.SENT, 2)
    assert list(
        DeliveryAttempt.objects.filter(item="notice", item_id=notice.pk)
        .order_by("attempt")
        .values_list("attempt", "result")
    ) == [(1, "temporary"), (2, "sent")]
    assert len(sms_outbox()) == 1 and mail.outbox == []
