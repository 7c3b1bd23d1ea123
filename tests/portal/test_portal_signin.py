"""Passwordless sign-in to the member portal: links by SMS/e-mail, the letter's code, limits."""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from enrolment import credentials as signin
from enrolment.models import AccessCode, Membership, SignInLink
from notifications.channels import letter as letter_channel
from notifications.models import Notice
from notifications.services import notice_deliver
from notifications.services.signin_links import signin_link_send, signin_links_retry
from portal.session import SESSION_KEY
from tests.employers.factories import SectorFactory, UserFactory
from tests.enrolment.factories import MembershipFactory, PersonFactory
from tests.notifications.factories import NoticeFactory
from tests.portal.factories import date_of_birth_boxes, link_form, link_in, link_token, link_use
from tests.processes import child_process_environment

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SIGN_IN = "/my/sign-in/"
# Friday 20 November 2026, 11:00 in Amsterdam: outside the notices' quiet hours.
DAYTIME = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(autouse=True)
def _clock_inside_one_limit_window():
    # Rate limits count in fixed 15-minute windows: a test that crossed a window's end (say at
    # 10:45:00) would see its count start again. Every test starts 5 minutes into a window;
    # tests that need another moment travel there themselves. (The two-process tests count in
    # their child processes, on the real clock.)
    with time_machine.travel(DAYTIME + dt.timedelta(minutes=5), tick=True):
        yield


@pytest.fixture(autouse=True)
def _outbox_and_limits(settings, tmp_path):
    settings.UNIONROLL_SMS_BACKEND = "notifications.channels.sms.FileSmsBackend"
    settings.UNIONROLL_SMS_FILE_PATH = tmp_path / "outbox" / "sms"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.UNIONROLL_PORTAL_BASE_URL = "https://leden.bond.example"
    settings.UNIONROLL_SIGNIN_LINK_MINUTES = 15
    settings.UNIONROLL_SIGNIN_LIMIT_PER_CONTACT = 3
    settings.UNIONROLL_SIGNIN_LIMIT_PER_CLIENT = 10
    settings.UNIONROLL_SIGNIN_LIMIT_WINDOW_SECONDS = 900


def _member(**person) -> Membership:
    person.setdefault("phone", "+31612345678")
    person.setdefault("email", "ana.pop@example.com")
    person.setdefault("language", "en")
    return MembershipFactory(person=PersonFactory(**person))


def _ask(client, contact: str, *, ip: str = "192.0.2.10", capture=None):
    """Post the link form, running the on-commit send task when a capture fixture is given."""
    data = link_form(contact)
    if capture is None:
        return client.post(SIGN_IN, data, REMOTE_ADDR=ip)
    with capture(execute=True):
        return client.post(SIGN_IN, data, REMOTE_ADDR=ip)


