"""The public rights page in Polish in a phone-sized browser: no axe-core violations (WCAG 2.2
A/AA), nothing wider than the narrowest phone screen (320 px), no cookie left in the browser.
Saves docs/screenshots/rights-public-pl.png."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from enrolment.rights import rights_texts_load
from tests.browser import PHONE, SCREENSHOTS, axe_violations, needs_axe, needs_chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    needs_chromium,
    needs_axe,
]

NARROWEST = {"width": 320, "height": 700}


@pytest.fixture
def polish_page(live_server, browser):
    # The live server's database is emptied between browser tests: load the shipped rights
    # and minimum wage rates again, as the migrations did.
    rights_texts_load()
    import_module("enrolment.migrations.0008_minimum_wage_rates").load(django_apps, None)
    context = browser.new_context(viewport=NARROWEST, locale="pl-PL")
    yield context, context.new_page(), live_server.url
    context.close()


def test_public_rights_page_in_polish_passes_axe_fits_320px_and_sets_no_cookie(polish_page):
    context, page, base = polish_page

    # /rights/ follows the browser's language.
    page.goto(base + reverse("public:rights"))

    assert page.url == base + reverse("public:rights_page", args=["pl"])
    assert page.locator("html").get_attribute("lang") == "pl"
    assert page.locator("h1").inner_text() == "Twoje prawa w pracy"
    assert page.locator("table.wage-table caption").is_visible()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROWEST["width"]
    assert context.cookies() == []

    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "rights-public-pl.png"), full_page=True)


def test_language_links_lead_to_the_page_in_that_language(polish_page):
    _, page, base = polish_page
    page.goto(base + reverse("public:rights_page", args=["pl"]))

    page.get_by_role("link", name="Română").click()

    assert page.url == base + reverse("public:rights_page", args=["ro"])
    assert page.locator("html").get_attribute("lang") == "ro"
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROWEST["width"]
