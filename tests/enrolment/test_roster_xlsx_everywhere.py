"""The example workbook gives one result however it arrives: API, web form or command line.

A stored upload has no file extension (its name is a random key), so the reader must tell an
XLSX by its content; before, only the command line, which reads the file where it lies under its
own name, could read one.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from employers.services import api_key_create
from enrolment.models import RosterUpload
from tests.employers.factories import (
    HirerFactory,
    OrganisationFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "roster-example.xlsx"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def demo_hirer(meat):
    """The hirer and site the example refers to (KvK 17042981, site OSS-01)."""
    hirer = HirerFactory(kvk="17042981")
    SiteFactory(hirer=hirer, code="OSS-01", sector=meat)
    return hirer


def _example_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("roster-example.xlsx", EXAMPLE.read_bytes(), content_type=XLSX_TYPE)


def _outcome(upload: RosterUpload) -> dict:
    upload.refresh_from_db()
    return {
        "status": upload.status,
        "rows": upload.rows,
        "period": (upload.period_start, upload.period_end),
        "errors": upload.errors,
        "error_count": upload.error_count,
        "warnings": upload.warnings,
    }


def test_example_workbook_gives_the_same_result_through_api_web_form_and_command_line(
    meat, demo_hirer, client, capsys, django_capture_on_commit_callbacks
):
    via_api, via_web, via_cli = (
        OrganisationFactory(name=name, sectors=[meat]) for name in ("Api", "Web", "Cli")
    )

    _, raw_key = api_key_create(organisation=via_api, name="Payroll export")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/rosters/", {"file": _example_upload()}, format="multipart")
    assert response.status_code == 202
    from_api = RosterUpload.objects.get(pk=response.json()["id"])

    client.force_login(UserFactory(organisation=via_web))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("enrolment:roster_list"), {"file": _example_upload()})
    assert response.status_code == 302
    from_web = RosterUpload.objects.get(organisation=via_web)

    call_command("import_roster", "--organisation", via_cli.kvk, "--json", str(EXAMPLE))
    summary = json.loads(capsys.readouterr().out)
    from_cli = RosterUpload.objects.get(pk=summary["upload_id"])

    # The stored copies really have no extension: the format was told by the content.
    assert Path(from_api.file.name).suffix == "" and Path(from_web.file.name).suffix == ""
    expected = _outcome(from_cli)
    assert expected["status"] == RosterUpload.Status.APPLIED
    assert expected["errors"] == [] and expected["error_count"] == 0
    assert expected["rows"] > 0
    assert expected["period"] == (dt.date(2026, 9, 28), dt.date(2026, 10, 4))
    assert _outcome(from_api) == expected
    assert _outcome(from_web) == expected
