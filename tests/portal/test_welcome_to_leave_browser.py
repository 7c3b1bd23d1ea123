"""From the welcome SMS to the leave page in at most three taps, at 320 px, in Romanian and in
Ukrainian; by the letter's code to a leave and back again (undo). axe-core finds no WCAG 2.2
A/AA violation on any page on the way. Saves the Ukrainian steps as one picture for the README.

The link's token is after "#": no request Chromium makes on the way (its URL, its headers, the
Referer among them) and no line the server logs carries it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from PIL import Image

from enrolment import credentials as signin
from enrolment.models import Membership
from notifications.services import notice_deliver
from tests.browser import SCREENSHOTS, axe_violations, needs_axe, needs_chromium
from tests.enrolment.factories import MembershipFactory, PersonFactory
from tests.notifications.factories import NoticeFactory
from tests.portal.factories import link_token

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    needs_chromium,
    needs_axe,
]

SMALL_PHONE = {"width": 320, "height": 568}
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(autouse=True)
def _outbox(settings, tmp_path, live_server):
    settings.UNIONROLL_SMS_BACKEND = "notifications.channels.sms.FileSmsBackend"
    settings.UNIONROLL_SMS_FILE_PATH = tmp_path / "sms"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.UNIONROLL_PORTAL_BASE_URL = live_server.url


def _t(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def _today_at_eleven() -> dt.datetime:
    # Outside the quiet hours whenever the suite runs.
    return dt.datetime.combine(timezone.localdate(), dt.time(11, 0), tzinfo=AMSTERDAM)


def _welcomed(language: str) -> Membership:
    today = timezone.localdate()
    membership = MembershipFactory(
        person=PersonFactory(
            first_name="Olena" if language == "uk" else "Ioana",
            phone="+40721234567",
            email=None,
            language=language,
        ),
        covered_from=today - dt.timedelta(days=10),
        enrolled_on=today - dt.timedelta(days=3),
        window_ends=today + dt.timedelta(days=27),
    )
    outcome = notice_deliver(
        notice_id=NoticeFactory(membership=membership).pk, now=_today_at_eleven()
    )
    assert outcome.status == "sent"
    return membership


def _the_sms(settings) -> str:
    [message] = [
        json.loads(p.read_text()) for p in Path(settings.UNIONROLL_SMS_FILE_PATH).glob("*.json")
    ]
    return message["text"]


def _sms_picture(page, text: str, language: str) -> None:
    """The SMS as the member's phone shows it (a plain bubble), for the README's picture."""
    link = re.search(r"https?://\S+", text).group(0)
    body = text.replace(link, f'<a href="#">{link}</a>')
    page.set_content(
        f"""<!doctype html><html lang="{language}"><meta charset="utf-8">
        <body style="margin:0;background:#e5e5ea;font:16px/1.4 sans-serif">
        <p style="text-align:center;color:#555;margin:12px 0">SMS · Unionroll</p>
        <div style="margin:8px 12px;padding:10px 12px;background:#fff;border-radius:16px;
        overflow-wrap:anywhere">{body}</div></body></html>"""
    )


def _checked(page, where: str, problems: dict) -> None:
    if violations := axe_violations(page):
        problems[where] = violations


def _strip(paths: list[Path], target: Path) -> None:
    """Phone screenshots side by side, tops aligned, as one picture."""
    images = [Image.open(p) for p in paths]
    gap = 16
    height = max(i.height for i in images)
    width = sum(i.width for i in images) + gap * (len(images) - 1)
    strip = Image.new("RGB", (width, height), "white")
    x = 0
    for image in images:
        strip.paste(image, (x, 0))
        x += image.width + gap
    strip.save(target, optimize=True)


@pytest.mark.parametrize("language", ["ro", "uk"])
def test_from_the_welcome_sms_to_the_leave_page_in_three_taps(
    live_server, browser, settings, tmp_path, language, caplog
):
    caplog.set_level(logging.DEBUG)
    membership = _welcomed(language)
    sms = _the_sms(settings)
    link = re.search(re.escape(live_server.url) + r"/my/link/[a-z]{2}/#[\w-]+", sms).group(0)
    token = link_token(link)
    problems: dict = {}
    # A phone set to English: the pages must still come in the member's language.
    context = browser.new_context(viewport=SMALL_PHONE, locale="en-GB", device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(20_000)
    # Everything the browser sends the server (what an access log could hold): URLs, headers.
    sent: list[str] = []
    page.on("request", lambda r: sent.append(f"{r.method} {r.url} {r.all_headers()}"))
    shots = []

    def shot(name: str) -> None:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path))  # what the screen shows, 320 x 568
        shots.append(path)

    _sms_picture(page, sms, language)
    shot("1-sms")
    taps = 0

    page.goto(link)  # tap 1: the link in the SMS
    taps += 1
    assert page.locator("html").get_attribute("lang") == language
    # The script took the token into the form and out of the address bar.
    assert page.url == f"{live_server.url}/my/link/{language}/"
    assert page.locator("#link-token").input_value() == token
    _checked(page, "link page", problems)
    shot("2-link")
    page.get_by_role("button", name=_t(language, "Sign in")).click()  # tap 2
    taps += 1
    page.wait_for_url(f"{live_server.url}/my/")
    assert page.locator("html").get_attribute("lang") == language
    _checked(page, "membership", problems)
    shot("3-membership")
    page.get_by_role("link", name=_t(language, "Leave the union")).click()  # tap 3
    taps += 1
    page.wait_for_url(f"{live_server.url}/my/leave/")

    assert taps <= 3
    assert page.get_by_role("heading", level=1, name=_t(language, "Leave the union")).is_visible()
    leave_button = page.get_by_role("button", name=_t(language, "Yes, leave the union"))
    assert leave_button.is_visible()
    _checked(page, "leave page", problems)
    shot("4-leave")
    if language == "uk":
        _strip(shots, SCREENSHOTS / "welcome-sms-to-leave-uk.png")

    leave_button.click()
    page.wait_for_url(f"{live_server.url}/my/left/")
    assert re.search(r"L-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", page.content())
    _checked(page, "left page", problems)
    membership.refresh_from_db()
    assert (membership.status, membership.void) == (Membership.Status.OPTED_OUT, True)
    context.close()

    assert not problems, problems
    assert any(s.startswith(f"POST {live_server.url}/my/link/ ") for s in sent)
    assert not [s for s in sent if token in s]
    assert token not in caplog.text


