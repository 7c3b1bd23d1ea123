"""The roster endpoints: upload, follow, read errors; each organisation sees only its own."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from employers.services import api_key_create
from enrolment.models import RosterUpload
from tests.employers.factories import (
    HirerFactory,
    UserFactory,
)
from tests.enrolment.factories import RosterUploadFactory
from tests.roster_people import ROSTER_WITH_ERRORS, VALID_ROSTER, roster_file

pytestmark = pytest.mark.django_db


def key_client(organisation) -> APIClient:
    _, raw_key = api_key_create(organisation=organisation, name="Payroll export")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def flexwerk_key(flexwerk):
    return key_client(flexwerk)


@pytest.fixture
def oost_key(oost_uitzend):
    return key_client(oost_uitzend)


@pytest.fixture
def flexwerk_upload(flexwerk):
    return RosterUploadFactory(organisation=flexwerk, rows=2)


def upload(client, content, django_capture_on_commit_callbacks, **data):
    # Without a broker the processing task runs eagerly when the upload commits.
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            "/api/v1/rosters/", {"file": roster_file(content), **data}, format="multipart"
        )


def test_agency_key_uploads_a_valid_roster_and_sees_it_applied(
    flexwerk, flexwerk_key, django_capture_on_commit_callbacks
):
    response = upload(flexwerk_key, VALID_ROSTER, django_capture_on_commit_callbacks)

    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"id", "url", "status"}
    assert body["url"].endswith(f"/api/v1/rosters/{body['id']}/")
    assert response["Location"] == body["url"]
    stored = RosterUpload.objects.get(pk=body["id"])
    assert stored.organisation == flexwerk
    assert stored.source == RosterUpload.Source.API
    assert stored.api_key is not None and stored.uploaded_by is None

    detail = flexwerk_key.get(body["url"])

    assert detail.status_code == 200
    result = detail.json()
    assert result["id"] == body["id"]
    assert result["status"] == "applied"
    assert result["rows"] == 2
    # Membership counts are union staff's only (tests/enrolment/test_agency_learns_nothing.py).
    assert "persons_created" not in result and "memberships_enrolled" not in result
    assert result["period_start"] == "2026-11-02"
    assert result["period_end"] == "2026-11-08"
    assert result["errors"] == []
    assert result["error_count"] == 0
    assert result["file_name"] == "loonrun-week-45.csv"


def test_rejected_roster_reports_every_error_with_row_and_column_and_as_csv(
    flexwerk_key, django_capture_on_commit_callbacks
):
    response = upload(flexwerk_key, ROSTER_WITH_ERRORS, django_capture_on_commit_callbacks)
    assert response.status_code == 202

    result = flexwerk_key.get(response["Location"]).json()

    assert result["status"] == "rejected"
    assert "memberships_enrolled" not in result
    assert result["error_count"] == 2
    places = {(e["row"], e["column"]) for e in result["errors"]}
    assert places == {(2, "date_of_birth"), (3, "hours_worked")}
    assert all(e["message"] and e["code"] for e in result["errors"])

    report = flexwerk_key.get(result["errors_csv_url"])

    assert report.status_code == 200
    assert report["Content-Type"].startswith("text/csv")
    assert f"roster-{result['id']}-errors.csv" in report["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert {(int(r["row"]), r["column"]) for r in rows} == places
    assert list(rows[0]) == ["row", "column", "code", "message", "value"]
    # A date of birth is personal data: the report names the cell but does not repeat it.
    assert {(r["row"], r["value"]) for r in rows} == {("2", ""), ("3", "-4")}


@pytest.mark.django_db(transaction=True)
def test_same_file_twice_is_reported_as_duplicate(flexwerk_key, django_capture_on_commit_callbacks):
    first = upload(flexwerk_key, VALID_ROSTER, django_capture_on_commit_callbacks).json()

    second = upload(flexwerk_key, VALID_ROSTER, django_capture_on_commit_callbacks).json()

    result = flexwerk_key.get(second["url"]).json()
    assert result["status"] == "duplicate"
    assert result["duplicate_of"] == first["id"]


def test_list_shows_only_own_uploads_newest_first_and_paginated(
    flexwerk, oost_uitzend, flexwerk_key
):
    older = RosterUploadFactory(
        organisation=flexwerk, period_start=dt.date(2026, 10, 26), period_end=dt.date(2026, 11, 1)
    )
    newer = RosterUploadFactory(organisation=flexwerk)
    RosterUploadFactory(organisation=oost_uitzend)

    response = flexwerk_key.get("/api/v1/rosters/", {"page_size": 1})

    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 2
    assert [u["id"] for u in page["results"]] == [newer.pk]
    assert page["results"][0]["organisation"] == flexwerk.kvk
    assert "errors" not in page["results"][0]
    assert page["next"]
    second_page = flexwerk_key.get(page["next"]).json()
    assert [u["id"] for u in second_page["results"]] == [older.pk]


# --- Permissions: another organisation's key or user ---


def test_key_of_another_organisation_gets_404_for_the_upload_and_its_errors(
    flexwerk_upload, oost_key
):
    detail = oost_key.get(f"/api/v1/rosters/{flexwerk_upload.pk}/")
    report = oost_key.get(f"/api/v1/rosters/{flexwerk_upload.pk}/errors.csv")
    listing = oost_key.get("/api/v1/rosters/").json()

    assert detail.status_code == 404
    assert detail.json()["code"] == "not_found"
    assert set(detail.json()) == {"code", "message", "detail"}
    assert report.status_code == 404
    assert listing["count"] == 0


def test_user_of_another_agency_gets_404_for_the_upload_and_its_errors(flexwerk_upload, bogdan):
    client = session_client(bogdan)

    assert client.get(f"/api/v1/rosters/{flexwerk_upload.pk}/").status_code == 404
    assert client.get(f"/api/v1/rosters/{flexwerk_upload.pk}/errors.csv").status_code == 404
    assert client.get("/api/v1/rosters/").json()["count"] == 0


def test_key_of_another_organisation_cannot_upload_for_this_one_and_nothing_is_stored(
    flexwerk, oost_key, settings, django_capture_on_commit_callbacks
):
    response = upload(
        oost_key, VALID_ROSTER, django_capture_on_commit_callbacks, organisation=flexwerk.kvk
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not RosterUpload.objects.exists()
    assert not (settings.MEDIA_ROOT / "rosters").exists()


def test_user_of_another_agency_cannot_upload_for_this_one_and_nothing_is_stored(
    flexwerk, bogdan, settings, django_capture_on_commit_callbacks
):
    response = upload(
        session_client(bogdan),
        VALID_ROSTER,
        django_capture_on_commit_callbacks,
        organisation=flexwerk.kvk,
    )

    assert response.status_code == 403
    assert not RosterUpload.objects.exists()
    assert not (settings.MEDIA_ROOT / "rosters").exists()


def test_agency_naming_its_own_kvk_uploads_as_usual(
    flexwerk, anna, django_capture_on_commit_callbacks
):
    response = upload(
        session_client(anna),
        VALID_ROSTER,
        django_capture_on_commit_callbacks,
        organisation=flexwerk.kvk,
    )

    assert response.status_code == 202
    stored = RosterUpload.objects.get()
    assert stored.organisation == flexwerk
    assert stored.uploaded_by == anna
    assert stored.api_key is None


def test_union_admin_sees_every_organisations_uploads(flexwerk, oost_uitzend, ula):
    flexwerk_upload = RosterUploadFactory(organisation=flexwerk)
    oost_upload = RosterUploadFactory(organisation=oost_uitzend)
    client = session_client(ula)

    listing = client.get("/api/v1/rosters/").json()

    assert {u["id"] for u in listing["results"]} == {flexwerk_upload.pk, oost_upload.pk}
    assert client.get(f"/api/v1/rosters/{oost_upload.pk}/").status_code == 200


def test_union_admin_uploads_for_the_organisation_named_by_kvk(
    flexwerk, ula, django_capture_on_commit_callbacks
):
    client = session_client(ula)

    missing = upload(client, VALID_ROSTER, django_capture_on_commit_callbacks)
    unknown = upload(
        client, VALID_ROSTER, django_capture_on_commit_callbacks, organisation="99999999"
    )
    assert missing.status_code == 400
    assert "organisation" in missing.json()["detail"]
    assert unknown.status_code == 400
    assert not RosterUpload.objects.exists()

    response = upload(
        client, VALID_ROSTER, django_capture_on_commit_callbacks, organisation=flexwerk.kvk
    )

    assert response.status_code == 202
    assert RosterUpload.objects.get().organisation == flexwerk


def test_anonymous_caller_gets_401_everywhere(flexwerk_upload):
    client = APIClient()

    responses = [
        client.get("/api/v1/rosters/"),
        client.post("/api/v1/rosters/", {"file": roster_file(VALID_ROSTER)}, format="multipart"),
        client.get(f"/api/v1/rosters/{flexwerk_upload.pk}/"),
        client.get(f"/api/v1/rosters/{flexwerk_upload.pk}/errors.csv"),
    ]

    assert [r.status_code for r in responses] == [401, 401, 401, 401]
    assert responses[0].json()["code"] == "not_authenticated"
    assert responses[0]["WWW-Authenticate"] == "Api-Key"
    assert RosterUpload.objects.count() == 1


def test_user_without_organisation_who_is_no_union_admin_is_refused(flexwerk_upload):
    loner = UserFactory(username="loner", organisation=None)
    client = session_client(loner)

    assert client.get("/api/v1/rosters/").status_code == 403
    assert client.get(f"/api/v1/rosters/{flexwerk_upload.pk}/").status_code == 403
    response = client.post(
        "/api/v1/rosters/", {"file": roster_file(VALID_ROSTER)}, format="multipart"
    )
    assert response.status_code == 403
    assert RosterUpload.objects.count() == 1


# --- Errors and limits ---


def test_upload_without_a_file_is_a_400_with_field_errors(flexwerk_key):
    response = flexwerk_key.post("/api/v1/rosters/", {}, format="multipart")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "file" in body["detail"]
    assert not RosterUpload.objects.exists()


def test_a_hirer_cannot_upload_a_payroll_roster(meat, django_capture_on_commit_callbacks):
    hirer_key = key_client(HirerFactory(sectors=[meat]))

    response = upload(hirer_key, VALID_ROSTER, django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert response.json()["code"] == "not_an_employer"
    assert not RosterUpload.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_uploads_are_throttled_per_key(
    flexwerk_key, oost_key, settings, django_capture_on_commit_callbacks
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"roster_upload": "2/hour"},
    }
    week_46 = VALID_ROSTER.replace("2026-11-02", "2026-11-09").replace("2026-11-08", "2026-11-15")
    for roster in (VALID_ROSTER, week_46):
        assert upload(flexwerk_key, roster, django_capture_on_commit_callbacks).status_code == 202

    third = upload(flexwerk_key, VALID_ROSTER, django_capture_on_commit_callbacks)
    other_key = upload(oost_key, VALID_ROSTER, django_capture_on_commit_callbacks)
    still_readable = flexwerk_key.get("/api/v1/rosters/")

    assert third.status_code == 429
    assert third.json()["code"] == "throttled"
    assert int(third["Retry-After"]) > 0
    assert other_key.status_code == 202
    assert still_readable.status_code == 200
    assert RosterUpload.objects.count() == 3


def test_openapi_schema_is_valid_and_generates_without_warnings(tmp_path):
    target = tmp_path / "openapi.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = target.read_text()
    assert "/api/v1/rosters/{id}/errors.csv" in schema
    assert "ApiKeyAuth" in schema


def test_schema_and_api_docs_are_served(anna):
    client = session_client(anna)

    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = client.get("/api/v1/docs/")

    assert schema.status_code == 200
    assert "/api/v1/rosters/" in schema.json()["paths"]
    assert docs.status_code == 200
    # The page's start-up script is a file of its own (no inline script, docs/security.md).
    assert b'<script src="/api/v1/docs/?script="></script>' in docs.content
    assert b"/api/v1/schema/" in client.get("/api/v1/docs/?script=").content
    # Served from this site: the docs work offline and load nothing from a CDN.
    assert b"cdn" not in docs.content.lower()
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs.content
