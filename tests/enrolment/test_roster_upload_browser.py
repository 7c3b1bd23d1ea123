"""A payroll clerk in a real browser: a file with a mistake, then the corrected file.

Drives Debian's Chromium (``/usr/bin/chromium``) with Playwright; never a browser that
Playwright downloads itself. Saves the screenshots used in the docs.
"""

from __future__ import annotations

import re

import pytest

from enrolment.models import RosterUpload
from tests.browser import SCREENSHOTS, needs_chromium
from tests.employers.factories import OrganisationFactory, SectorFactory, UserFactory
from tests.enrolment.factories import RosterUploadFactory

PASSWORD = "correct horse battery staple"

HEADER = (
    "worker_number,first_name,last_name,date_of_birth,period_start,period_end,"
    "hours_worked,gross_wages\n"
)
GOOD_ROWS = (
    "004211,Łukasz,Wróbel,1990-05-17,2026-11-02,2026-11-08,38.00,558.98\n"
    "004213,Georgi,Dimitrov,1988-09-30,2026-11-02,2026-11-08,36.50,537.10\n"
)
ROSTER_WITH_ONE_ERROR = (
    HEADER + GOOD_ROWS + ("004212,Ioana,Popescu,1995-02-30,2026-11-02,2026-11-08,40.00,588.40\n")
)
CORRECTED_ROSTER = (
    HEADER + GOOD_ROWS + ("004212,Ioana,Popescu,1995-02-03,2026-11-02,2026-11-08,40.00,588.40\n")
)

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture
def anna():
    flexwerk = OrganisationFactory(
        name="Flexwerk Uitzendbureau B.V.", sectors=[SectorFactory(code="meat")]
    )
    return UserFactory(username="anna", organisation=flexwerk, password=PASSWORD)


def log_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/rosters/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Username").fill("anna")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/rosters/")


def upload(page, base_url: str, name: str, content: str) -> None:
    page.goto(f"{base_url}/rosters/")
    page.get_by_label("Roster file").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content.encode()}
    )
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url(re.compile(r"/rosters/\d+/$"))
    page.get_by_role("heading", level=2).first.wait_for()


def test_clerk_fixes_a_rejected_roster_and_sees_it_applied(live_server, browser, anna):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(20_000)

    log_in(page, live_server.url)

    upload(page, live_server.url, "loonrun-week-45.csv", ROSTER_WITH_ONE_ERROR)

    assert page.get_by_text("Nothing from this file was applied").is_visible()
    error_rows = page.locator("table.issues tbody tr")
    assert error_rows.count() == 1
    assert "date_of_birth" in error_rows.first.inner_text()
    assert error_rows.first.locator("td").first.inner_text() == "4"
    assert page.get_by_role("link", name="Download error report (CSV)").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "roster-upload-rejected.png"), full_page=True)

    page.set_viewport_size({"width": 1280, "height": 900})
    upload(page, live_server.url, "loonrun-week-45-corrected.csv", CORRECTED_ROSTER)

    assert page.get_by_role("heading", name="Applied").is_visible()
    assert page.get_by_text("All 3 rows from this file are now on record.").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "roster-applied.png"), full_page=True)

    page.goto(f"{live_server.url}/rosters/")
    statuses = page.locator("table.uploads tbody tr .badge").all_inner_texts()
    assert statuses == ["Applied", "Rejected"]
    context.close()


def test_progress_page_follows_a_running_upload_until_it_is_applied(live_server, browser, anna):
    running = RosterUploadFactory(
        organisation=anna.organisation,
        status=RosterUpload.Status.PROCESSING,
        period_start=None,
        period_end=None,
        rows=0,
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(20_000)
    log_in(page, live_server.url)

    with page.expect_response(lambda r: r.url.endswith(f"/rosters/{running.pk}/status.json")):
        page.goto(f"{live_server.url}/rosters/{running.pk}/")
    assert page.get_by_role("heading", name="We are checking your file").is_visible()

    # The worker finishes; the page notices on its next poll and shows the outcome.
    RosterUpload.objects.filter(pk=running.pk).update(status=RosterUpload.Status.APPLIED, rows=3)

    page.get_by_role("heading", name="Applied").wait_for()
    assert page.get_by_text("All 3 rows from this file are now on record.").is_visible()
    context.close()
