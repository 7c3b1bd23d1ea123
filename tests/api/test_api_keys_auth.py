"""``Authorization: Api-Key <key>``: who a key is, and what happens with a bad one."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from employers.services import api_key_create, api_key_revoke
from enrolment.models import RosterUpload
from tests.employers.factories import OrganisationFactory, SectorFactory, UserFactory
from tests.enrolment.factories import RosterUploadFactory

pytestmark = pytest.mark.django_db

ROSTER = (
    "worker_number,first_name,last_name,date_of_birth,period_start,period_end,"
    "hours_worked,gross_wages\n"
    "004211,Łukasz,Wróbel,1990-05-17,2026-11-02,2026-11-08,38.00,558.98\n"
)


@pytest.fixture
def flexwerk():
    return OrganisationFactory(name="Flexwerk B.V.", sectors=[SectorFactory(code="meat")])


@pytest.fixture
def flexwerk_upload(flexwerk):
    return RosterUploadFactory(organisation=flexwerk)


def with_header(value: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=value)
    return client


def assert_error_shape(response, status: int, code: str) -> None:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"code", "message", "detail"}
    assert body["code"] == code
    assert body["message"]


def test_a_valid_key_acts_for_its_organisation(flexwerk, flexwerk_upload):
    _, raw_key = api_key_create(organisation=flexwerk, name="Payroll export")

    response = with_header(f"Api-Key {raw_key}").get(f"/api/v1/rosters/{flexwerk_upload.pk}/")

    assert response.status_code == 200
    assert response.json()["organisation"] == flexwerk.kvk


def test_the_keyword_is_not_case_sensitive(flexwerk, flexwerk_upload):
    _, raw_key = api_key_create(organisation=flexwerk, name="Payroll export")

    response = with_header(f"api-key {raw_key}").get("/api/v1/rosters/")

    assert response.status_code == 200


def test_a_revoked_key_is_refused_with_401_and_cannot_upload(flexwerk, flexwerk_upload):
    api_key, raw_key = api_key_create(organisation=flexwerk, name="Old laptop")
    api_key_revoke(api_key=api_key)
    client = with_header(f"Api-Key {raw_key}")

    read = client.get(f"/api/v1/rosters/{flexwerk_upload.pk}/")
    write = client.post(
        "/api/v1/rosters/",
        {"file": SimpleUploadedFile("roster.csv", ROSTER.encode())},
        format="multipart",
    )

    assert_error_shape(read, 401, "authentication_failed")
    assert read["WWW-Authenticate"] == "Api-Key"
    assert_error_shape(write, 401, "authentication_failed")
    assert RosterUpload.objects.count() == 1


@pytest.mark.parametrize(
    "header",
    [
        "Api-Key ur_00000000_not-a-real-secret",
        "Api-Key not-even-the-right-shape",
        "Api-Key",
        "Api-Key one two",
    ],
    ids=["unknown", "malformed", "missing", "extra-parts"],
)
def test_an_unknown_or_malformed_key_is_refused_with_401(flexwerk_upload, header):
    response = with_header(header).get("/api/v1/rosters/")

    assert_error_shape(response, 401, "authentication_failed")


def test_a_wrong_secret_with_a_real_prefix_is_refused(flexwerk):
    _, raw_key = api_key_create(organisation=flexwerk, name="Payroll export")
    forged = raw_key[:-4] + ("AAAA" if not raw_key.endswith("AAAA") else "BBBB")

    response = with_header(f"Api-Key {forged}").get("/api/v1/rosters/")

    assert_error_shape(response, 401, "authentication_failed")


def test_other_authorization_schemes_count_as_no_credentials(flexwerk_upload):
    response = with_header("Bearer something").get("/api/v1/rosters/")

    assert_error_shape(response, 401, "not_authenticated")


def test_a_logged_in_agency_user_is_still_served_by_session(flexwerk, flexwerk_upload):
    client = APIClient()
    client.force_login(UserFactory(organisation=flexwerk))

    response = client.get(f"/api/v1/rosters/{flexwerk_upload.pk}/")

    assert response.status_code == 200


def test_a_session_upload_needs_the_csrf_token(flexwerk):
    # A key is not sent by browsers on their own; a session cookie is, so it needs CSRF.
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(UserFactory(organisation=flexwerk))

    response = client.post(
        "/api/v1/rosters/",
        {"file": SimpleUploadedFile("roster.csv", ROSTER.encode())},
        format="multipart",
    )

    assert_error_shape(response, 403, "permission_denied")
    assert not RosterUpload.objects.exists()
