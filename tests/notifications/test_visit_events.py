"""A visit's changes are told through events: each service publishes the version it made, and
the fan-out subscribed in NotificationsConfig.ready() queues the notices of that version."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from notifications import listeners, tasks
from notifications.events import VisitCancelled, VisitChanged, VisitScheduled
from notifications.services import visit_cancel, visit_reschedule, visit_schedule
from tests.employers.factories import SiteFactory
from unionroll import events
from unionroll.exceptions import ApplicationError

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
STARTS = dt.datetime(2026, 12, 3, 11, 0, tzinfo=dt.UTC)
ENDS = dt.datetime(2026, 12, 3, 13, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def queued(monkeypatch):
    """The (visit_id, version) pairs handed to the fan-out task, in order."""
    calls: list[tuple[int, int]] = []
    monkeypatch.setattr(tasks.visit_notices_record_task, "delay", lambda *args: calls.append(args))
    return calls


@pytest.mark.parametrize("event_type", [VisitScheduled, VisitChanged, VisitCancelled])
def test_the_fan_out_listens_to_every_visit_event(event_type):
    assert listeners.visit_changed in events.subscribers(event_type)


def test_schedule_move_and_cancel_each_queue_the_version_they_made_on_commit(
    queued, django_capture_on_commit_callbacks
):
    site = SiteFactory()

    with django_capture_on_commit_callbacks(execute=True):
        visit = visit_schedule(site=site, starts_at=STARTS, ends_at=ENDS, place="Kantine")
    with django_capture_on_commit_callbacks(execute=True):
        visit_reschedule(visit_id=visit.pk, place="Poort 3")
    with django_capture_on_commit_callbacks(execute=True):
        visit_cancel(visit_id=visit.pk)

    assert queued == [(visit.pk, 1), (visit.pk, 2), (visit.pk, 3)]


def test_the_events_name_the_kind_of_change(monkeypatch):
    from notifications.services import visits

    published: list[object] = []
    monkeypatch.setattr(visits, "publish", published.append)
    site = SiteFactory()

    visit = visit_schedule(site=site, starts_at=STARTS, ends_at=ENDS, place="Kantine")
    visit_reschedule(visit_id=visit.pk, place="Poort 3")
    visit_cancel(visit_id=visit.pk)

    assert published == [
        VisitScheduled(visit_id=visit.pk, version=1),
        VisitChanged(visit_id=visit.pk, version=2),
        VisitCancelled(visit_id=visit.pk, version=3),
    ]


def test_a_change_to_nothing_and_a_refused_change_publish_nothing(
    queued, django_capture_on_commit_callbacks
):
    site = SiteFactory()
    with django_capture_on_commit_callbacks(execute=True):
        visit = visit_schedule(site=site, starts_at=STARTS, ends_at=ENDS, place="Kantine")
    queued.clear()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        visit_reschedule(visit_id=visit.pk, place="Kantine")
        with pytest.raises(ApplicationError) as error:
            visit_reschedule(visit_id=visit.pk, place="Poort 4", expected_version=7)

    assert error.value.code == "visit_changed"
    assert callbacks == []
    assert queued == []
