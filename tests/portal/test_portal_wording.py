"""The portal's words about leaving, as native readers read them, in each of the six languages.

Rendered pages, signed in as a member: the opt-out window is no deadline (leave at any time; up
to and including the date it is as if you had never been a member), nobody is told that nothing
was charged for them, sign-out and leave are different verbs, and the "No, back" link on the
leave page is a full-size target set apart from the button that leaves.
"""

from __future__ import annotations

import datetime as dt
import html as html_text
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from enrolment import credentials
from enrolment.models import Membership
from portal.session import SESSION_KEY
from tests.browser import needs_chromium
from tests.enrolment.factories import MembershipFactory, PersonFactory
from tests.notifications.test_wording import (
    AT_ANY_TIME,
    CAPITAL_POLITE,
    LOWERCASE_POLITE,
    NEVER_A_MEMBER,
    OLD_WORDING,
    POLISH_GENDERED,
    POLISH_LOWERCASE_YOU,
)
from tests.portal.factories import date_of_birth_boxes

pytestmark = [pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["en", "nl", "pl", "ro", "uk", "bg"]
TODAY = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
# The factory's window ends on 10 December 2026.
ON_OR_BEFORE = {
    "en": "on or before 10 December 2026",
    "nl": "uiterlijk op 10 december 2026",
    "pl": "najpóźniej 10 grudnia 2026",
    "ro": "cel târziu pe 10 decembrie 2026",
    "uk": "не пізніше 10 грудня 2026",
    "bg": "до 10 декември 2026 включително",
}
# The leave page inside the window: "If you leave now, you will never have been a member."
LEAVE_NOW = {
    "en": "If you leave now, you will never have been a member.",
    "nl": "Zeg je nu op, dan ben je nooit lid geweest.",
    "pl": "Jeśli zrezygnujesz teraz, będzie tak, jakby Twojego członkostwa nigdy nie było.",
    "ro": "Dacă ieși acum, va fi ca și cum nu ai fi fost niciodată membru.",
    "uk": "Якщо Ви вийдете зараз, вважатиметься, що Ви ніколи не були членом профспілки.",
    "bg": "Ако напуснете сега, ще се счита, че никога не сте били член на синдиката.",  # noqa: RUF001
}
# My details: changes made here are kept; the employer's lists do not overwrite them.
DETAILS_KEPT = {
    "en": "If you change your details here, we keep your changes. Your employer's lists will "
    "not overwrite them.",
    "nl": "Verander je hier je gegevens, dan bewaren we je wijzigingen. De lijsten van je "
    "werkgever overschrijven ze niet.",
    "pl": "Jeśli zmienisz tu swoje dane, zachowamy Twoje zmiany. Listy Twojego pracodawcy ich "
    "nie nadpiszą.",
    "ro": "Dacă îți schimbi datele aici, păstrăm schimbările tale. Listele angajatorului tău nu "
    "le vor înlocui.",
    "uk": "Якщо Ви зміните свої дані тут, ми збережемо Ваші зміни. Списки Вашого роботодавця їх "
    "не замінять.",
    "bg": "Ако промените данните си тук, ние ще запазим промените Ви. Списъците на "
    "работодателя Ви няма да ги заменят.",
}
DETAILS_OLD = {
    "en": "do not change back",
    "nl": "niet terug",
    "pl": "nie zmienią z powrotem",
    "ro": "nu le schimbă înapoi",
    "uk": "назад не змінять",
    "bg": "няма да върнат обратно",
}


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


def _member(meat, language: str, **membership) -> Membership:
    person = PersonFactory(first_name="Ana", language=language)
    return MembershipFactory(person=person, sector=meat, **membership)


def _sign_in(client, membership: Membership) -> None:
    session = client.session
    session[SESSION_KEY] = membership.pk
    session.save()


def _text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(html_text.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _words(label: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"[\w-]+", label)}


# --- The opt-out window ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_membership_page_says_leave_at_any_time_and_void_on_or_before_the_date(
    client, meat, language
):
    _sign_in(client, _member(meat, language))

    body = _text(client.get(reverse("portal:membership")))

    assert any(phrase in body for phrase in AT_ANY_TIME[language])
    assert ON_OR_BEFORE[language] in body
    assert NEVER_A_MEMBER[language] in body
    for old in OLD_WORDING[language]:
        assert old.casefold() not in body.casefold(), old


@pytest.mark.parametrize("language", LANGUAGES)
def test_membership_page_after_leaving_in_time_says_as_if_never_a_member(client, meat, language):
    member = _member(meat, language)
    Membership.objects.filter(pk=member.pk).update(
        status="opted_out", void=True, ended_on=member.covered_from
    )
    _sign_in(client, member)

    body = _text(client.get(reverse("portal:membership")))

    assert NEVER_A_MEMBER[language] in body
    for old in OLD_WORDING[language]:
        assert old.casefold() not in body.casefold(), old


@pytest.mark.parametrize("language", LANGUAGES)
def test_leave_page_inside_the_window_says_never_a_member_in_the_future_perfect(
    client, meat, language
):
    _sign_in(client, _member(meat, language))

    body = _text(client.get(reverse("portal:leave")))

    assert LEAVE_NOW[language] in body
    for old in OLD_WORDING[language]:
        assert old.casefold() not in body.casefold(), old


