"""A member in a phone-sized browser: asks for a sign-in link, opens it from the SMS, switches
the portal to Romanian, leaves the union and joins again; axe-core finds no WCAG 2.2 A/AA
violation on any page on the way. Saves the portal screenshots in docs/screenshots/ in English
and Romanian.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.utils import translation
from pypdf import PdfReader

from enrolment.models import Membership
from enrolment.rights import rights_texts_load
from tests.browser import PHONE, SCREENSHOTS, axe_violations, needs_axe, needs_chromium
from tests.employers.factories import SectorFactory, SiteFactory
from tests.enrolment.factories import MembershipFactory, PayrollLineFactory, PersonFactory
from tests.notifications.factories import WorkplaceVisitFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    needs_chromium,
    needs_axe,
]


@pytest.fixture(autouse=True)
def _sms_to_files(settings, tmp_path):
    settings.UNIONROLL_SMS_BACKEND = "notifications.channels.sms.FileSmsBackend"
    settings.UNIONROLL_SMS_FILE_PATH = tmp_path / "sms"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def ioana(live_server, settings):
    settings.UNIONROLL_PORTAL_BASE_URL = live_server.url
    # The live server's database is emptied between browser tests: load the shipped rights
    # and minimum wage rates again, as the migrations did.
    rights_texts_load()
    import_module("enrolment.migrations.0008_minimum_wage_rates").load(django_apps, None)
    meat = SectorFactory(code="meat", name="Vleessector")
    today = dt.date.today()
    person = PersonFactory(
        first_name="Ioana",
        last_name="Popescu",
        date_of_birth=dt.date(1995, 2, 3),
        phone="+40721234567",
        email=None,
        language="en",
    )
    membership = MembershipFactory(
        person=person,
        sector=meat,
        status=Membership.Status.ENROLLED,
        covered_from=today - dt.timedelta(days=10),
        enrolled_on=today - dt.timedelta(days=3),
        window_ends=today + dt.timedelta(days=27),
    )
    site = SiteFactory(sector=meat, name="Slachterij Oss", address="Industrieweg 12\n5349 AB Oss")
    PayrollLineFactory(
        person=person,
        sector=meat,
        site=site,
        cao_phase="A",
        period_start=today - dt.timedelta(days=13),
        period_end=today - dt.timedelta(days=7),
    )
    starts = dt.datetime.combine(today + dt.timedelta(days=9), dt.time(12, 30), tzinfo=dt.UTC)
    WorkplaceVisitFactory(
        site=site,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        place_phrase="canteen",
        place="gebouw B",
        place_translations={"en": "building B", "ro": "clădirea B"},
        languages=["ro", "pl", "nl"],
        note_phrases=["break"],
        note="Koffie staat klaar.",
        note_translations={"en": "Coffee is ready.", "ro": "Cafeaua este gata."},
    )
    return membership


def _sms_link(directory: Path, base: str) -> str:
    messages = [json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))]
    assert len(messages) == 1, messages
    match = re.search(re.escape(base) + r"/my/link/[a-z]{2}/#[\w-]+", messages[0]["text"])
    assert match, "no sign-in link in the SMS"
    return match.group(0)


def _ro(text: str) -> str:
    with translation.override("ro"):
        return translation.gettext(text)


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _checked(page, where: str, problems: dict) -> None:
    if violations := axe_violations(page):
        problems[where] = violations


def test_member_signs_in_by_link_switches_to_romanian_leaves_and_rejoins(
    live_server, browser, ioana, settings
):
    base = live_server.url
    problems: dict = {}
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(20_000)

    # The address in the welcome SMS leads to the sign-in page.
    page.goto(f"{base}/my/")
    assert page.url == f"{base}/my/sign-in/"
    _checked(page, "sign-in (en)", problems)
    _shot(page, "portal-sign-in-en")
    page.get_by_label("Your mobile phone number").fill("0040 721 234 567")
    page.get_by_role("button", name="Send me a link").click()
    page.wait_for_url(f"{base}/my/link-sent/")
    _checked(page, "link sent (en)", problems)

    page.goto(_sms_link(Path(settings.UNIONROLL_SMS_FILE_PATH), base))
    _checked(page, "link (en)", problems)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/my/")
    assert page.get_by_role("heading", name="My membership").is_visible()
    assert page.get_by_text("Hello Ioana").is_visible()
    _checked(page, "membership (en)", problems)
    _shot(page, "portal-membership-en")
    for name in ("rights", "visits", "details"):
        page.goto(f"{base}/my/{name}/")
        _checked(page, f"{name} (en)", problems)
        _shot(page, f"portal-{name}-en")
        if name == "rights":
            # Aged 21 or over: the adult statutory rate of today.
            assert page.get_by_text(re.compile(r"€\s?1\d\.\d\d")).first.is_visible()
    page.goto(f"{base}/my/")

    # Signed in, the switch is folded under "Language: English" to keep the header short. It
    # changes the pages, not the language of Ioana's messages (My details does that).
    assert not page.get_by_role("button", name="Română").is_visible()
    page.get_by_text("Language: English").click()
    page.get_by_role("button", name="Română").click()
    page.wait_for_url(f"{base}/my/")
    assert page.locator("html").get_attribute("lang") == "ro"
    assert page.get_by_role("heading", name=_ro("My membership")).is_visible()
    ioana.person.refresh_from_db()
    assert (ioana.person.language, ioana.person.language_set_by_member) == ("en", False)
    _checked(page, "membership (ro)", problems)
    _shot(page, "portal-membership-ro")
    for name in ("rights", "visits", "details", "data"):
        page.goto(f"{base}/my/{name}/")
        _checked(page, f"{name} (ro)", problems)
        _shot(page, f"portal-{name}-ro")
    # Download my data: the PDF, in the language the pages are read in.
    with page.expect_download() as download:
        page.get_by_role("link", name=_ro("Download as PDF")).click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert _ro("Your data held by the union") in "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages
    )
    page.goto(f"{base}/my/")

    page.get_by_role("link", name=_ro("Leave the union")).click()
    page.wait_for_url(f"{base}/my/leave/")
    assert page.get_by_text(
        _ro("If you leave now, you will never have been a member.")
    ).is_visible()
    _checked(page, "leave (ro)", problems)
    _shot(page, "portal-leave-ro")
    page.get_by_role("button", name=_ro("Yes, leave the union")).click()
    page.wait_for_url(f"{base}/my/left/")
    ioana.refresh_from_db()
    assert (ioana.status, ioana.void) == (Membership.Status.OPTED_OUT, True)
    _checked(page, "left (ro)", problems)
    page.get_by_role("link", name=_ro("To my membership")).click()
    page.wait_for_url(f"{base}/my/")
    _checked(page, "membership after leaving (ro)", problems)

    page.get_by_role("link", name=_ro("Join the union again")).click()
    page.wait_for_url(f"{base}/my/rejoin/")
    _checked(page, "rejoin (ro)", problems)
    page.get_by_role("button", name=_ro("Yes, join the union again")).click()
    page.wait_for_url(f"{base}/my/")
    ioana.refresh_from_db()
    assert ioana.status == Membership.Status.OPTED_IN
    assert ioana.spell == 2
    assert page.get_by_role("link", name=_ro("Leave the union")).is_visible()
    context.close()

    assert not problems, problems


def test_sign_in_page_in_romanian_before_the_member_is_known(live_server, browser):
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/my/sign-in/")

    # Folded, under "Language" written in all six: a visitor finds their own word.
    page.get_by_text("Limba").click()
    page.get_by_role("button", name="Română").click()

    assert page.locator("html").get_attribute("lang") == "ro"
    assert page.get_by_role("button", name=_ro("Send me a link")).is_visible()
    assert axe_violations(page) == []
    _shot(page, "portal-sign-in-ro")
    context.close()
