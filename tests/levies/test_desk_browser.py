"""A union admin in a real browser matches an unmatched bank entry on the reconciliation desk
and sees the invoice become paid.

Drives Debian's Chromium (``/usr/bin/chromium``) with Playwright; never a browser that
Playwright downloads itself. Saves docs/screenshots/reconciliation-desk.png.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from levies.bank.services import bank_statement_import
from levies.models import BankEntry, Invoice
from tests.browser import SCREENSHOTS, needs_chromium
from tests.employers.factories import OrganisationFactory, UnionAdminFactory
from tests.levies.desk_helpers import issued, stripe_paid
from tests.levies.test_bank_import import Line, camt, wrong_check_digit

PASSWORD = "correct horse battery staple"

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture
def desk_book(transactional_db):
    UnionAdminFactory(username="ursula", password=PASSWORD)
    # Fixed numbers, so the screenshot in docs/ reads the same whatever ran before.
    flex = OrganisationFactory(name="Flexkracht Oost Uitzendbureau B.V.", kvk="61234565")
    brabant = OrganisationFactory(name="Brabant Personeelsdiensten B.V.", kvk="73518204")
    today = dt.date.today()
    paid = issued(
        "269.44",
        flex,
        sequence=2,
        issue_date=today - dt.timedelta(days=6),
        due_date=today + dt.timedelta(days=24),
    )
    late = issued(
        "25.90",
        brabant,
        sequence=1,
        issue_date=today - dt.timedelta(days=48),
        due_date=today - dt.timedelta(days=18),
    )
    partly = issued(
        "28.02",
        brabant,
        sequence=3,
        issue_date=today - dt.timedelta(days=6),
        due_date=today + dt.timedelta(days=24),
    )
    stripe_paid(paid, "269.44", "pi_demo")
    booked = today - dt.timedelta(days=2)
    bank_statement_import(
        data=camt(
            [
                Line("15.00", "B1", structured=partly.payment_reference, booked=booked),
                Line(
                    "13.02",
                    "B2",
                    structured=wrong_check_digit(partly.payment_reference),
                    booked=booked,
                ),
                Line("120.00", "B3", text="Bijdrage november", booked=booked),
            ]
        ),
        filename="statement.xml",
    )
    return {"partly": partly, "late": late}


def test_admin_matches_an_unmatched_entry_and_sees_the_invoice_paid(
    live_server, browser, desk_book
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(20_000)
    partly = desk_book["partly"]

    page.goto(f"{live_server.url}/desk/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Username").fill("ursula")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/desk/")

    assert page.get_by_role("heading", name="Reconciliation desk").is_visible()
    queue = page.locator("table.queue tbody tr")
    assert queue.count() == 2
    page.screenshot(path=str(SCREENSHOTS / "reconciliation-desk.png"), full_page=True)

    page.get_by_role("link", name=re.compile(r"Match or park € 13,02")).click()
    page.wait_for_url(re.compile(r"/desk/entries/\d+/$"))
    likely = page.locator("table.candidates tbody tr").first
    assert partly.number in likely.inner_text()
    assert likely.get_by_role("textbox").input_value() == "13.02"
    page.get_by_role("checkbox", name=partly.number).check()
    page.locator("#match-note").fill("Reference mistyped; payer and amount match")
    page.screenshot(path=str(SCREENSHOTS / "reconciliation-desk-match.png"), full_page=True)
    page.get_by_role("button", name="Match", exact=True).click()

    page.wait_for_url(re.compile(r"/desk/"))
    assert page.get_by_text(f"{partly.number}: paid").is_visible()
    assert page.locator("table.queue tbody tr").count() == 1
    page.goto(f"{live_server.url}/invoices/{partly.pk}/")
    assert page.locator(".badge--paid").count() == 1
    assert Invoice.objects.get(pk=partly.pk).status == "paid"
    assert BankEntry.objects.filter(status="unmatched").count() == 1
    context.close()