def test_a_link_opened_without_javascript_or_without_its_token_says_what_to_do(
    live_server, browser, settings
):
    _welcomed("pl")
    link = re.search(re.escape(live_server.url) + r"/my/link/pl/#[\w-]+", _the_sms(settings))

    without_js = browser.new_context(viewport=SMALL_PHONE, java_script_enabled=False)
    page = without_js.new_page()
    page.goto(link.group(0))
    no_js = _t(
        "pl",
        "This page needs JavaScript to read your link, and it is switched off in this browser. "
        "Switch it on and tap the link in your message again. Or ask for a new link, or sign in "
        "with the code from your welcome letter.",
    )
    # Playwright's text and role locators skip <noscript>; CSS finds what the browser shows.
    message, new_link = page.locator("noscript p").all()
    assert message.is_visible() and message.inner_text() == no_js
    assert new_link.locator("a").get_attribute("href") == "/my/sign-in/"
    assert new_link.inner_text() == _t("pl", "Ask for a new link")
    assert not page.get_by_role("button", name=_t("pl", "Sign in")).is_visible()
    without_js.close()

    cut_short = browser.new_context(viewport=SMALL_PHONE)
    page = cut_short.new_page()
    page.goto(f"{live_server.url}/my/link/pl/")  # the link copied without its end
    missing = _t(
        "pl",
        "We could not read your link. Tap the link in your message again, or ask for a new one.",
    )
    assert page.get_by_text(missing).is_visible()
    assert not page.get_by_role("button", name=_t("pl", "Sign in")).is_visible()
    cut_short.close()


def test_by_the_letters_code_a_member_leaves_and_undoes_it(live_server, browser):
    born = dt.date(1994, 3, 8)
    membership = MembershipFactory(
        person=PersonFactory(phone=None, email=None, date_of_birth=born, language="ro")
    )
    code = signin.access_code_issue(membership_id=membership.pk)
    problems: dict = {}
    context = browser.new_context(viewport=SMALL_PHONE, locale="ro-RO")
    page = context.new_page()
    page.set_default_timeout(20_000)

    page.goto(f"{live_server.url}/my/sign-in/")
    _checked(page, "sign-in", problems)
    page.get_by_label(_t("ro", "Your personal code (from your welcome letter)")).fill(code)
    code_form = page.locator("form", has=page.locator("input[name=code]"))
    code_form.get_by_label(_t("ro", "Day")).fill("8")
    code_form.get_by_label(_t("ro", "Month")).fill("3")
    code_form.get_by_label(_t("ro", "Year")).fill("1994")
    code_form.get_by_role("button", name=_t("ro", "Sign in")).click()
    page.wait_for_url(f"{live_server.url}/my/")

    page.get_by_role("link", name=_t("ro", "Leave the union")).click()
    page.get_by_role("button", name=_t("ro", "Yes, leave the union")).click()
    page.wait_for_url(f"{live_server.url}/my/left/")
    receipt = re.search(r"L-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", page.content()).group(0)
    assert page.get_by_text(receipt).is_visible()
    _checked(page, "left page with undo", problems)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.OPTED_OUT

    page.get_by_role("button", name=_t("ro", "Undo my leave")).click()
    page.wait_for_url(f"{live_server.url}/my/")
    assert page.get_by_text(
        _t("ro", "Your leave is undone. You are a member again, just as before you left.")
    ).is_visible()
    _checked(page, "membership after undo", problems)
    membership.refresh_from_db()
    assert (membership.status, membership.void) == (Membership.Status.ENROLLED, False)
    context.close()

    assert not problems, problems


def test_on_a_small_phone_the_first_field_is_on_the_first_screen_with_the_number_keyboard(
    live_server, browser
):
    context = browser.new_context(viewport=SMALL_PHONE, locale="uk-UA")
    page = context.new_page()
    page.goto(f"{live_server.url}/my/sign-in/")

    phone = page.locator("input[name=phone]")
    box = phone.bounding_box()
    assert box["y"] + box["height"] <= SMALL_PHONE["height"]
    assert (phone.get_attribute("type"), phone.get_attribute("inputmode")) == ("tel", "tel")
    assert phone.get_attribute("autocomplete") == "tel"
    for part in ("day", "month", "year"):
        box_input = page.locator(
            f"input[name=code-date_of_birth_{part}], "
            f"form:has(input[name=code]) input[name=date_of_birth_{part}]"
        )
        assert box_input.get_attribute("inputmode") == "numeric"
        assert box_input.get_attribute("autocomplete") == f"bday-{part}"
    assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
    context.close()
