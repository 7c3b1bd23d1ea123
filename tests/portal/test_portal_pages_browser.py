"""The portal's pages in a phone-sized browser: no axe-core violations (WCAG 2.2 A/AA), and
nothing wider than the narrowest phone screen (320 px)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from portal.session import SESSION_KEY
from tests.browser import axe_violations, needs_axe, needs_chromium
from tests.employers.factories import SectorFactory, SiteFactory
from tests.enrolment.factories import MembershipFactory, PayrollLineFactory, PersonFactory
from tests.notifications.factories import WorkplaceVisitFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    needs_chromium,
    needs_axe,
]

NARROWEST = {"width": 320, "height": 700}


@pytest.fixture
def signed_in_page(live_server, browser, settings):
    meat = SectorFactory(code="meat")
    membership = MembershipFactory(
        person=PersonFactory(language="pl"), sector=meat, window_ends=dt.date(2099, 1, 1)
    )
    site = SiteFactory(sector=meat, address="Parallelweg 14\n5283 AA Boxtel")
    PayrollLineFactory(
        person=membership.person, sector=meat, site=site, cao_phase="B", period_end=dt.date.today()
    )
    WorkplaceVisitFactory(site=site, starts_at=dt.datetime(2099, 1, 5, 10, tzinfo=dt.UTC))
    session = SessionStore()
    session[SESSION_KEY] = membership.pk
    session.create()
    context = browser.new_context(viewport=NARROWEST)
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )
    yield context.new_page(), live_server.url
    context.close()


def test_portal_pages_pass_axe_and_fit_a_320px_screen(signed_in_page):
    page, base = signed_in_page
    problems = {}

    for name in ["membership", "leave", "details", "rights", "visits"]:
        page.goto(base + reverse(f"portal:{name}"))
        if violations := axe_violations(page):
            problems[name] = violations
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= NARROWEST["width"], (name, width)

    assert not problems, problems


def test_details_form_with_an_error_passes_axe(signed_in_page):
    page, base = signed_in_page
    page.goto(base + reverse("portal:details"))

    page.fill("#id_phone", "12ab")
    page.click("form.card button[type=submit]")

    assert page.locator("#id_phone_error").is_visible()
    assert axe_violations(page) == []


def test_confirming_new_details_passes_axe_and_fits_a_320px_screen(
    signed_in_page, settings, tmp_path
):
    # The codes are written to a temporary outbox, never .data/.
    settings.UNIONROLL_SMS_BACKEND = "notifications.channels.sms.FileSmsBackend"
    settings.UNIONROLL_SMS_FILE_PATH = tmp_path / "sms"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    page, base = signed_in_page
    page.goto(base + reverse("portal:details"))

    page.fill("#id_phone", "+48 600 100 267")
    page.fill("#id_email", "nowy.adres@example.pl")
    page.click("form.card button[type=submit]")
    page.wait_for_url("**" + reverse("portal:details_confirm"))

    # The masked new number, in Polish (the member's language).
    page.get_by_text("+48 6•• ••• •67").wait_for()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROWEST["width"]
    page.fill("#id_phone-code", "12")
    page.click("button[name=phone-action][value=confirm]")
    page.locator("#id_phone-code_error").wait_for()
    assert axe_violations(page) == []
