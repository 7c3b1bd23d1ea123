"""Staff and agency logins lock out after repeated failures, per account and per address, say so
without telling whether the account exists, and are unlocked by time or by a union admin; staff
sessions end after UNIONROLL_STAFF_SESSION_HOURS while the member portal keeps its own lifetime
(docs/security.md)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine
from axes.models import AccessAttempt, AccessLog
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.utils import timezone

from portal.session import SESSION_KEY
from tests.employers.factories import OrganisationFactory, UnionAdminFactory, UserFactory
from tests.enrolment.factories import MembershipFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
LOCKED = "Too many failed sign-ins for this account or address."
# Documentation addresses (RFC 5737): strings in the request, no traffic goes anywhere.
HOME, OFFICE, ELSEWHERE = "192.0.2.10", "198.51.100.20", "203.0.113.30"
NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)  # 11:00 in Amsterdam


def _log_in(username: str, password: str, *, address: str, path: str = "/accounts/login/"):
    client = Client(REMOTE_ADDR=address)
    response = client.post(path, {"username": username, "password": password})
    return client, response


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def anna():
    return UserFactory(username="anna", organisation=OrganisationFactory())


@time_machine.travel(NOW, tick=False)
def test_one_account_locks_after_five_failures_from_any_addresses(anna):
    for attempt in range(4):
        _, response = _log_in("anna", "wrong", address=f"192.0.2.{attempt}")
        assert response.status_code == 200  # the form again, with its error
        assert LOCKED not in response.content.decode()
    _, fifth = _log_in("anna", "wrong", address="192.0.2.4")
    assert fifth.status_code == 429  # the fifth failure locks

    client, response = _log_in("anna", PASSWORD, address=ELSEWHERE)

    page = response.content.decode()
    assert response.status_code == 429
    assert LOCKED in page
    # Cool-off of an hour from this try, in Dutch time.
    assert "Try again after 12:00 or ask a union administrator to unlock it." in page
    assert response["Retry-After"] == "3600"
    assert "anna" not in page
    assert not _logged_in(client)


@time_machine.travel(NOW, tick=False)
def test_one_address_locks_after_five_failures_for_any_accounts(anna):
    UserFactory(username="bert", organisation=anna.organisation)
    for username in ["bert", "carla", "dirk", "eva", "frank"]:
        _log_in(username, "wrong", address=OFFICE)

    from_office, locked = _log_in("anna", PASSWORD, address=OFFICE)
    from_home, allowed = _log_in("anna", PASSWORD, address=HOME)

    assert locked.status_code == 429
    assert not _logged_in(from_office)
    assert allowed.status_code == 302
    assert _logged_in(from_home)


@time_machine.travel(NOW, tick=False)
def test_the_lockout_page_does_not_tell_whether_the_account_exists(anna):
    pages = {}
    for username, address in [("anna", HOME), ("nobody-by-this-name", OFFICE)]:
        for _ in range(5):
            _log_in(username, "wrong", address=address)
        _, response = _log_in(username, "wrong", address=address)
        pages[username] = (response.status_code, response.content.decode())

    assert pages["anna"][0] == pages["nobody-by-this-name"][0] == 429
    # The same page, word for word.
    assert pages["anna"][1] == pages["nobody-by-this-name"][1]


@time_machine.travel(NOW, tick=False)
def test_the_admin_login_locks_too():
    UnionAdminFactory(username="ursula", password=PASSWORD)
    for _ in range(5):
        _log_in("ursula", "wrong", address=HOME, path="/admin/login/")

    client, response = _log_in("ursula", PASSWORD, address=HOME, path="/admin/login/")

    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert not _logged_in(client)


def test_the_lockout_ends_after_the_cool_off(anna, settings):
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=60)
    with time_machine.travel(NOW, tick=False):
        for _ in range(5):
            _log_in("anna", "wrong", address=HOME)
        _, locked = _log_in("anna", PASSWORD, address=HOME)
    with time_machine.travel(NOW + dt.timedelta(minutes=59), tick=False):
        # A try during the lockout starts the cool-off again.
        _, still_locked = _log_in("anna", PASSWORD, address=HOME)
    with time_machine.travel(NOW + dt.timedelta(minutes=59 + 61), tick=False):
        client, allowed = _log_in("anna", PASSWORD, address=HOME)
        # Asked at that time: the staff session lasts 8 hours from it, not from today.
        logged_in = _logged_in(client)

    assert locked.status_code == 429
    assert still_locked.status_code == 429
    assert allowed.status_code == 302
    assert logged_in


def test_the_failure_limit_and_cool_off_are_settings(anna, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
    with time_machine.travel(NOW, tick=False):
        _log_in("anna", "wrong", address=HOME)
        _, second = _log_in("anna", "wrong", address=HOME)
        _, third = _log_in("anna", PASSWORD, address=HOME)

    assert second.status_code == 429  # the second failure reaches the limit
    assert third.status_code == 429
    assert "Try again after 11:15" in third.content.decode()


@time_machine.travel(NOW, tick=False)
def test_a_union_admin_unlocks_with_the_admin_action(anna):
    for _ in range(5):
        _log_in("anna", "wrong", address=HOME)
    assert _log_in("anna", PASSWORD, address=HOME)[1].status_code == 429
    admin = Client()
    admin.force_login(UnionAdminFactory())
    attempts = list(AccessAttempt.objects.values_list("pk", flat=True))

    listing = admin.get("/admin/axes/accessattempt/")
    unlocked = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "unlock", "_selected_action": attempts},
        follow=True,
    )
    client, response = _log_in("anna", PASSWORD, address=HOME)

    assert listing.status_code == 200
    assert "locked out" in listing.content.decode()
    assert "Unlocked: 1 attempt(s) deleted" in unlocked.content.decode()
    assert AccessAttempt.objects.count() == 0
    assert response.status_code == 302
    assert _logged_in(client)


@time_machine.travel(NOW, tick=False)
def test_agency_staff_and_staff_without_permission_cannot_unlock(anna):
    for _ in range(5):
        _log_in("anna", "wrong", address=HOME)
    agency = Client()
    agency.force_login(anna)
    plain_staff = Client()
    plain_staff.force_login(UserFactory(organisation=None, is_staff=True))
    pks = list(AccessAttempt.objects.values_list("pk", flat=True))

    by_agency = agency.post(
        "/admin/axes/accessattempt/", {"action": "unlock", "_selected_action": pks}
    )
    by_staff = plain_staff.post(
        "/admin/axes/accessattempt/", {"action": "unlock", "_selected_action": pks}
    )

    assert by_agency.status_code == 302 and "/admin/login/" in by_agency["Location"]
    assert by_staff.status_code == 403
    assert AccessAttempt.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_logs_and_records_keep_no_password_and_no_username_with_address(anna, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "hunter2-not-the-password"
    for _ in range(5):
        _log_in("anna", secret, address=HOME)
    _log_in("anna", PASSWORD, address=ELSEWHERE)

    assert secret not in caplog.text
    assert "anna" not in caplog.text
    assert HOME not in caplog.text and ELSEWHERE not in caplog.text
    attempt = AccessAttempt.objects.get(ip_address=HOME)
    assert secret not in attempt.post_data and "anna" not in attempt.post_data
    # Successful logins are not recorded at all.
    AccessAttempt.objects.all().delete()
    client, _ = _log_in("anna", PASSWORD, address=HOME)
    assert _logged_in(client)
    assert AccessLog.objects.count() == 0


def test_a_staff_session_ends_after_the_setting(anna, settings):
    assert settings.UNIONROLL_STAFF_SESSION_HOURS == 8
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    with time_machine.travel(NOW, tick=False):
        client, response = _log_in("anna", PASSWORD, address=HOME)
        assert response.cookies["sessionid"]["max-age"] == 8 * 60 * 60
        assert client.session.get_expiry_age() == 8 * 60 * 60
    with time_machine.travel(NOW + dt.timedelta(hours=7, minutes=59), tick=False):
        before = client.get("/rosters/")
    with time_machine.travel(NOW + dt.timedelta(hours=8, minutes=1), tick=False):
        after = client.get("/rosters/")

    assert before.status_code == 200
    assert after.status_code == 302
    assert after["Location"].startswith("/accounts/login/")


def test_the_portal_keeps_its_own_session_lifetime(settings):
    membership = MembershipFactory(window_ends=dt.date(2099, 1, 1))
    session = SessionStore()
    session[SESSION_KEY] = membership.pk
    session.create()
    member = Client()
    member.cookies["sessionid"] = session.session_key

    response = member.get("/my/")

    assert response.status_code == 200
    assert settings.UNIONROLL_PORTAL_SESSION_SECONDS == 1800
    assert member.session.get_expiry_age() == 1800
    assert response.cookies["sessionid"]["max-age"] == 1800
    assert (
        timezone.now()
        < member.session.get_expiry_date()
        <= timezone.now() + dt.timedelta(seconds=1800)
    )
