"""Retention on a clock set in the test: inactive persons erased (unless billing still needs them),
old sign-in links, contact changes and replaced contacts purged; rate-limit counters short-lived;
the daily task on the beat schedule."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command

from enrolment.credentials import signin_link_create, signin_rate_limited
from enrolment.models import ContactChange, Membership, Person, SignInLink
from enrolment.services import membership_opt_out
from enrolment.services.member_details import person_details_save
from levies.services import levies_assess, period_billing_issue
from notifications.models import Notice
from notifications.services import contact_changed_notice_record
from privacy.models import Erasure
from privacy.retention import retention_run
from tests.levies.conftest import PE, PS, import_roster, make_scheme, worker

pytestmark = pytest.mark.django_db

IMPORTED = dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC)
TWO_YEARS_LATER = dt.datetime(2028, 11, 20, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def people(tmp_path, meat, flexwerk):
    make_scheme(meat, base="covered_workers")
    with time_machine.travel(IMPORTED, tick=False):
        import_roster(tmp_path, flexwerk, [worker(1), worker(2)])
    return list(Person.objects.order_by("pk"))


def _leave_and_bill(person):
    membership = Membership.objects.get(person=person)
    membership_opt_out(
        membership=membership, actor="member", reason="", today=dt.date(2026, 11, 11)
    )
    levies_assess(period_start=PS, period_end=PE, today=dt.date(2026, 11, 12))
    period_billing_issue(period_start=PS, period_end=PE, issue_date=dt.date(2026, 11, 12))


def test_inactive_persons_are_erased_after_the_set_time(people):
    left, stays = people
    _leave_and_bill(left)
    # A year on: not yet.
    counts = retention_run(now=dt.datetime(2027, 11, 20, 3, 0, tzinfo=dt.UTC))
    assert counts["persons_erased"] == 0
    counts = retention_run(now=TWO_YEARS_LATER)
    assert counts["persons_erased"] == 1
    left.refresh_from_db()
    stays.refresh_from_db()
    assert left.erased_at is not None and left.last_name == ""
    # Still a member (their membership runs, never lapsed by the daily job here): kept.
    assert stays.erased_at is None and stays.last_name
    erasure = Erasure.objects.get()
    assert erasure.via == "retention" and erasure.person_id == left.pk
    # Twice is the same as once.
    assert retention_run(now=TWO_YEARS_LATER)["persons_erased"] == 0


def test_the_inactive_time_is_a_setting(people, settings):
    left, _stays = people
    _leave_and_bill(left)
    settings.UNIONROLL_RETENTION_INACTIVE_DAYS = 30
    assert retention_run(now=dt.datetime(2026, 12, 20, 3, 0, tzinfo=dt.UTC))["persons_erased"] == 1


def test_a_person_billing_still_needs_is_kept(people):
    left, _stays = people
    Membership.objects.filter(person=left).update(status="lapsed")
    # Not assessed, not billed: kept, and counted.
    counts = retention_run(now=TWO_YEARS_LATER)
    assert counts["persons_erased"] == 0 and counts["persons_kept_for_billing"] == 1
    left.refresh_from_db()
    assert left.erased_at is None


def test_old_sign_in_data_is_purged(people):
    person = people[0]
    membership = Membership.objects.get(person=person)
    with time_machine.travel(IMPORTED, tick=False):
        signin_link_create(membership_id=membership.pk, channel="sms")
        person_details_save(
            person_id=person.pk,
            language="pl",
            phone=person.phone,
            email="nowy@example.org",
            client="192.0.2.1",
        )
        notice_id = contact_changed_notice_record(
            person_id=person.pk, field="email", previous="stary@example.org"
        )
        Notice.objects.filter(pk=notice_id).update(status="sent", sent_at=IMPORTED)
    fresh_now = IMPORTED + dt.timedelta(days=10)
    counts = retention_run(now=fresh_now)
    assert counts["sign_in_links_deleted"] == 0 and counts["contact_changes_deleted"] == 0
    assert counts["replaced_contacts_cleared"] == 0

    counts = retention_run(now=IMPORTED + dt.timedelta(days=31))
    assert counts["sign_in_links_deleted"] == 1
    assert counts["contact_changes_deleted"] == 1
    assert counts["replaced_contacts_cleared"] == 1
    assert not SignInLink.objects.exists() and not ContactChange.objects.exists()
    assert Notice.objects.get(pk=notice_id).data is None


def test_rate_limit_counters_live_one_short_window(monkeypatch):
    timeouts = []
    backend = caches["default"]
    real_add = backend.add

    def add(key, value, timeout=None, **kwargs):
        timeouts.append(timeout)
        return real_add(key, value, timeout=timeout, **kwargs)

    monkeypatch.setattr(backend, "add", add)
    signin_rate_limited(scope="phone", value="+48601234567", limit=5)
    window = settings.UNIONROLL_SIGNIN_LIMIT_WINDOW_SECONDS
    assert timeouts and 0 < timeouts[0] <= window + 1 <= 3600


def test_the_command_prints_counts(db):
    out = StringIO()
    call_command("retention_run", stdout=out)
    assert "persons_erased: 0" in out.getvalue()
    assert "sign_in_links_deleted: 0" in out.getvalue()


def test_the_task_is_on_the_daily_schedule(db, caplog):
    entry = settings.CELERY_BEAT_SCHEDULE["privacy-retention-daily"]
    assert entry["task"] == "privacy.tasks.retention_run_task"
    from privacy.tasks import retention_run_task

    with caplog.at_level("INFO", logger="privacy.retention"):
        counts = retention_run_task.delay().get()
    assert counts["persons_erased"] == 0
    assert "retention run: persons_erased 0" in caplog.text


def test_a_used_welcome_link_that_still_works_is_kept(people):
    # A welcome link works until the opt-out window ends, however often it was used.
    membership = Membership.objects.get(person=people[0])
    link = SignInLink.objects.create(
        membership=membership,
        token_hash="f" * 64,
        channel="sms",
        purpose=SignInLink.Purpose.WELCOME,
        expires_at=IMPORTED + dt.timedelta(days=60),
        used_at=IMPORTED,
    )
    assert retention_run(now=IMPORTED + dt.timedelta(days=31))["sign_in_links_deleted"] == 0
    assert SignInLink.objects.filter(pk=link.pk).exists()
    retention_run(now=IMPORTED + dt.timedelta(days=61))
    assert not SignInLink.objects.filter(pk=link.pk).exists()
