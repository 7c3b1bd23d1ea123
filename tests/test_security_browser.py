"""Every kind of page works in Chromium under the Content-Security-Policy: no violation is
reported on a public rights page, the portal (signed out and signed in), the staff login and
roster list, the admin (index, a change list, a change form with its filter widget), and the API
documentation (Swagger UI, which must actually draw the API). The Stripe pages load
Stripe.js from Stripe, which this machine cannot reach: their header is checked in
tests/test_security_pages.py instead.

Drives Debian's Chromium with Playwright (tests/browser.py).
"""

from __future__ import annotations

import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore

from enrolment.rights import rights_texts_load
from portal.session import SESSION_KEY
from tests.browser import needs_chromium
from tests.employers.factories import (
    OrganisationFactory,
    SectorFactory,
    UnionAdminFactory,
    UserFactory,
)
from tests.enrolment.factories import MembershipFactory, PersonFactory

PASSWORD = "correct horse battery staple"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]

# Every document the browser builds reports what the policy blocked; the test reads it back.
# An init script runs through DevTools, outside the page's policy.
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture
def world(live_server):
    rights_texts_load()
    import_module("enrolment.migrations.0008_minimum_wage_rates").load(django_apps, None)
    UnionAdminFactory(username="ursula", password=PASSWORD)
    agency = OrganisationFactory(name="Flexkracht Oost Uitzendbureau B.V.")
    UserFactory(username="anna", password=PASSWORD, organisation=agency)
    membership = MembershipFactory(
        person=PersonFactory(language="pl"),
        sector=SectorFactory(code="meat"),
        window_ends=dt.date(2099, 1, 1),
    )
    return {"agency": agency, "membership": membership, "base": live_server.url}


class Watched:
    """A browser context that records CSP violations and CSP console errors on every page."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.add_init_script(WATCH)
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.console: list[str] = []
        self.page.on(
            "console",
            lambda message: (
                self.console.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        self.problems: dict[str, list[str]] = {}

    def visit(self, url: str, *, ready: str | None = None) -> None:
        response = self.page.goto(url)
        assert response is not None and response.ok, (url, response and response.status)
        assert "content-security-policy" in response.headers, url
        if ready:
            self.page.locator(ready).first.wait_for(state="visible")
        else:
            self.page.wait_for_load_state("networkidle")
        self.check(url)

    def check(self, where: str) -> None:
        found = list(self.page.evaluate("() => window.__cspViolations || []")) + self.console
        self.console = []
        if found:
            self.problems[where] = found

    def log_in(self, base: str, login_path: str, username: str) -> None:
        self.page.goto(f"{base}{login_path}")
        self.check(login_path)
        self.page.locator("input[name=username]").fill(username)
        self.page.locator("input[name=password]").fill(PASSWORD)
        self.page.locator("[type=submit]").first.click()
        self.page.wait_for_load_state("networkidle")
        assert "/login/" not in self.page.url, self.page.url

    def close(self) -> None:
        self.context.close()


def test_member_pages_report_no_csp_violation(browser, world):
    base = world["base"]
    watched = Watched(browser)
    watched.visit(f"{base}/rights/pl/", ready="main h1")
    watched.visit(f"{base}/my/sign-in/", ready="main form")

    session = SessionStore()
    session[SESSION_KEY] = world["membership"].pk
    session.create()
    watched.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": base}]
    )
    watched.visit(f"{base}/my/", ready="main h1")
    watched.visit(f"{base}/my/leave/", ready="main form")
    watched.close()

    assert watched.problems == {}


def test_staff_pages_and_admin_report_no_csp_violation(browser, world):
    base = world["base"]
    agency = Watched(browser)
    agency.log_in(base, "/accounts/login/", "anna")
    agency.visit(f"{base}/rosters/", ready="main h1")
    agency.visit(f"{base}/invoices/", ready="main h1")
    agency.close()

    admin = Watched(browser)
    admin.log_in(base, "/admin/login/", "ursula")
    admin.visit(f"{base}/admin/", ready="#content")
    admin.visit(f"{base}/admin/employers/organisation/", ready="#changelist")
    # A change form with Django's filter widget (SelectFilter2) and its data-driven scripts.
    admin.visit(
        f"{base}/admin/employers/organisation/{world['agency'].pk}/change/",
        ready=".selector-available",
    )
    admin.visit(f"{base}/admin/axes/accessattempt/", ready="#changelist")
    admin.close()

    assert agency.problems == {}
    assert admin.problems == {}


def test_api_documentation_draws_the_api_under_the_policy(browser, world):
    base = world["base"]
    watched = Watched(browser)
    watched.log_in(base, "/admin/login/", "ursula")

    # Swagger UI: the start-up script is a file, the schema is fetched with the login.
    watched.visit(f"{base}/api/v1/docs/", ready=".swagger-ui .opblock-tag")
    assert watched.page.locator(".swagger-ui .opblock").count() > 3
    assert "Unionroll API" in watched.page.locator(".swagger-ui .info").inner_text()

    watched.close()
    assert watched.problems == {}