@pytest.mark.parametrize("language", LANGUAGES)
def test_leaving_in_time_is_confirmed_as_if_never_a_member(client, meat, language):
    _sign_in(client, _member(meat, language))

    body = _text(client.post(reverse("portal:leave"), follow=True))

    assert NEVER_A_MEMBER[language] in body
    for old in OLD_WORDING[language]:
        assert old.casefold() not in body.casefold(), old


# --- My details -----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_details_page_says_plainly_that_the_members_changes_are_kept(client, meat, language):
    _sign_in(client, _member(meat, language))

    body = _text(client.get(reverse("portal:details")))

    assert DETAILS_KEPT[language] in body
    assert DETAILS_OLD[language] not in body


# --- Sign out and leave are different words ---------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_sign_out_and_leave_use_different_verbs(client, meat, language):
    _sign_in(client, _member(meat, language))
    membership_html = client.get(reverse("portal:membership")).content.decode()
    leave_html = client.get(reverse("portal:leave")).content.decode()

    sign_out = re.search(
        r'class="portal-header__sign-out".*?<button[^>]*>(.*?)</button>', membership_html, re.S
    ).group(1)
    leave_link = re.search(
        rf'<a class="button" href="{reverse("portal:leave")}">(.*?)</a>', membership_html
    ).group(1)
    leave_button = re.search(
        r'<form method="post" action="/my/leave/">.*?<button[^>]*>(.*?)</button>', leave_html, re.S
    ).group(1)

    verb = sign_out.split()[0].casefold()
    assert verb not in _words(leave_link), (sign_out, leave_link)
    assert verb not in _words(leave_button), (sign_out, leave_button)


# --- Polite capitals (Ukrainian, Bulgarian), forms for everyone (Polish), Romanian agreement -----


def _member_pages(client, member: Membership) -> dict[str, str]:
    _sign_in(client, member)
    pages = {
        name: _text(client.get(reverse(f"portal:{name}")))
        for name in ("membership", "leave", "details", "visits", "rights")
    }
    # The general rights, public: the same shipped texts.
    pages["public rights"] = _text(client.get(f"/rights/{member.person.language}/"))
    pages["signed in already"] = _text(client.get(reverse("portal:sign_in")))
    pages["left"] = _text(client.post(reverse("portal:leave"), follow=True))
    client.post(reverse("portal:sign_out"))
    pages["signed out"] = _text(client.get(reverse("portal:sign_out")))
    pages["sign in"] = _text(client.get(reverse("portal:sign_in")))
    return pages


@pytest.mark.parametrize("language", ["uk", "bg"])
def test_ukrainian_and_bulgarian_pages_write_the_polite_you_with_a_capital(client, meat, language):
    pages = _member_pages(client, _member(meat, language))

    for name, body in pages.items():
        assert LOWERCASE_POLITE[language].findall(body) == [], name
    assert CAPITAL_POLITE.search(pages["membership"])


def test_polish_pages_address_everyone_and_write_you_with_a_capital(client, meat):
    pages = _member_pages(client, _member(meat, "pl"))

    for name, body in pages.items():
        assert POLISH_GENDERED.findall(body) == [], name
        assert POLISH_LOWERCASE_YOU.findall(body) == [], name
    assert "Jest tak, jakby Twojego członkostwa nigdy nie było." in pages["left"]


def test_romanian_wrong_code_message_agrees_with_the_code_or_the_date(client, meat):
    person = PersonFactory(language="ro", date_of_birth=dt.date(1990, 5, 17))
    membership = MembershipFactory(person=person, sector=meat)
    code = credentials.access_code_issue(membership_id=membership.pk)

    response = client.post(
        reverse("portal:sign_in"),
        {"form": "code", "code": code, **date_of_birth_boxes("1990-05-18")},
        HTTP_ACCEPT_LANGUAGE="ro",
    )

    body = _text(response)
    assert response.status_code == 400
    assert "Codul sau data nașterii nu sunt corecte." in body
    assert "nu este corectă" not in body


# --- The way back on the leave page --------------------------------------------------------------


def test_no_go_back_is_a_button_sized_link_on_its_own_line_after_the_leave_button(client, meat):
    _sign_in(client, _member(meat, "en"))

    html = client.get(reverse("portal:leave")).content.decode()

    form_end = html.index("</form>", html.index('action="/my/leave/"'))
    back = re.search(r'<p class="leave-back"><a class="button button--secondary" href="/my/"', html)
    assert back is not None
    assert back.start() > form_end  # below the leave button, in its own block
    css = (ROOT / "portal/static/portal/portal.css").read_text()
    assert re.search(r"\.leave-back\s*{\s*margin: 24px 0 0;", css)
    # Outlined, not filled: it does not look like the button that leaves.
    assert re.search(
        r"\.button--secondary,\s*\.button--secondary:hover\s*{[^}]*background: var\(--bg\)", css
    )


@pytest.mark.django_db(transaction=True)
@needs_chromium
def test_no_go_back_is_44px_high_and_24px_below_the_leave_button_on_a_320px_screen(
    live_server, browser, meat
):
    membership = _member(meat, "ro")
    session = SessionStore()
    session[SESSION_KEY] = membership.pk
    session.create()
    context = browser.new_context(viewport={"width": 320, "height": 700})
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()

    page.goto(f"{live_server.url}/my/leave/")

    leave = page.locator('form[action="/my/leave/"] button').bounding_box()
    back = page.locator(".leave-back a").bounding_box()
    context.close()
    assert back["height"] >= 44
    assert back["width"] >= 44
    assert back["y"] - (leave["y"] + leave["height"]) >= 24
    assert back["x"] + back["width"] <= 320
