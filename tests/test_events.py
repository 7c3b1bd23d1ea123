"""The domain-event registry (unionroll.events): subscribers run after commit, never for a
rollback, and one that fails neither stops the others nor the publisher."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest
from django.db import transaction

from unionroll import events

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Happened:
    thing_id: int


@dataclass(frozen=True)
class Other:
    thing_id: int


@pytest.fixture
def heard(monkeypatch):
    monkeypatch.setattr(events, "_subscribers", type(events._subscribers)(list))
    seen = []
    events.subscribe(Happened, lambda e: seen.append(("first", e.thing_id)))
    events.subscribe(Happened, lambda e: seen.append(("second", e.thing_id)))
    return seen


def test_subscribers_hear_the_event_only_after_the_transaction_commits(
    heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        events.publish(Happened(7))
        assert heard == []
    assert heard == [("first", 7), ("second", 7)]


def test_a_rolled_back_event_reaches_nobody(heard, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        events.publish(Happened(8))
        raise RuntimeError("the change is undone")
    assert heard == []


def test_only_subscribers_of_that_type_hear_it(heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(Other(9))
    assert heard == []


def test_a_failing_subscriber_is_logged_with_its_traceback_and_the_next_still_runs(
    monkeypatch, caplog, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(events, "_subscribers", type(events._subscribers)(list))
    seen = []

    def broken(event):
        raise ConnectionError("broker down at +31612345678")

    events.subscribe(Happened, broken)
    events.subscribe(Happened, lambda e: seen.append(e.thing_id))
    with (
        caplog.at_level(logging.ERROR, logger="unionroll.events"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        events.publish(Happened(10))

    assert seen == [10]
    [record] = caplog.records
    assert record.exc_info is not None and "broken" in record.getMessage()


def test_subscribing_twice_subscribes_once(monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(events, "_subscribers", type(events._subscribers)(list))
    seen = []

    def handler(event):
        seen.append(event.thing_id)

    events.subscribe(Happened, handler)
    events.subscribe(Happened, handler)
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(Happened(11))
    assert seen == [11]


def test_notifications_listens_to_every_fact_enrolment_publishes():
    from enrolment import events as enrolment_events

    published = [
        value
        for value in vars(enrolment_events).values()
        if isinstance(value, type) and value.__module__ == enrolment_events.__name__
    ]
    assert published and all(events.subscribers(kind) for kind in published)
