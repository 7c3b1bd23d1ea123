"""From the welcome notice into the portal: the personal link, deep links that survive signing
in, and the page's language (the member's, not the browser's; the header's switch changes the
page, never the language of the member's notices)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from enrolment import credentials as signin
from enrolment.models import Person, SignInLink
from enrolment.services.memberships import membership_window_start
from notifications.services import notice_deliver
from portal.session import SESSION_KEY
from tests.enrolment.factories import MembershipFactory, PersonFactory
from tests.notifications.factories import NoticeFactory
from tests.portal.factories import date_of_birth_boxes, link_form, link_in, link_token, link_use

pytestmark = pytest.mark.django_db

# Friday 20 November 2026, 11:00 in Amsterdam: outside quiet hours, inside a limit window.
DAYTIME = dt.datetime(2026, 11, 20, 10, 5, tzinfo=dt.UTC)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(autouse=True)
def _daytime_and_outbox(settings, tmp_path):
    settings.UNIONROLL_SMS_BACKEND = "notifications.channels.sms.FileSmsBackend"
    settings.UNIONROLL_SMS_FILE_PATH = tmp_path / "sms"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.UNIONROLL_PORTAL_BASE_URL = "https://leden.bond.example"
    with time_machine.travel(DAYTIME, tick=True):
        yield


def _sms_texts(settings) -> list[str]:
    directory = Path(settings.UNIONROLL_SMS_FILE_PATH)
    files = sorted(directory.glob("*.json")) if directory.exists() else []
    return [json.loads(p.read_text())["text"] for p in files]


def _welcome(settings, *, language: str = "ro", **person) -> tuple:
    """A member welcomed by SMS; returns the membership and the link (its full URL) in the SMS."""
    person.setdefault("phone", "+40721234567")
    membership = MembershipFactory(person=PersonFactory(language=language, **person))
    notice_deliver(notice_id=NoticeFactory(membership=membership).pk)
    [text] = _sms_texts(settings)[-1:]
    return membership, link_in(text)


def _html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


# --- The personal link in the welcome -----------------------------------------------------------


def test_the_welcome_link_opens_a_sign_in_button_and_the_post_signs_in_once(client, settings):
    membership, url = _welcome(settings)
    # The token after "#" only: what reaches the server (path, query) carries none.
    assert urlsplit(url).path == "/my/link/ro/"
    assert not urlsplit(url).query
    assert not SignInLink.objects.get().token_in_path

    shown = client.get(urlsplit(url).path)  # a link previewer, or the member opening it
    assert shown.status_code == 200
    assert client.session.get(SESSION_KEY) is None
    signed = link_use(client, url)
    assert signed["Location"] == reverse("portal:membership")
    assert client.session[SESSION_KEY] == membership.pk

    client.post(reverse("portal:sign_out"))
    again = link_use(client, url)
    # Used: the normal request form, not an error page.
    assert again.status_code == 410
    assert b'name="phone"' in again.content
    assert client.session.get(SESSION_KEY) is None


def test_the_welcome_link_works_until_the_window_closes_and_not_after(client, settings):
    membership, url = _welcome(settings)
    membership.refresh_from_db()
    last_day = membership.window_ends

    with time_machine.travel(
        dt.datetime.combine(last_day, dt.time(22, 59), tzinfo=dt.UTC), tick=False
    ):
        assert signin.signin_link_usable(token=link_token(url))
    with time_machine.travel(
        dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0, 1), tzinfo=dt.UTC),
        tick=False,
    ):
        late = link_use(client, url)
    assert late.status_code == 410
    assert client.session.get(SESSION_KEY) is None


def test_a_welcome_sent_again_replaces_the_earlier_link(client, settings):
    membership = MembershipFactory(person=PersonFactory(language="pl", phone="+48600100200"))
    first = signin.welcome_link_issue(
        membership_id=membership.pk, channel="sms", valid_until=dt.date(2026, 12, 20)
    )
    second = signin.welcome_link_issue(
        membership_id=membership.pk, channel="sms", valid_until=dt.date(2026, 12, 20)
    )

    assert link_use(client, first).status_code == 410
    assert link_use(client, second).status_code == 302


def test_the_link_lives_as_long_as_a_window_that_starts_later(settings):
    # A letter handed over weeks after printing starts the window then: its QR link follows.
    membership = MembershipFactory(
        person=PersonFactory(phone=None, email=None), window_ends=dt.date(2026, 12, 20)
    )
    signin.welcome_link_issue(
        membership_id=membership.pk, channel="letter", valid_until=dt.date(2026, 12, 20)
    )

    membership_window_start(membership_id=membership.pk, spell=1, sent_on=dt.date(2027, 1, 15))

    link = SignInLink.objects.get(membership=membership)
    membership.refresh_from_db()
    assert membership.window_ends == dt.date(2027, 2, 15)
    assert timezone.localtime(link.expires_at) == dt.datetime(2027, 2, 16, tzinfo=AMSTERDAM)


def test_the_link_page_is_in_the_members_language_not_the_browsers(client, settings):
    _membership, url = _welcome(settings, language="uk")

    page = client.get(urlsplit(url).path, HTTP_ACCEPT_LANGUAGE="en")
    assert _html_lang(page) == "uk"
    landed = link_use(client, url, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert _html_lang(landed) == "uk"


def test_a_used_link_still_answers_in_the_members_language(client, settings):
    _membership, url = _welcome(settings, language="ro")
    link_use(client, url)
    client.post(reverse("portal:sign_out"))

    page = link_use(client, url, HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 410
    assert _html_lang(page) == "ro"


def test_a_language_tried_before_signing_in_is_not_kept_for_the_member(client, settings):
    _membership, url = _welcome(settings, language="bg")
    client.post(reverse("portal:language"), {"language": "pl", "next": "/my/sign-in/"})

    landed = link_use(client, url, follow=True)

    assert _html_lang(landed) == "bg"


# --- Deep links ---------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["leave", "rights", "visits", "details"])
def test_a_deep_link_keeps_its_page_through_a_link_asked_for_on_the_way(client, settings, page):
    membership = MembershipFactory(person=PersonFactory(language="ro", phone="+40721234567"))

    to_sign_in = client.get(reverse(f"portal:{page}"))
    sign_in_url = to_sign_in["Location"]
    form = client.get(sign_in_url)
    assert f'name="next" value="{page}"'.encode() in form.content
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(sign_in_url, {**link_form("+40721234567"), "next": page})
    [text] = _sms_texts(settings)

    landed = link_use(client, link_in(text))

    assert landed["Location"] == reverse(f"portal:{page}")
    assert client.session[SESSION_KEY] == membership.pk


def test_a_deep_link_keeps_its_page_through_the_letters_code(client):
    membership = MembershipFactory(
        person=PersonFactory(phone=None, email=None, date_of_birth=dt.date(1990, 5, 17))
    )
    code = signin.access_code_issue(membership_id=membership.pk)

    landed = client.post(
        "/my/sign-in/",
        {"form": "code", "code": code, "next": "rights", **date_of_birth_boxes("1990-05-17")},
    )

    assert landed["Location"] == reverse("portal:rights")


@pytest.mark.parametrize("bad", ["https://evil.example/", "//evil.example", "admin", "../x"])
def test_a_next_that_is_no_portal_page_leads_to_the_members_own_page(client, bad):
    membership = MembershipFactory(
        person=PersonFactory(phone=None, email=None, date_of_birth=dt.date(1990, 5, 17))
    )
    code = signin.access_code_issue(membership_id=membership.pk)

    landed = client.post(
        "/my/sign-in/",
        {"form": "code", "code": code, "next": bad, **date_of_birth_boxes("1990-05-17")},
    )

    assert landed["Location"] == reverse("portal:membership")


def test_the_sign_in_form_carries_no_next_for_a_page_that_is_not_the_portals(client):
    form = client.get("/my/sign-in/?next=https://evil.example/")

    assert b'name="next" value="https://evil.example/"' not in form.content
    assert b'name="form" value="link"><input type="hidden" name="next"' not in form.content


# --- Language of the page and of the notices ---------------------------------------------------


def test_my_details_changes_the_language_of_notices_and_says_so(client, settings):
    membership, url = _welcome(settings, language="ro")
    link_use(client, url)

    page = client.get(reverse("portal:details"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # A language tried with the header's switch first: My details still decides, and the
    # pages then follow it.
    client.post(reverse("portal:language"), {"language": "uk", "next": "/my/details/"})
    client.post(
        reverse("portal:details"),
        {"language": "pl", "phone": "+40721234567", "email": ""},
    )

    # The help says it is the language of the messages (in Romanian: the member's).
    assert "mesajelor" in page
    assert Person.objects.get(pk=membership.person_id).language == "pl"
    assert _html_lang(client.get(reverse("portal:membership"))) == "pl"
