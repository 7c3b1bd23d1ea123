from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import TestCase

from enrolment.models import Membership, MembershipEvent
from enrolment.services import membership_opt_in, membership_opt_out
from notifications import tasks
from notifications.models import Notice
from notifications.quiet_hours import quiet_hours_end
from notifications.services import notice_deliver, notices_dispatch_batch
from tests.enrolment.factories import MembershipFactory, PersonFactory
from tests.notifications.factories import NoticeFactory

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


def _local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=AMS)


# --- Never twice ------------------------------------------------------------------------------


def test_delivery_task_run_twice_sends_one_message(daytime, sms_outbox):
    notice = NoticeFactory()

    first = tasks.notice_deliver_task.delay(notice.pk).get()
    second = tasks.notice_deliver_task.delay(notice.pk).get()

    assert (first, second) == ("sent", "skipped")
    assert len(sms_outbox()) == 1
    notice.refresh_from_db()
    assert notice.attempts == 1


def test_dispatcher_hands_notices_over_in_chunks_and_a_chunk_run_twice_sends_nothing_twice(
    daytime, sms_outbox, monkeypatch
):
    notices = [NoticeFactory() for _ in range(5)]
    monkeypatch.setattr(tasks, "DELIVERY_CHUNK", 2)
    published = []
    real_delay = tasks.notices_deliver_task.delay
    monkeypatch.setattr(
        tasks.notices_deliver_task, "delay", lambda ids: published.append(ids) or real_delay(ids)
    )

    handed = tasks.notices_dispatch_task.delay().get()
    chunks = [len(ids) for ids in published]
    again = tasks.notices_deliver_task.delay([n.pk for n in notices]).get()

    assert handed == 5
    assert chunks == [2, 2, 1]
    assert again == {"skipped": 5}
    assert len(sms_outbox()) == 5
    assert set(Notice.objects.values_list("status", flat=True)) == {"sent"}


def test_a_second_notice_for_the_same_person_kind_and_subject_is_refused_by_the_database():
    from django.db import IntegrityError

    notice = NoticeFactory()

    with pytest.raises(IntegrityError):
        Notice.objects.create(
            person=notice.person,
            membership=notice.membership,
            kind="welcome",
            subject=notice.subject,
        )


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_deliveries_of_one_notice_send_one_message(settings, sms_outbox):
    settings.UNIONROLL_SMS_BACKEND = "tests.notifications.fakes.SlowFileSmsBackend"
    notice = NoticeFactory()
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def deliver() -> None:
        try:
            start.wait()
            outcomes.append(
                notice_deliver(
                    notice_id=notice.pk, now=dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
                ).status
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["sent", "skipped"]
    assert len(sms_outbox()) == 1
    assert Notice.objects.get(pk=notice.pk).attempts == 1


# --- Quiet hours ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "resume"),
    [
        (_local(2026, 11, 20, 20, 59), None),
        (_local(2026, 11, 20, 21, 0), _local(2026, 11, 21, 8, 0)),
        (_local(2026, 11, 21, 7, 59), _local(2026, 11, 21, 8, 0)),
        (_local(2026, 11, 21, 8, 0), None),
        # Into summer time (29 March 2026, 02:00 -> 03:00): 08:00 CEST is 06:00 UTC.
        (_local(2026, 3, 28, 21, 0), dt.datetime(2026, 3, 29, 6, 0, tzinfo=dt.UTC)),
        (_local(2026, 3, 29, 7, 59), dt.datetime(2026, 3, 29, 6, 0, tzinfo=dt.UTC)),
        (_local(2026, 3, 29, 8, 0), None),
        # Back to winter time (25 October 2026, 03:00 -> 02:00): 08:00 CET is 07:00 UTC.
        (_local(2026, 10, 24, 21, 0), dt.datetime(2026, 10, 25, 7, 0, tzinfo=dt.UTC)),
        (_local(2026, 10, 25, 7, 59), dt.datetime(2026, 10, 25, 7, 0, tzinfo=dt.UTC)),
        (_local(2026, 10, 25, 8, 0), None),
    ],
)
def test_quiet_hours_run_from_21_to_08_dutch_time(now, resume):
    assert quiet_hours_end(now) == resume


@pytest.mark.parametrize(
    ("local_now", "sent"),
    [
        (_local(2026, 11, 20, 20, 59), True),
        (_local(2026, 11, 20, 21, 0), False),
        (_local(2026, 11, 21, 7, 59), False),
        (_local(2026, 11, 21, 8, 0), True),
        (_local(2026, 3, 29, 7, 59), False),
        (_local(2026, 10, 25, 8, 0), True),
    ],
)
def test_a_notice_due_in_quiet_hours_waits_and_is_recorded_deferred(local_now, sent, sms_outbox):
    notice = NoticeFactory()

    with time_machine.travel(local_now, tick=False):
        status = tasks.notice_deliver_task.delay(notice.pk).get()

    notice.refresh_from_db()
    if sent:
        assert status == "sent" and len(sms_outbox()) == 1
    else:
        assert status == "deferred" and sms_outbox() == []
        assert notice.status == "deferred"
        assert notice.attempts == 0  # waiting is not an attempt
        assert notice.not_before.astimezone(AMS).time() == dt.time(8, 0)
        assert notice.not_before > local_now