def _page(response) -> bytes:
    """The page without its CSRF token, which differs on every response."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", response.content)


def _signed_in(client) -> int | None:
    return client.session.get(SESSION_KEY)


# --- What members type ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("06 12345678", signin.Contact("sms", "+31612345678")),
        ("06-12345678", signin.Contact("sms", "+31612345678")),
        ("+48 600 100 200", signin.Contact("sms", "+48600100200")),
        ("0048600100200", signin.Contact("sms", "+48600100200")),
        (" Ana.Pop@Example.COM ", signin.Contact("email", "ana.pop@example.com")),
        ("12", None),
        ("ana@", None),
        ("", None),
    ],
)
def test_contact_is_read_as_a_dutch_or_international_phone_number_or_an_email_address(
    typed, expected
):
    assert signin.contact_parse(typed) == expected


def test_access_code_ignores_case_dashes_and_spaces_and_refuses_ambiguous_characters():
    assert signin.access_code_normalise("k7qx-m4pa") == "K7QXM4PA"
    assert signin.access_code_normalise(" K7QX M4PA ") == "K7QXM4PA"
    assert signin.access_code_normalise("K7QX-M4P0") is None  # zero: not in the alphabet
    assert signin.access_code_normalise("K7QX-M4PI") is None  # I: not in the alphabet
    assert signin.access_code_normalise("K7QX-M4P") is None


def test_issued_codes_use_only_the_unambiguous_alphabet_in_two_groups_of_four():
    membership = _member()

    code = signin.access_code_issue(membership_id=membership.pk)

    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", code)
    stored = AccessCode.objects.get(membership=membership)
    assert code.replace("-", "") not in stored.code_hash  # only a keyed hash is kept


# --- Links: the whole way, single use, expiry --------------------------------------------------


def test_a_member_asks_by_phone_gets_an_sms_and_the_link_signs_in_their_membership(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    membership = _member(phone="+31612345678")

    response = _ask(client, "06 1234 5678", capture=django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:link_sent")
    [sms] = sms_outbox()
    assert sms["to"] == "+31612345678"
    link = link_in(sms["text"])
    # The token only after "#": the path and the query, which reach the server, carry none.
    assert link.startswith("https://leden.bond.example/my/link/en/#")
    assert client.get(urlsplit(link).path).status_code == 200
    response = link_use(client, link)
    assert response.status_code == 302
    assert _signed_in(client) == membership.pk


def test_a_member_asks_by_email_and_gets_the_link_by_email_in_their_language(
    client, django_capture_on_commit_callbacks
):
    membership = _member(phone=None, email="ana.pop@example.com", language="pl")

    _ask(client, "Ana.Pop@example.com", capture=django_capture_on_commit_callbacks)

    [message] = mail.outbox
    assert message.to == ["ana.pop@example.com"]
    assert "Dzień dobry" in message.body
    url = link_in(message.body)
    assert urlsplit(url).path == "/my/link/pl/"
    link_use(client, url)
    assert _signed_in(client) == membership.pk


def test_opening_a_link_only_shows_a_button_so_link_previews_do_not_use_it_up(client):
    membership = _member()
    url = signin.signin_link_create(membership_id=membership.pk, channel="sms")

    first, second = client.get(url), client.get(url)  # the client drops the fragment, as browsers

    assert first.status_code == second.status_code == 200
    assert b'<form method="post" action="/my/link/">' in second.content
    assert b'<input type="hidden" name="token" id="link-token" value="">' in second.content
    # The script that moves the token from "#" into the form is a file (no inline script).
    assert re.search(rb'<script src="[^"]*portal/link\.js" defer></script>', second.content)
    assert b"<script>" not in second.content
    assert SignInLink.objects.get().used_at is None
    assert _signed_in(client) is None
    assert first["Referrer-Policy"] == "same-origin"
    assert first["Cache-Control"] == "no-store"


def test_posting_the_token_signs_in_and_nothing_after_it_shows_the_token(client):
    membership = _member()
    url = signin.signin_link_create(membership_id=membership.pk, channel="sms")
    token = link_token(url)

    signed = link_use(client, url)
    landed = client.get(signed["Location"])
    again = client.__class__().post("/my/link/", {"token": token})

    assert signed.status_code == 302
    assert signed["Location"] == "/my/"
    assert signed["Referrer-Policy"] == "same-origin"
    assert _signed_in(client) == membership.pk
    assert again.status_code == 410
    for response in (signed, landed, again):
        assert token not in response.content.decode()
        assert all(token not in value for value in response.headers.values())


def test_the_link_page_without_a_token_or_with_nonsense_signs_no_one_in(client):
    _member()

    missing = client.post("/my/link/", {})
    nonsense = client.post("/my/link/", {"token": "x" * 5000})

    assert missing.status_code == nonsense.status_code == 410
    assert b'name="phone"' in missing.content  # the forms to ask for a new link
    assert _signed_in(client) is None


def test_the_link_page_tells_a_browser_without_javascript_what_to_do(client):
    page = client.get("/my/link/pl/").content.decode()

    noscript = re.search(r"<noscript>(.*?)</noscript>", page, re.S).group(1)
    assert "JavaScript" in noscript
    assert "kodem z listu powitalnego" in noscript
    assert 'href="/my/sign-in/"' in noscript
    # The button is shown by the script only, once it has the token.
    assert '<div id="link-ready" hidden>' in page


def test_after_signing_in_the_portal_address_shows_the_members_page_not_the_form(client):
    membership = _member()
    url = signin.signin_link_create(membership_id=membership.pk, channel="sms")

    response = link_use(client, url, follow=True)
    again = client.get(SIGN_IN, follow=True)

    assert response.redirect_chain == [("/my/", 302)]
    assert response.status_code == 200
    assert b'name="phone"' not in response.content
    assert "portal/membership.html" in [t.name for t in response.templates]
    assert again.redirect_chain == [("/my/", 302)]


def test_the_portal_address_leads_a_member_who_is_not_signed_in_to_the_sign_in_page(client):
    response = client.get("/my/", follow=True)

    assert response.redirect_chain == [(SIGN_IN, 302)]
    assert b'name="phone"' in response.content


def test_a_link_signs_in_only_once(client):
    membership = _member()
    url = signin.signin_link_create(membership_id=membership.pk, channel="sms")
    link_use(client, url)
    assert _signed_in(client) == membership.pk
    other_browser = client.__class__()

    response = link_use(other_browser, url)

    assert response.status_code == 410
    assert b"This link no longer works" in response.content
    assert b'name="phone"' in response.content  # the form to ask for a new one
    assert _signed_in(other_browser) is None


def test_of_two_clicks_on_one_link_only_one_signs_in():
    membership = _member()
    url = signin.signin_link_create(membership_id=membership.pk, channel="sms")
    token = link_token(url)

    results = [signin.signin_link_consume(token=token), signin.signin_link_consume(token=token)]

    assert results == [signin.LinkSignIn(membership.pk), None]


def test_a_link_expires_after_fifteen_minutes(client):
    membership = _member()
    with time_machine.travel(DAYTIME, tick=False) as traveller:
        url = signin.signin_link_create(membership_id=membership.pk, channel="sms")
        traveller.shift(dt.timedelta(minutes=14, seconds=59))
        assert signin.signin_link_usable(token=link_token(url))
        traveller.shift(dt.timedelta(seconds=1))

        posted = link_use(client, url)

    assert posted.status_code == 410
    assert b"This link no longer works" in posted.content
    assert _signed_in(client) is None
    assert SignInLink.objects.get().used_at is None


def test_an_unknown_token_gets_the_friendly_page(client):
    response = client.post("/my/link/", {"token": "not-a-real-token"})
    in_path = client.post("/my/link/not-a-real-token/")

    assert response.status_code == in_path.status_code == 410
    assert b"This link no longer works" in response.content
    assert b"This link no longer works" in in_path.content
    assert _signed_in(client) is None


# --- Links issued with the token in the path (before it moved after "#") ---------------------


def _link_in_path(membership: Membership, **fields) -> tuple[str, str]:
    """A link as issued before the fragment: marked so (by the migration), its old address."""
    link, token = signin._link_new(membership_id=membership.pk, channel="sms")
    SignInLink.objects.filter(pk=link.pk).update(token_in_path=True, **fields)
    return token, f"/my/link/{token}/"


def test_a_link_issued_with_the_token_in_the_path_still_works_there_once(client):
    membership = _member(language="ro")
    _token, path = _link_in_path(membership)

    shown = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    signed = client.post(path)
    again = client.__class__().post(path)

    assert shown.status_code == 200
    assert b'<html lang="ro">' in shown.content
    assert b"link.js" not in shown.content  # its button posts to its own address
    assert shown["Referrer-Policy"] == "same-origin"
    assert signed["Location"] == "/my/"
    assert _signed_in(client) == membership.pk
    assert again.status_code == 410


def test_a_link_issued_since_never_works_with_its_token_in_the_path(client):
    membership = _member()
    token = link_token(signin.signin_link_create(membership_id=membership.pk, channel="sms"))

    shown = client.get(f"/my/link/{token}/")
    posted = client.post(f"/my/link/{token}/")

    assert shown.status_code == posted.status_code == 410
    assert _signed_in(client) is None
    assert SignInLink.objects.get().used_at is None


def test_an_old_links_token_posted_from_the_new_page_signs_in_too(client):
    membership = _member()
    token, _path = _link_in_path(membership)

    assert client.post("/my/link/", {"token": token}).status_code == 302
    assert _signed_in(client) == membership.pk


def test_a_retry_of_an_old_link_goes_out_with_the_token_after_the_hash(sms_outbox):
    membership = _member()
    _link_in_path(membership)
    link = SignInLink.objects.get()

    fresh = signin.signin_link_reissue(link_id=link.pk)
    assert signin_link_send(link_id=link.pk, token=fresh) == "sent"

    link.refresh_from_db()
    assert link.token_in_path is False
    assert link_token(link_in(sms_outbox()[0]["text"])) == fresh
    assert not signin.signin_link_usable(token=fresh, in_path=True)


# --- Which membership, and never the wrong party ----------------------------------------------


def test_the_link_is_for_the_persons_most_recent_membership(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    older = _member(phone="+48600100200")
    newer = MembershipFactory(
        person=older.person,
        sector=SectorFactory(code="dc", name="Distribution centres"),
        enrolled_on=older.enrolled_on + dt.timedelta(days=1),
    )

    _ask(client, "+48 600 100 200", capture=django_capture_on_commit_callbacks)
    link_use(client, link_in(sms_outbox()[0]["text"]))

    assert _signed_in(client) == newer.pk


def test_a_merged_person_is_never_sent_a_link(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    survivor = _member(phone="+31612000001")
    _member(phone="+31612000002", merged_into=survivor.person)

    response = _ask(client, "0612000002", capture=django_capture_on_commit_callbacks)

    assert response["Location"] == reverse("portal:link_sent")
    assert sms_outbox() == []
    assert not SignInLink.objects.exists()


def test_a_link_of_a_membership_merged_since_does_not_sign_in(client):
    membership = _member()
    url = signin.signin_link_create(membership_id=membership.pk, channel="sms")
    Membership.objects.filter(pk=membership.pk).update(status=Membership.Status.MERGED)

    response = link_use(client, url)

    assert response.status_code == 410
    assert _signed_in(client) is None


def test_another_members_used_link_does_not_change_who_is_signed_in(client):
    member_a, member_b = _member(phone="+31612000011"), _member(phone="+31612000012")
    url_a = signin.signin_link_create(membership_id=member_a.pk, channel="sms")
    url_b = signin.signin_link_create(membership_id=member_b.pk, channel="sms")
    link_use(client.__class__(), url_a)  # member A used it on their own phone
    link_use(client, url_b)

    response = link_use(client, url_a)

    assert response.status_code == 410
    assert _signed_in(client) == member_b.pk


def test_an_agency_user_is_not_signed_in_as_a_member_by_a_used_link(client):
    membership = _member()
    url = signin.signin_link_create(membership_id=membership.pk, channel="sms")
    link_use(client.__class__(), url)
    client.force_login(UserFactory())

    response = link_use(client, url)

    assert response.status_code == 410
    assert _signed_in(client) is None


def test_a_sent_link_is_not_sent_again_by_a_repeated_task_nor_after_use(sms_outbox):
    membership = _member()
    link, token = signin._link_new(membership_id=membership.pk, channel="sms")

    first = signin_link_send(link_id=link.pk, token=token)
    again = signin_link_send(link_id=link.pk, token=token)
    wrong_token = signin_link_send(link_id=link.pk, token="x" * 43)

    assert (first, again, wrong_token) == ("sent", "skipped", "skipped")
    assert len(sms_outbox()) == 1
    # The database, not a cache entry, remembers the send.
    link.refresh_from_db()
    assert link.sent_at is not None


def test_a_link_whose_sms_failed_for_now_is_sent_by_the_dispatchers_retry(sms_outbox, monkeypatch):
    from notifications.channels import sms
    from notifications.channels.sms import FileSmsBackend, TemporarySmsError

    membership = _member()
    link, token = signin._link_new(membership_id=membership.pk, channel="sms")

    class DownForNow:
        def send(self, to, text):
            raise TemporarySmsError("sms_http_503")

    monkeypatch.setattr(sms, "sms_backend", lambda: DownForNow())
    assert signin_link_send(link_id=link.pk, token=token) == "deferred"
    monkeypatch.setattr(sms, "sms_backend", lambda: FileSmsBackend())

    # Not before the retry policy's first wait (60 s); then once, from the database.
    assert signin_links_retry() == 0
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)
    assert signin_links_retry(now=later) == 1
    assert signin_links_retry(now=later) == 0
    [message] = sms_outbox()
    # The retry carries a fresh token (the first was never stored): it signs in, the first not.
    fresh = link_token(link_in(message["text"]))
    assert signin.signin_link_usable(token=fresh, now=later)
    assert not signin.signin_link_usable(token=token, now=later)


# --- No enumeration ---------------------------------------------------------------------------


def test_known_and_unknown_numbers_get_the_same_answer(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    _member(phone="+31612345678")

    known = _ask(client, "0612345678", capture=django_capture_on_commit_callbacks)
    unknown = _ask(client, "0687654321", capture=django_capture_on_commit_callbacks)
    known_page = client.get(known["Location"])
    unknown_page = client.get(unknown["Location"])

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known_page.status_code == unknown_page.status_code == 200
    assert _page(known_page) == _page(unknown_page)
    assert b"0612345678" not in known_page.content + known["Location"].encode()
    assert [m["to"] for m in sms_outbox()] == ["+31612345678"]


def test_a_failing_sms_provider_does_not_tell_a_known_number_apart(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    from notifications.channels import sms
    from notifications.channels.sms import PermanentSmsError

    class Refusing:
        def send(self, to, text):
            raise PermanentSmsError("twilio_21211")

    monkeypatch.setattr(sms, "sms_backend", lambda: Refusing())
    _member(phone="+31612345678")

    known = _ask(client, "0612345678", capture=django_capture_on_commit_callbacks)
    unknown = _ask(client, "0687654321", capture=django_capture_on_commit_callbacks)

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])


def test_known_and_unknown_email_addresses_get_the_same_answer(client):
    _member(email="ana.pop@example.com")

    known = _ask(client, "ana.pop@example.com")
    unknown = _ask(client, "nobody@example.com")

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])


def test_something_that_is_no_phone_or_address_is_refused_with_a_plain_message(client):
    not_a_phone = _ask(client, "my phone")
    not_an_address = _ask(client, "ana@")
    nothing = client.post(SIGN_IN, {"form": "link", "phone": " ", "email": ""})

    assert not_a_phone.status_code == not_an_address.status_code == nothing.status_code == 400
    assert b"This is not a phone number we can use" in not_a_phone.content
    assert b"This is not an e-mail address we can use" in not_an_address.content
    assert b"Enter your mobile phone number, or your e-mail address below." in nothing.content
    assert not SignInLink.objects.exists()


def test_a_phone_number_typed_in_the_email_box_is_refused_not_guessed(client):
    response = client.post(SIGN_IN, {"form": "link", "email": "0612345678"})

    assert response.status_code == 400
    assert b"This is not an e-mail address we can use" in response.content


# --- Rate limits ------------------------------------------------------------------------------


@pytest.mark.parametrize("known", [True, False])
def test_a_fourth_request_for_one_number_is_refused_known_or_not(
    client, sms_outbox, known, django_capture_on_commit_callbacks
):
    if known:
        _member(phone="+31612345678")

    statuses = [
        _ask(
            client, "0612345678", ip=f"192.0.2.{n}", capture=django_capture_on_commit_callbacks
        ).status_code
        for n in range(1, 5)
    ]

    assert statuses == [302, 302, 302, 429]
    assert SignInLink.objects.count() == (3 if known else 0)


def test_the_refusal_says_try_later_and_is_the_same_for_known_and_unknown_numbers(client):
    _member(phone="+31612345678")
    for _ in range(3):
        _ask(client, "0612345678", ip="192.0.2.1")
        _ask(client, "0687654321", ip="192.0.2.2")

    known = _ask(client, "0612345678", ip="192.0.2.1")
    unknown = _ask(client, "0687654321", ip="192.0.2.2")

    assert known.status_code == unknown.status_code == 429
    assert b"Too many requests. Please try again later." in known.content
    assert _page(known).replace(b"0612345678", b"") == _page(unknown).replace(b"0687654321", b"")


def test_one_client_address_is_limited_across_different_numbers(client, settings):
    settings.UNIONROLL_SIGNIN_LIMIT_PER_CLIENT = 10

    statuses = [_ask(client, f"06123400{n:02d}").status_code for n in range(11)]

    assert statuses == [302] * 10 + [429]


def test_the_limits_start_again_in_the_next_window(client):
    with time_machine.travel(DAYTIME, tick=False) as traveller:
        for _ in range(3):
            _ask(client, "0612345678")
        assert _ask(client, "0612345678").status_code == 429
        traveller.shift(dt.timedelta(seconds=900))

        assert _ask(client, "0612345678").status_code == 302


def test_rate_limit_keys_carry_no_phone_number_nor_client_address(client, monkeypatch):
    keys = []

    class RecordingCache:
        def __getattr__(self, name):
            method = getattr(cache, name)

            def call(key, *args, **kwargs):
                keys.append(key)
                return method(key, *args, **kwargs)

            return call

    monkeypatch.setattr(signin, "cache", RecordingCache())

    _ask(client, "0612345678", ip="192.0.2.77")

    assert len(set(keys)) == 2
    assert not any("612345678" in key or "192.0.2.77" in key for key in keys)


def test_ipv6_clients_are_counted_per_64_block():
    assert signin.client_address("2001:db8:1:2:aaaa::1") == signin.client_address(
        "2001:db8:1:2:bbbb::9"
    )
    assert signin.client_address("2001:db8:1:2::1") != signin.client_address("2001:db8:1:3::1")
    assert signin.client_address("::ffff:192.0.2.1") == "192.0.2.1"


def test_nothing_typed_nor_the_token_reaches_the_logs(
    client, caplog, sms_outbox, django_capture_on_commit_callbacks
):
    _member(phone="+31612345678", email="ana.pop@example.com")
    caplog.set_level(logging.DEBUG)

    _ask(client, "06 12345678", capture=django_capture_on_commit_callbacks)
    _ask(client, "ana.pop@example.com", capture=django_capture_on_commit_callbacks)
    url = link_in(sms_outbox()[0]["text"])
    client.get(urlsplit(url).path)
    link_use(client, url)
    client.get("/my/")

    assert "sign-in link" in caplog.text  # the flow was logged, by ids
    for secret in ("612345678", "ana.pop", link_token(url)):
        assert secret not in caplog.text


# --- Code + date of birth ---------------------------------------------------------------------


def _code_sign_in(client, code: str, born: str, *, ip: str = "192.0.2.20"):
    return client.post(
        SIGN_IN, {"form": "code", "code": code, **date_of_birth_boxes(born)}, REMOTE_ADDR=ip
    )


def test_code_and_date_of_birth_sign_in_whatever_the_case_and_dashes(client):
    membership = _member(date_of_birth=dt.date(1990, 5, 17))
    code = signin.access_code_issue(membership_id=membership.pk)

    response = _code_sign_in(client, code.lower().replace("-", " "), "1990-05-17")

    assert response.status_code == 302
    assert _signed_in(client) == membership.pk


def test_the_date_of_birth_is_typed_in_day_month_and_year_boxes_with_leading_zeros_or_not(
    client,
):
    membership = _member(date_of_birth=dt.date(1990, 5, 7))
    code = signin.access_code_issue(membership_id=membership.pk)
    boxes = {"date_of_birth_day": "07", "date_of_birth_month": " 5 ", "date_of_birth_year": "1990"}

    client.post(SIGN_IN, {"form": "code", "code": code, **boxes})

    assert _signed_in(client) == membership.pk


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("31", "2", "1990", b"Enter a real date of birth"),
        ("17", "5", "90", b"Enter a real date of birth"),
        ("17", "", "1990", b"Enter your date of birth: day, month and year."),
        ("1a", "5", "1990", b"Enter your date of birth: day, month and year."),
        ("", "", "", b"Enter your date of birth."),
    ],
)
def test_an_impossible_or_half_typed_date_gets_a_plain_message(client, day, month, year, message):
    membership = _member(date_of_birth=dt.date(1990, 5, 17))
    code = signin.access_code_issue(membership_id=membership.pk)
    boxes = {"date_of_birth_day": day, "date_of_birth_month": month, "date_of_birth_year": year}

    response = client.post(SIGN_IN, {"form": "code", "code": code, **boxes})

    assert response.status_code == 400
    assert message in response.content
    assert _signed_in(client) is None


def test_wrong_code_and_wrong_date_get_one_and_the_same_message(client):
    membership = _member(date_of_birth=dt.date(1990, 5, 17))
    code = signin.access_code_issue(membership_id=membership.pk)

    wrong_date = _code_sign_in(client, code, "1990-05-18")
    wrong_code = _code_sign_in(client, "ABCD-EFGH", "1990-05-17")

    message = b"The code or the date of birth is not right"
    assert wrong_date.status_code == wrong_code.status_code == 400
    assert message in wrong_date.content and message in wrong_code.content
    assert _signed_in(client) is None


def test_member_as_code_with_member_bs_date_of_birth_does_not_sign_in(client):
    member_a = _member(date_of_birth=dt.date(1990, 5, 17))
    _member(date_of_birth=dt.date(1985, 1, 2))
    code_a = signin.access_code_issue(membership_id=member_a.pk)

    response = _code_sign_in(client, code_a, "1985-01-02")

    assert response.status_code == 400
    assert _signed_in(client) is None


def test_a_replaced_code_no_longer_signs_in(client):
    membership = _member(date_of_birth=dt.date(1990, 5, 17))
    old = signin.access_code_issue(membership_id=membership.pk)
    new = signin.access_code_issue(membership_id=membership.pk)

    assert _code_sign_in(client, old, "1990-05-17").status_code == 400
    assert _code_sign_in(client, new, "1990-05-17").status_code == 302


def test_a_merged_persons_code_does_not_sign_in(client):
    survivor = _member()
    merged = _member(date_of_birth=dt.date(1990, 5, 17), merged_into=survivor.person)
    code = signin.access_code_issue(membership_id=merged.pk)

    assert _code_sign_in(client, code, "1990-05-17").status_code == 400
    assert _signed_in(client) is None


def test_a_code_is_limited_even_when_the_fourth_try_is_right(client):
    membership = _member(date_of_birth=dt.date(1990, 5, 17))
    code = signin.access_code_issue(membership_id=membership.pk)
    for n in range(3):
        _code_sign_in(client, code, "2000-01-01", ip=f"192.0.2.{n + 1}")

    response = _code_sign_in(client, code, "1990-05-17", ip="192.0.2.9")

    assert response.status_code == 429
    assert b"Too many requests" in response.content
    assert _signed_in(client) is None


def test_one_client_address_is_limited_across_guessed_codes(client):
    statuses = [
        _code_sign_in(client, f"ABCD-EF{a}{b}", "1990-05-17").status_code
        for a, b in zip("ABCDEFGHJKL", "23456789ABC", strict=True)
    ]

    assert statuses == [400] * 10 + [429]


# --- Welcome notices --------------------------------------------------------------------------


def test_a_welcome_by_sms_carries_a_personal_link_valid_until_the_window_closes(sms_outbox):
    membership = _member(phone="+31612345678")
    notice = NoticeFactory(membership=membership)

    notice_deliver(notice_id=notice.pk, now=DAYTIME)

    [sms] = sms_outbox()
    url = link_in(sms["text"])
    [link] = SignInLink.objects.all()
    membership.refresh_from_db()
    assert (link.membership_id, link.purpose) == (membership.pk, SignInLink.Purpose.WELCOME)
    # The window's last day counts whole: the link works until midnight after it.
    last_moment = dt.datetime.combine(membership.window_ends, dt.time(23, 59), tzinfo=AMSTERDAM)
    assert last_moment < link.expires_at <= last_moment + dt.timedelta(minutes=1)
    assert url.startswith("https://leden.bond.example/my/link/en/#")
    assert not link.token_in_path
    assert not AccessCode.objects.exists()


def test_a_welcome_letter_carries_a_code_that_signs_in_with_the_date_of_birth(client, monkeypatch):
    membership = _member(phone=None, email=None, date_of_birth=dt.date(1990, 5, 17))
    notice = NoticeFactory(membership=membership)
    printed = {}

    def letter_pdf(**kwargs):
        printed.update(kwargs)
        return b"%PDF-1.4 test"

    monkeypatch.setattr(letter_channel, "letter_pdf", letter_pdf)

    outcome = notice_deliver(notice_id=notice.pk, now=DAYTIME)

    assert outcome.status == Notice.Status.QUEUED_FOR_PRINT
    text = "\n".join(printed["paragraphs"])
    assert re.search(r"https://leden\.bond\.example/my/link/en/#[\w-]{43}", text)
    code = re.search(r"\b[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}\b", text).group(0)
    _code_sign_in(client, code, "1990-05-17")
    assert _signed_in(client) == membership.pk


# --- Sign out ---------------------------------------------------------------------------------


def test_sign_out_needs_a_post_and_ends_the_members_session(client):
    membership = _member()
    link_use(client, signin.signin_link_create(membership_id=membership.pk, channel="sms"))

    asked = client.get(reverse("portal:sign_out"))
    assert _signed_in(client) == membership.pk
    response = client.post(reverse("portal:sign_out"))

    assert asked.status_code == 200
    assert response["Location"] == reverse("portal:sign_in")
    assert _signed_in(client) is None


def test_signing_out_when_nobody_is_signed_in_just_goes_to_the_sign_in_page(client):
    response = client.post(reverse("portal:sign_out"))

    assert response["Location"] == reverse("portal:sign_in")
    assert _signed_in(client) is None


def test_the_sign_in_page_is_in_the_browsers_language(client):
    response = client.get(SIGN_IN, HTTP_ACCEPT_LANGUAGE="pl")

    assert response.status_code == 200
    assert "Wyślij mi link".encode() in response.content


# --- Limits shared by separate server processes ------------------------------------------------

# One server process: Django set up from the environment (the configured shared cache: Redis
# where REDIS_URL is set, as in CI; else the file cache under .data/), posting link requests to
# the real view through the whole middleware stack. Prints the status codes.
_SERVER_PROCESS = """
import json, sys
import django
django.setup()
from django.test import Client
client = Client(REMOTE_ADDR=sys.argv[1])
print(json.dumps([
    client.post("/my/sign-in/", {"form": "link", "phone": c}).status_code for c in sys.argv[2:]
]))
"""


def _process_environment(tmp_path: Path) -> dict[str, str]:
    """The test database, the configured cache, tasks in-process, the limits of this test."""
    env = child_process_environment()
    env.pop("CELERY_BROKER_URL", None)  # send in-process; leave no message on a real broker
    env.update(
        UNIONROLL_SMS_BACKEND="notifications.channels.sms.FileSmsBackend",
        UNIONROLL_SMS_FILE_PATH=str(tmp_path / "sms"),
        UNIONROLL_SIGNIN_LIMIT_PER_CONTACT="3",
        UNIONROLL_SIGNIN_LIMIT_PER_CLIENT="4",
        UNIONROLL_SIGNIN_LIMIT_WINDOW_SECONDS="900",
    )
    return env


def _server_process(env: dict[str, str], ip: str, *contacts: str) -> list[int]:
    done = subprocess.run(
        [sys.executable, "-c", _SERVER_PROCESS, ip, *contacts],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _fresh_client() -> str:
    # Counters live in the shared cache beyond this test: addresses and numbers of its own.
    return f"2001:db8:{random.randrange(1 << 16):x}:{random.randrange(1 << 16):x}::1"


def _fresh_phone() -> str:
    return f"+48601{random.randrange(10**6):06d}"


@pytest.mark.django_db(transaction=True)
def test_the_limit_per_number_holds_across_two_server_processes(tmp_path):
    phone = _fresh_phone()
    membership = _member(phone=phone)
    env = _process_environment(tmp_path)

    first = _server_process(env, _fresh_client(), phone, phone)
    second = _server_process(env, _fresh_client(), phone, phone)

    assert first == [302, 302]
    assert second == [302, 429]
    assert SignInLink.objects.filter(membership=membership).count() == 3
    assert len(list((tmp_path / "sms").glob("*.json"))) == 3


@pytest.mark.django_db(transaction=True)
def test_the_limit_per_client_address_holds_across_two_server_processes(tmp_path):
    env = _process_environment(tmp_path)
    ip = _fresh_client()

    first = _server_process(env, ip, _fresh_phone(), _fresh_phone(), _fresh_phone())
    second = _server_process(env, ip, _fresh_phone(), _fresh_phone())

    assert first == [302, 302, 302]
    assert second == [302, 429]


def test_a_portal_session_ends_after_half_an_hour_without_a_page_but_not_while_in_use(
    client, settings
):
    settings.UNIONROLL_PORTAL_SESSION_SECONDS = 1800
    membership = _member()
    url = signin.signin_link_create(membership_id=membership.pk, channel="sms")
    start = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)

    with time_machine.travel(start, tick=False):
        link_use(client, url)
    with time_machine.travel(start + dt.timedelta(minutes=25), tick=False):
        in_use = client.get("/my/")
    with time_machine.travel(start + dt.timedelta(minutes=50), tick=False):
        still = client.get("/my/")
    with time_machine.travel(start + dt.timedelta(minutes=81), tick=False):
        idle = client.get("/my/")

    assert in_use.status_code == still.status_code == 200
    assert idle.status_code == 302
    assert idle["Location"] == SIGN_IN
