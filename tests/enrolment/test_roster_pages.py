"""The roster pages agency payroll staff use: upload, follow, fix, and only ever their own."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enrolment.models import RosterUpload
from tests.employers.factories import (
    HirerFactory,
    UserFactory,
)
from tests.enrolment.factories import RosterUploadFactory
from tests.roster_people import ROSTER_WITH_ERRORS, VALID_ROSTER, roster_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def flexwerk_upload(flexwerk):
    return RosterUploadFactory(organisation=flexwerk, original_filename="flexwerk-week-45.csv")


def logged_in(client, user):
    client.force_login(user)
    return client


def upload_via_page(client, content, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("enrolment:roster_list"), {"file": roster_file(content), **data})


def upload_urls(upload_id: int) -> list[str]:
    return [
        reverse("enrolment:roster_detail", args=[upload_id]),
        reverse("enrolment:roster_status", args=[upload_id]),
        reverse("enrolment:roster_errors_csv", args=[upload_id]),
    ]


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# --- Logging in and out ---


def test_login_page_logs_an_agency_user_in_and_sends_them_to_their_rosters(client, anna):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert 'autocomplete="current-password"' in page.content.decode()

    response = client.post(
        reverse("login"), {"username": "anna", "password": "correct horse battery staple"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("enrolment:roster_list")


def test_wrong_password_shows_an_error_and_does_not_log_in(client, anna):
    response = client.post(reverse("login"), {"username": "anna", "password": "wrong"})

    assert response.status_code == 200
    assert "correct username and password" in text_of(response)
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_form_that_ends_the_session(client, anna):
    page = logged_in(client, anna).get(reverse("enrolment:roster_list"))
    assert re.search(r'<form method="post" action="/accounts/logout/"', page.content.decode())

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


# --- Uploading ---


def test_agency_user_uploads_a_valid_file_and_sees_it_applied(
    client, anna, flexwerk, django_capture_on_commit_callbacks
):
    response = upload_via_page(
        logged_in(client, anna), VALID_ROSTER, django_capture_on_commit_callbacks
    )

    upload = RosterUpload.objects.get()
    assert response.status_code == 302
    # Ids only in the address: nothing that names a person or the file.
    assert response["Location"] == f"/rosters/{upload.pk}/"
    assert upload.organisation == flexwerk
    assert upload.uploaded_by == anna
    assert upload.source == RosterUpload.Source.WEB

    page = client.get(response["Location"])

    text = text_of(page)
    assert page.status_code == 200
    assert "Applied" in text
    assert "All 2 rows from this file are now on record." in text
    # Membership counts are union staff's only (tests/enrolment/test_agency_learns_nothing.py).
    assert "Members enrolled" not in text
    assert "loonrun-week-45.csv" in text

    listing = text_of(client.get(reverse("enrolment:roster_list")))
    assert "loonrun-week-45.csv" in listing
    assert "2 Nov \u2013 8 Nov 2026" in listing


def test_an_unexpected_failure_shows_failed_on_the_upload_page_not_an_error_page(
    client, anna, flexwerk, django_capture_on_commit_callbacks, monkeypatch, settings
):
    from enrolment.services import ingest_sql

    settings.CELERY_TASK_ALWAYS_EAGER = True

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(ingest_sql, "apply", broken)

    response = upload_via_page(
        logged_in(client, anna), VALID_ROSTER, django_capture_on_commit_callbacks
    )

    upload = RosterUpload.objects.get()
    assert response.status_code == 302
    assert upload.status == RosterUpload.Status.FAILED
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Failed" in text_of(page)


def test_file_with_errors_shows_every_error_and_the_csv_report_contains_them(
    client, anna, django_capture_on_commit_callbacks
):
    response = upload_via_page(
        logged_in(client, anna), ROSTER_WITH_ERRORS, django_capture_on_commit_callbacks
    )

    page = client.get(response["Location"])

    html = page.content.decode()
    assert "Nothing from this file was applied" in html
    assert "We found 2 problems in the file." in text_of(page)
    rows = re.findall(
        r'<td data-label="Row" class="num">(\d+)</td>\s*<td data-label="Column"><code>(\w+)</code>',
        html,
    )
    assert set(rows) == {("2", "date_of_birth"), ("3", "hours_worked")}
    assert '<code class="value">-4</code>' in html
    # A date of birth is personal data: the page names the cell but does not repeat it.
    assert "1990-13-45" not in html
    csv_url = reverse("enrolment:roster_errors_csv", args=[RosterUpload.objects.get().pk])
    assert f'href="{csv_url}"' in html
    assert "Download error report (CSV)" in html

    report = client.get(csv_url)

    assert report.status_code == 200
    assert report["Content-Type"].startswith("text/csv")
    assert "attachment" in report["Content-Disposition"]
    lines = list(csv.DictReader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert {(r["row"], r["column"], r["value"]) for r in lines} == {
        ("2", "date_of_birth", ""),
        ("3", "hours_worked", "-4"),
    }
    assert all(r["message"] for r in lines)
    assert RosterUpload.objects.get().status == RosterUpload.Status.REJECTED


@pytest.mark.django_db(transaction=True)
def test_uploading_the_same_file_again_says_nothing_changed(
    client, anna, django_capture_on_commit_callbacks
):
    logged_in(client, anna)
    upload_via_page(client, VALID_ROSTER, django_capture_on_commit_callbacks)

    response = upload_via_page(client, VALID_ROSTER, django_capture_on_commit_callbacks)

    text = text_of(client.get(response["Location"]))
    assert "This exact file was already applied on" in text
    assert "nothing changed." in text


@pytest.mark.django_db(transaction=True)
def test_corrected_file_for_the_same_period_shows_what_changed(
    client, anna, django_capture_on_commit_callbacks
):
    logged_in(client, anna)
    upload_via_page(client, VALID_ROSTER, django_capture_on_commit_callbacks)
    corrected = VALID_ROSTER.replace("40.00,588.40", "42.00,617.82")

    response = upload_via_page(client, corrected, django_capture_on_commit_callbacks)

    text = text_of(client.get(response["Location"]))
    assert "Changes from the file it replaced" in text
    assert "1 worker with changed hours or wages" in text
    assert "0 workers added" in text


def test_a_file_that_is_no_spreadsheet_is_refused_before_anything_is_stored(client, anna):
    response = logged_in(client, anna).post(
        reverse("enrolment:roster_list"),
        {"file": SimpleUploadedFile("payslips.pdf", b"%PDF-1.7")},
    )

    assert response.status_code == 400
    assert "Upload a .csv or .xlsx file." in text_of(response)
    assert not RosterUpload.objects.exists()


def test_upload_page_shows_the_format_in_short_and_links_to_it(client, anna):
    page = logged_in(client, anna).get(reverse("enrolment:roster_list"))

    html = page.content.decode()
    assert 'accept=".csv,.txt,.tsv,.xlsx"' in html
    assert "<code>worker_number</code>" in html
    assert f'href="{reverse("enrolment:roster_format")}"' in html
    format_page = client.get(reverse("enrolment:roster_format"))
    assert format_page.status_code == 200
    assert "personeelsnummer" in format_page.content.decode()


def test_a_running_upload_shows_progress_and_the_status_feed(client, anna, flexwerk, monkeypatch):
    upload = RosterUploadFactory(
        organisation=flexwerk, status=RosterUpload.Status.PROCESSING, period_start=None
    )
    monkeypatch.setattr(
        "enrolment.views.roster_progress",
        lambda *, upload_id: {"phase": "validating", "rows_done": 1200},
    )
    logged_in(client, anna)

    page = client.get(reverse("enrolment:roster_detail", args=[upload.pk]))
    status = client.get(reverse("enrolment:roster_status", args=[upload.pk]))

    html = page.content.decode()
    assert "We are checking your file" in html
    assert f'data-roster-status-url="/rosters/{upload.pk}/status.json"' in html
    assert "roster_progress.js" in html
    assert status.json() == {
        "status": "processing",
        "running": True,
        "phase": "validating",
        "rows_done": 1200,
    }


def test_status_feed_says_when_an_upload_is_finished(client, anna, flexwerk_upload):
    status = logged_in(client, anna).get(
        reverse("enrolment:roster_status", args=[flexwerk_upload.pk])
    )

    assert status.json()["running"] is False
    assert status.json()["status"] == "applied"


def test_posting_another_organisations_kvk_still_uploads_only_for_ones_own(
    client, bogdan, flexwerk, oost_uitzend, django_capture_on_commit_callbacks
):
    upload_via_page(
        logged_in(client, bogdan),
        VALID_ROSTER,
        django_capture_on_commit_callbacks,
        organisation=flexwerk.kvk,
    )

    assert RosterUpload.objects.get().organisation == oost_uitzend
    assert not RosterUpload.objects.filter(organisation=flexwerk).exists()


def test_union_admin_uploads_for_an_organisation_named_by_kvk(
    client, ula, flexwerk, django_capture_on_commit_callbacks
):
    logged_in(client, ula)
    unknown = upload_via_page(
        client, VALID_ROSTER, django_capture_on_commit_callbacks, organisation="99999999"
    )
    assert unknown.status_code == 400
    assert "No organisation with this KvK number." in text_of(unknown)

    response = upload_via_page(
        client, VALID_ROSTER, django_capture_on_commit_callbacks, organisation=flexwerk.kvk
    )

    assert response.status_code == 302
    assert RosterUpload.objects.get().organisation == flexwerk


def test_a_hirer_user_is_not_offered_the_upload_form(client, meat):
    hirer_user = UserFactory(organisation=HirerFactory(sectors=[meat]))

    page = logged_in(client, hirer_user).get(reverse("enrolment:roster_list"))

    assert page.status_code == 200
    assert 'type="file"' not in page.content.decode()


# --- Who sees what ---


def test_agency_user_of_another_agency_gets_404_for_every_page_of_the_upload(
    client, bogdan, flexwerk_upload
):
    logged_in(client, bogdan)

    statuses = [client.get(url).status_code for url in upload_urls(flexwerk_upload.pk)]
    listing = text_of(client.get(reverse("enrolment:roster_list")))

    assert statuses == [404, 404, 404]
    assert "flexwerk-week-45.csv" not in listing


def test_agency_user_sees_own_uploads_only(client, anna, flexwerk_upload, oost_uitzend):
    RosterUploadFactory(organisation=oost_uitzend, original_filename="oost-week-45.csv")

    listing = text_of(logged_in(client, anna).get(reverse("enrolment:roster_list")))

    assert "flexwerk-week-45.csv" in listing
    assert "oost-week-45.csv" not in listing
    statuses = [client.get(url).status_code for url in upload_urls(flexwerk_upload.pk)]
    assert statuses == [200, 200, 200]


def test_union_admin_sees_every_organisations_uploads(client, ula, flexwerk_upload, oost_uitzend):
    oost_upload = RosterUploadFactory(
        organisation=oost_uitzend, original_filename="oost-week-45.csv"
    )

    listing = text_of(logged_in(client, ula).get(reverse("enrolment:roster_list")))

    assert "flexwerk-week-45.csv" in listing
    assert "oost-week-45.csv" in listing
    assert "Oost Uitzend B.V." in listing
    for upload in (flexwerk_upload, oost_upload):
        assert [client.get(url).status_code for url in upload_urls(upload.pk)] == [200] * 3


def test_user_without_organisation_who_is_no_union_admin_gets_403_everywhere(
    client, flexwerk_upload
):
    loner = UserFactory(username="loner", organisation=None)
    logged_in(client, loner)

    urls = [
        reverse("enrolment:roster_list"),
        reverse("enrolment:roster_format"),
        *upload_urls(flexwerk_upload.pk),
    ]
    statuses = [client.get(url).status_code for url in urls]
    post = client.post(reverse("enrolment:roster_list"), {"file": roster_file(VALID_ROSTER)})

    assert statuses == [403] * 5
    assert post.status_code == 403
    assert RosterUpload.objects.count() == 1


def test_anonymous_visitor_is_sent_to_the_login_page_everywhere(client, flexwerk_upload):
    urls = [
        reverse("enrolment:roster_list"),
        reverse("enrolment:roster_format"),
        *upload_urls(flexwerk_upload.pk),
    ]

    responses = [client.get(url) for url in urls]
    post = client.post(reverse("enrolment:roster_list"), {"file": roster_file(VALID_ROSTER)})

    for url, response in zip(urls, responses, strict=True):
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('login')}?next=")
        assert url in response["Location"]
    assert post.status_code == 302
    assert RosterUpload.objects.count() == 1


def test_error_report_keeps_spreadsheet_formulas_as_text(client, anna, flexwerk):
    upload = RosterUploadFactory(
        organisation=flexwerk,
        status=RosterUpload.Status.REJECTED,
        error_count=2,
        errors=[
            {"row": 2, "column": "last_name", "code": "x", "message": "m", "value": "=1+1"},
            {"row": 3, "column": "hours_worked", "code": "y", "message": "m", "value": "-4"},
        ],
    )

    report = logged_in(client, anna).get(reverse("enrolment:roster_errors_csv", args=[upload.pk]))

    values = [r["value"] for r in csv.DictReader(io.StringIO(report.content.decode("utf-8-sig")))]
    assert values == ["'=1+1", "-4"]