def test_with_a_worker_a_deferred_notice_is_left_to_the_dispatcher_not_scheduled_ahead(
    monkeypatch, sms_outbox
):
    # A Redis broker hands an unacknowledged ETA message out again after its visibility
    # timeout: retries come from the database, never from task messages hours ahead.
    from unionroll.celery import app

    scheduled = []
    monkeypatch.setattr(
        tasks.notice_deliver_task, "apply_async", lambda *a, **kw: scheduled.append((a, kw))
    )
    notice = NoticeFactory()

    app.conf.task_always_eager = False  # as with a broker; conftest restores it
    with time_machine.travel(_local(2026, 3, 28, 22, 30), tick=False):
        # apply() runs the task body here, as a worker would.
        tasks.notice_deliver_task.apply(args=(notice.pk,))

    assert scheduled == []
    notice.refresh_from_db()
    # Not marked as queued: the dispatcher's 08:00 run takes it.
    assert (notice.status, notice.queued_at) == ("deferred", None)
    assert notice.not_before == _local(2026, 3, 29, 8, 0)
    with time_machine.travel(_local(2026, 3, 29, 8, 0), tick=False):
        assert notices_dispatch_batch() == [notice.pk]


def test_dispatcher_takes_nothing_in_quiet_hours_and_sends_deferred_notices_at_08_00(sms_outbox):
    notice = NoticeFactory()
    with time_machine.travel(_local(2026, 11, 20, 23, 0), tick=False):
        tasks.notice_deliver_task.delay(notice.pk)
        assert tasks.notices_dispatch_task.delay().get() == 0

    with time_machine.travel(_local(2026, 11, 21, 8, 0), tick=False):
        assert tasks.notices_dispatch_task.delay().get() == 1
        assert tasks.notices_dispatch_task.delay().get() == 0

    notice.refresh_from_db()
    assert notice.status == "sent" and len(sms_outbox()) == 1


def test_dispatcher_queues_a_due_notice_once_and_again_only_when_its_task_was_lost(daytime):
    notice = NoticeFactory()
    Notice.objects.filter(pk=notice.pk).update(
        queued_at=dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
    )

    assert notices_dispatch_batch() == []  # queued half an hour ago: its task is on the way

    daytime.shift(dt.timedelta(minutes=31))
    assert notices_dispatch_batch() == [notice.pk]  # an hour and no claim: queue again
    assert notices_dispatch_batch() == []


# --- The welcome starts the opt-out window ----------------------------------------------------


def test_the_opt_out_window_starts_when_the_welcome_is_sent(daytime):
    membership = MembershipFactory(
        enrolled_on=dt.date(2026, 11, 10), window_ends=dt.date(2026, 12, 10)
    )
    notice = NoticeFactory(membership=membership)

    notice_deliver(notice_id=notice.pk)  # on 20 November

    membership.refresh_from_db()
    assert membership.window_ends == dt.date(2026, 12, 20)
    event = MembershipEvent.objects.filter(membership=membership, reason="window_started").get()
    assert (event.from_status, event.to_status, event.actor) == ("enrolled", "enrolled", "system")
    assert event.data["previous_window_ends"] == "2026-12-10"
    assert event.data["sent_on"] == "2026-11-20"


def test_the_window_is_not_moved_for_a_member_who_has_left_meanwhile(daytime):
    membership = MembershipFactory()
    notice = NoticeFactory(membership=membership)
    membership_opt_out(membership=membership, actor="member", reason="portal")

    outcome = notice_deliver(notice_id=notice.pk)

    membership.refresh_from_db()
    assert outcome.status == "cancelled"
    assert membership.window_ends == dt.date(2026, 12, 10)
    assert not MembershipEvent.objects.filter(reason="window_started").exists()


def test_a_welcome_for_an_earlier_spell_does_not_move_the_new_spells_window(daytime):
    from enrolment.services.memberships import membership_window_start

    membership = MembershipFactory(spell=2)

    assert (
        membership_window_start(membership_id=membership.pk, spell=1, sent_on=dt.date(2026, 11, 20))
        is None
    )
    membership.refresh_from_db()
    assert membership.window_ends == dt.date(2026, 12, 10)


# --- Confirmations ----------------------------------------------------------------------------


def test_opt_out_inside_the_window_confirms_that_it_is_as_if_never_a_member(daytime):
    membership = MembershipFactory(person=PersonFactory(phone=None, language="nl"))

    with TestCase.captureOnCommitCallbacks(execute=True):
        membership_opt_out(membership=membership, actor="member", reason="portal")

    notice = Notice.objects.get(kind="opt_out")
    assert notice.status == "sent" and notice.subject == f"membership:{membership.pk}:spell:1"
    [message] = mail.outbox
    assert message.subject == "Je bent geen lid meer van de vakbond"
    assert "Je hebt op tijd opgezegd." in message.body
    assert "Het is dus alsof je nooit lid bent geweest." in message.body
    assert "geëindigd" not in message.body


