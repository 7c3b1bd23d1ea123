"""The link form answers a known and an unknown contact with the same work, so in the same time:
the request only counts the limits and stores what was typed; a task looks the contact up,
issues the link and has it sent. Only the request's id goes to the broker."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enrolment import credentials as signin
from enrolment import tasks
from enrolment.models import SignInLink, SignInRequest
from portal.session import SESSION_KEY
from tests.enrolment.factories import MembershipFactory, PersonFactory
from tests.portal.factories import link_form, link_in, link_use

pytestmark = pytest.mark.django_db

SIGN_IN = "/my/sign-in/"
# Friday 20 November 2026, 11:05 in Amsterdam: outside quiet hours, inside a limit window.
DAYTIME = dt.datetime(2026, 11, 20, 10, 5, tzinfo=dt.UTC)
# What a lookup of a person, their membership or a link would touch.
LOOKUP_TABLES = ("enrolment_person", "enrolment_membership", "enrolment_signinlink")


@pytest.fixture(autouse=True)
def _outbox_and_clock(settings, tmp_path):
    settings.UNIONROLL_SMS_BACKEND = "notifications.channels.sms.FileSmsBackend"
    settings.UNIONROLL_SMS_FILE_PATH = tmp_path / "sms"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.UNIONROLL_PORTAL_BASE_URL = "https://leden.bond.example"
    settings.UNIONROLL_SIGNIN_LINK_MINUTES = 15
    with time_machine.travel(DAYTIME, tick=True):
        yield


@pytest.fixture
def known():
    return MembershipFactory(person=PersonFactory(phone="+31612345678", language="ro"))


def _queries(client, contact: str, ip: str, capture) -> tuple[object, list[str], list]:
    """Post the link form; the SQL the request ran and the on-commit work it left (not run)."""
    with capture(execute=False) as callbacks, CaptureQueriesContext(connection) as queries:
        response = client.post(SIGN_IN, link_form(contact), REMOTE_ADDR=ip)
    return response, [q["sql"] for q in queries.captured_queries], callbacks


def _shape(sql: list[str]) -> list[str]:
    """The statements without their values (ids, timestamps, what was typed)."""
    return [re.sub(r"'[^']*'|\"s\d+_x\d+\"|\b\d+\b", "?", statement) for statement in sql]


def test_the_request_looks_nobody_up_and_stores_what_was_typed_for_the_task(
    client, known, django_capture_on_commit_callbacks
):
    response, sql, callbacks = _queries(
        client, "06 12345678", "192.0.2.1", django_capture_on_commit_callbacks
    )

    assert response.status_code == 302
    assert not [s for s in sql if any(table in s for table in LOOKUP_TABLES)], sql
    [request] = SignInRequest.objects.all()
    assert (request.channel, request.contact) == ("sms", "+31612345678")
    assert len(callbacks) == 1  # the task, queued when the request commits
    assert not SignInLink.objects.exists()


def test_a_known_and_an_unknown_number_run_the_same_statements(
    client, known, django_capture_on_commit_callbacks
):
    known_answer, known_sql, _ = _queries(
        client, "0612345678", "192.0.2.1", django_capture_on_commit_callbacks
    )
    unknown_answer, unknown_sql, _ = _queries(
        client, "0687654321", "192.0.2.2", django_capture_on_commit_callbacks
    )

    assert (known_answer.status_code, known_answer["Location"]) == (
        unknown_answer.status_code,
        unknown_answer["Location"],
    )
    assert _shape(known_sql) == _shape(unknown_sql)


def test_only_the_requests_id_goes_to_the_broker_on_the_notifications_queue(
    client, known, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(
        tasks.signin_request_process_task,
        "apply_async",
        lambda args=None, **options: sent.append((args, options)),
    )

    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGN_IN, link_form("0612345678"), REMOTE_ADDR="192.0.2.1")

    [request] = SignInRequest.objects.all()
    assert sent == [((request.pk,), {"queue": "notifications"})]


def test_the_task_sends_a_link_to_a_known_number(
    client, known, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGN_IN, link_form("0612345678"), REMOTE_ADDR="192.0.2.1")

    [sms] = sms_outbox()
    assert sms["to"] == "+31612345678"
    assert not SignInRequest.objects.exists()  # claimed and gone
    link_use(client, link_in(sms["text"]))
    assert client.session.get(SESSION_KEY) == known.pk


def test_the_task_sends_nothing_for_an_unknown_number(
    client, known, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGN_IN, link_form("0687654321"), REMOTE_ADDR="192.0.2.1")

    assert sms_outbox() == []
    assert not SignInLink.objects.exists()
    assert not SignInRequest.objects.exists()


def test_a_task_run_twice_sends_one_link(client, known, sms_outbox):
    request = SignInRequest.objects.create(channel="sms", contact="+31612345678")

    first = signin.signin_request_process(request_id=request.pk)
    again = signin.signin_request_process(request_id=request.pk)

    assert (first, again) == ("issued", "gone")
    assert SignInLink.objects.count() == 1


def test_a_request_whose_task_comes_too_late_sends_nothing_and_old_requests_are_deleted(known):
    late = SignInRequest.objects.create(channel="sms", contact="+31612345678")
    forgotten = SignInRequest.objects.create(channel="sms", contact="+31600000000")
    fresh = SignInRequest.objects.create(channel="sms", contact="+31612345678")
    SignInRequest.objects.filter(pk__in=[late.pk, forgotten.pk]).update(
        created_at=DAYTIME - dt.timedelta(minutes=16)
    )

    outcome = signin.signin_request_process(request_id=late.pk)

    assert outcome == "stale"
    assert not SignInLink.objects.exists()
    # The request whose task never ran is gone too; the fresh one waits for its own task.
    assert list(SignInRequest.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_the_date_of_birth_and_the_page_to_go_to_travel_with_the_request(client):
    mother = MembershipFactory(
        person=PersonFactory(phone="+31612345678", date_of_birth=dt.date(1970, 3, 1))
    )
    MembershipFactory(person=PersonFactory(phone="+31612345678", date_of_birth=dt.date(1999, 8, 9)))
    data = {**link_form("0612345678", "1970-03-01"), "next": "leave"}

    client.post(SIGN_IN, data, REMOTE_ADDR="192.0.2.1")
    [request] = SignInRequest.objects.all()
    assert signin.signin_request_process(request_id=request.pk) == "issued"

    link = SignInLink.objects.get()
    assert (link.membership_id, link.destination) == (mother.pk, "leave")