def test_opt_out_after_the_window_confirms_the_end_date(daytime, sms_outbox):
    membership = MembershipFactory(person=PersonFactory(language="pl"))

    with TestCase.captureOnCommitCallbacks(execute=True):
        membership_opt_out(
            membership=membership, actor="member", reason="portal", today=dt.date(2027, 1, 5)
        )

    [message] = sms_outbox()
    assert "Członkostwo zakończyło się 5 stycznia 2027." in message["text"]
    assert "nigdy nie było" not in message["text"]


def test_confirmation_says_what_was_true_when_it_was_recorded(daytime, sms_outbox):
    # Left in the window, rejoined before the confirmation went out: it still says "void".
    membership = MembershipFactory(person=PersonFactory(language="en"))
    membership_opt_out(membership=membership, actor="member", reason="portal")
    membership_opt_in(membership=membership, actor="member", reason="portal")

    tasks.membership_notice_send_task.delay(
        membership.pk, "opt_out", 1, {"void": True, "ended_on": "2026-11-02"}
    )

    assert "It is as if you had never been a member." in sms_outbox()[0]["text"]


def test_rejoining_sends_a_confirmation_once(daytime):
    membership = MembershipFactory(person=PersonFactory(phone=None, language="ro"))
    membership_opt_out(membership=membership, actor="member", reason="portal")

    with TestCase.captureOnCommitCallbacks(execute=True):
        membership_opt_in(membership=membership, actor="member", reason="portal")
    tasks.membership_notice_send_task.delay(
        membership.pk, "opt_in", 2, {"covered_from": "2026-11-20"}
    )

    notice = Notice.objects.get(kind="opt_in")
    assert notice.subject == f"membership:{membership.pk}:spell:2"
    [message] = mail.outbox
    assert message.subject == "Bine ai revenit în sindicat"
    assert "Ești din nou membru al sindicatului" in message.body
    assert "de la 20 noiembrie 2026." in message.body


def test_no_confirmation_is_queued_when_the_change_rolls_back(daytime):
    membership = MembershipFactory()

    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        membership_opt_out(membership=membership, actor="member", reason="portal")
    # One callback, run only on commit; a rolled-back opt-out never runs it.
    assert len(callbacks) == 1
    assert not Notice.objects.filter(kind="opt_out").exists()


# --- Window closing soon ----------------------------------------------------------------------


def _sent_welcome(**membership):
    m = MembershipFactory(**membership)
    NoticeFactory(membership=m, status="sent")
    return m


def test_window_closing_notices_go_to_windows_ending_within_three_days_once(daytime, sms_outbox):
    today = dt.date(2026, 11, 20)
    closing = _sent_welcome(window_ends=today + dt.timedelta(days=3))
    closing_today = _sent_welcome(window_ends=today)
    _sent_welcome(window_ends=today + dt.timedelta(days=4))  # later
    _sent_welcome(window_ends=today - dt.timedelta(days=1))  # already closed
    _sent_welcome(window_ends=today + dt.timedelta(days=2), status=Membership.Status.OPTED_OUT)
    unwelcomed = MembershipFactory(window_ends=today + dt.timedelta(days=2))
    NoticeFactory(membership=unwelcomed)  # welcome still due: it will start the window

    first = tasks.window_closing_notices_record_task.delay().get()
    second = tasks.window_closing_notices_record_task.delay().get()

    assert (first, second) == (2, 0)
    notices = Notice.objects.filter(kind="window_closing")
    assert {n.membership_id for n in notices} == {closing.pk, closing_today.pk}
    assert {n.status for n in notices} == {"sent"}
    texts = sorted(m["text"] for m in sms_outbox())
    assert any("najpóźniej 23 listopada 2026" in t for t in texts)


def test_window_closing_notice_is_cancelled_if_the_member_left_before_it_went_out(daytime):
    membership = _sent_welcome(window_ends=dt.date(2026, 11, 22))
    from notifications.services import window_closing_notices_record

    [notice_id] = window_closing_notices_record()
    membership_opt_out(membership=membership, actor="member", reason="portal")

    assert notice_deliver(notice_id=notice_id).status == "cancelled"


# --- Personal data stays out of the logs ------------------------------------------------------


def test_logs_carry_ids_and_codes_but_no_personal_data(daytime, caplog, twilio):
    import logging

    caplog.set_level(logging.DEBUG)
    people = [
        PersonFactory(first_name="Ștefan", last_name="Țăranu", phone="+40722999111"),
        PersonFactory(
            first_name="Anna", last_name="Kowalczyk", phone=None, email="anna.k@example.com"
        ),
        PersonFactory(first_name="Oksana", last_name="Шевченко", phone=None, email=None),
    ]
    twilio.responses.append(
        (400, {"code": 21211, "message": "Invalid 'To' Phone Number +40722999111"})
    )
    notices = [NoticeFactory(membership=MembershipFactory(person=p)) for p in people]

    for notice in notices:
        notice_deliver(notice_id=notice.pk)

    assert "twilio_21211" in caplog.text
    for person in people:
        for value in (person.first_name, person.last_name, person.phone, person.email):
            if value:
                assert value not in caplog.text
