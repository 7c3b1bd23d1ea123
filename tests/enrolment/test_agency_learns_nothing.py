"""An agency learns nothing about union status from what it sees of its uploads.

The same one-row roster is uploaded by agency A for a worker who opted out, one who is a
member through agency B, one the union knows only by name and date of birth, and one unknown
to the union. Everything A sees — the API's answers, the web pages, the error reports — must
be the same bytes apart from ids and times; union staff keep the full figures.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from employers.services import api_key_create
from enrolment.models import Membership, MembershipEvent, RosterUpload
from enrolment.selectors import MEMBERSHIP_COUNTS, roster_upload_summary
from enrolment.services import membership_opt_out, roster_import_path
from tests.roster_people import roster_file

pytestmark = pytest.mark.django_db

HEADER = (
    "worker_number,first_name,last_name,date_of_birth,phone,language,period_start,period_end,"
    "hours_worked,gross_wages\n"
)
WORKER = "Agnieszka,Kowalczyk,1988-03-14"
PHONE = "+48 512 345 678"
WEEK_45 = "2026-11-02,2026-11-08"

# Agency A's files, the same in every scenario: a roster, a correction of it, a file with an
# error, and the correction again.
A_ROSTER = HEADER + f"000042,{WORKER},{PHONE},pl,{WEEK_45},38.00,558.98\n"
A_CORRECTION = HEADER + f"000042,{WORKER},{PHONE},pl,{WEEK_45},40.00,588.40\n"
A_WITH_ERROR = HEADER + f"000042,{WORKER},{PHONE},pl,{WEEK_45},-4,588.40\n"


def _import_for_b(agency_b, tmp_path: Path, phone: str) -> RosterUpload:
    path = tmp_path / "b-week-44.csv"
    path.write_text(HEADER + f"B-77,{WORKER},{phone},pl,2026-10-26,2026-11-01,36.00,529.56\n")
    return roster_import_path(organisation=agency_b, path=path)


def unknown_to_the_union(agency_b, tmp_path: Path) -> None:
    pass


def member_through_another_agency(agency_b, tmp_path: Path) -> None:
    _import_for_b(agency_b, tmp_path, PHONE)


def opted_out_after_another_agency_enrolled_them(agency_b, tmp_path: Path) -> None:
    _import_for_b(agency_b, tmp_path, PHONE)
    membership_opt_out(
        membership=Membership.objects.get(),
        actor=MembershipEvent.Actor.MEMBER,
        reason="Left by the portal",
    )


def known_by_name_and_date_of_birth_only(agency_b, tmp_path: Path) -> None:
    # Another phone: not the same person for certain, a possible duplicate for the union.
    _import_for_b(agency_b, tmp_path, "+40 712 345 678")


SCENARIOS: list[Callable[..., None]] = [
    unknown_to_the_union,
    member_through_another_agency,
    opted_out_after_another_agency_enrolled_them,
    known_by_name_and_date_of_birth_only,
]


def _normalised(text: str, upload_ids: list[int]) -> str:
    """The text with this scenario's upload ids, the times and the CSRF token replaced."""
    names = {str(pk): f"<upload {n}>" for n, pk in enumerate(upload_ids, 1)}

    def upload(match: re.Match) -> str:
        return match.group(1) + names[match.group(2)]

    for pattern in (
        r"(/rosters/)(\d+)",
        r"(roster-)(\d+)",
        r'("(?:id|upload_id|replaces|duplicate_of)":\s*)(\d+)',
        r"(Roster upload )(\d+)",
    ):
        text = re.sub(pattern, upload, text)
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?", "<time>", text)
    text = re.sub(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d", "<time>", text)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "<csrf>", text)


@dataclass
class Seen:
    raw: dict[str, str]
    normalised: dict[str, str]

    def json(self, name: str) -> dict:
        return json.loads(self.raw[name].split("\n", 1)[1])


def _what_agency_a_sees(agency_a, clerk, django_capture_on_commit_callbacks) -> Seen:
    """Every answer agency A's key and clerk get while uploading its four files."""
    _, raw_key = api_key_create(organisation=agency_a, name="Payroll export")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    web = Client()
    web.force_login(clerk)
    seen: dict[str, str] = {}

    def by_api(name: str, content: str) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(
                "/api/v1/rosters/", {"file": roster_file(content)}, format="multipart"
            )
        seen[name] = f"{response.status_code} {response['Location']} {response.content!r}"
        return response.json()["id"]

    def by_web(name: str, content: str) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            response = web.post(reverse("enrolment:roster_list"), {"file": roster_file(content)})
        seen[name] = f"{response.status_code} {response['Location']}"
        return int(re.search(r"/rosters/(\d+)/", response["Location"]).group(1))

    upload_ids = [
        by_api("api POST roster", A_ROSTER),
        by_web("web POST correction", A_CORRECTION),
        by_api("api POST file with an error", A_WITH_ERROR),
        by_api("api POST correction again", A_CORRECTION),
    ]
    assert list(
        RosterUpload.objects.filter(pk__in=upload_ids).order_by("pk").values_list("status")
    ) == [("superseded",), ("applied",), ("rejected",), ("duplicate",)]

    pages = {"api list": "/api/v1/rosters/", "web list": reverse("enrolment:roster_list")}
    for n, pk in enumerate(upload_ids, 1):
        pages[f"api upload {n}"] = f"/api/v1/rosters/{pk}/"
        pages[f"api upload {n} errors"] = f"/api/v1/rosters/{pk}/errors.csv"
        pages[f"web upload {n}"] = reverse("enrolment:roster_detail", args=[pk])
        pages[f"web upload {n} status"] = reverse("enrolment:roster_status", args=[pk])
        pages[f"web upload {n} errors"] = reverse("enrolment:roster_errors_csv", args=[pk])
    for name, url in pages.items():
        response = (api if name.startswith("api") else web).get(url)
        assert response.status_code == 200, name
        # The length follows from the body, whose ids have as many digits as they happen to.
        headers = {k: v for k, v in response.items() if k != "Content-Length"}
        seen[name] = f"{sorted(headers.items())}\n{response.content.decode('utf-8')}"
    return Seen(
        raw=seen, normalised={name: _normalised(text, upload_ids) for name, text in seen.items()}
    )


@pytest.fixture
def agency_a(flexwerk):
    return flexwerk


@pytest.fixture
def agency_b(oost_uitzend):
    return oost_uitzend


def test_agency_sees_the_same_bytes_whatever_the_workers_union_status(
    agency_a, agency_b, anna, tmp_path, django_capture_on_commit_callbacks
):
    seen_by_agency = []
    seen_by_staff = []
    for scenario in SCENARIOS:
        # Each scenario from the same starting point: its writes are rolled back after it.
        with transaction.atomic():
            scenario(agency_b, tmp_path)
            seen = _what_agency_a_sees(agency_a, anna, django_capture_on_commit_callbacks)
            seen_by_agency.append(seen.normalised)
            first = RosterUpload.objects.filter(organisation=agency_a).order_by("pk").first()
            summary = roster_upload_summary(first)
            seen_by_staff.append(tuple(summary[key] for key in MEMBERSHIP_COUNTS))
            transaction.set_rollback(True)

    # The union's own figures tell the four workers apart: this is what must not leak.
    assert len(set(seen_by_staff)) == len(SCENARIOS)
    unknown = seen_by_agency[0]
    assert "api upload 2" in unknown and "web upload 3 errors" in unknown
    for scenario, seen in zip(SCENARIOS[1:], seen_by_agency[1:], strict=True):
        assert seen.keys() == unknown.keys()
        for name in unknown:
            assert seen[name] == unknown[name], f"{scenario.__name__}: {name}"


def test_agency_results_carry_no_membership_counts(
    agency_a, agency_b, anna, tmp_path, django_capture_on_commit_callbacks
):
    opted_out_after_another_agency_enrolled_them(agency_b, tmp_path)

    seen = _what_agency_a_sees(agency_a, anna, django_capture_on_commit_callbacks)

    detail = seen.json("api upload 1")
    listing = seen.json("api list")
    for key in MEMBERSHIP_COUNTS:
        assert key not in detail
        assert all(key not in item for item in listing["results"])
    assert detail["rows"] == 1 and detail["status"] == "superseded"
    for page in ("web list", "web upload 1", "web upload 2"):
        for label in ("Members enrolled", "Opt-outs respected", "Workers already known"):
            assert label not in seen.raw[page], page


def test_a_replacement_shows_the_agency_what_its_own_files_changed(
    agency_a, anna, django_capture_on_commit_callbacks
):
    seen = _what_agency_a_sees(agency_a, anna, django_capture_on_commit_callbacks)

    changes = seen.json("api upload 2")["changes"]
    assert changes["workers_changed"] == 1
    assert (changes["hours_before"], changes["hours_after"]) == ("38.00", "40.00")
    assert "Changes from the file it replaced" in seen.raw["web upload 2"]


# --- Union staff keep the full figures ---


def test_union_staff_see_the_counts_on_the_command_line(tmp_path, capsys, agency_a, agency_b):
    opted_out_after_another_agency_enrolled_them(agency_b, tmp_path)
    path = tmp_path / "a-week-45.csv"
    path.write_text(A_ROSTER)

    call_command("import_roster", "--organisation", agency_a.kvk, "--json", str(path))

    summary = json.loads(capsys.readouterr().out)
    assert summary["status"] == "applied"
    assert (summary["persons_matched"], summary["opt_outs_respected"]) == (1, 1)
    assert summary["memberships_enrolled"] == 0


def test_union_admin_sees_the_counts_on_the_page_and_in_the_api(
    agency_a, agency_b, ula, tmp_path, django_capture_on_commit_callbacks
):
    opted_out_after_another_agency_enrolled_them(agency_b, tmp_path)
    path = tmp_path / "a-week-45.csv"
    path.write_text(A_ROSTER)
    upload = roster_import_path(organisation=agency_a, path=path)
    client = Client()
    client.force_login(ula)

    page = client.get(reverse("enrolment:roster_detail", args=[upload.pk])).content.decode()
    listing = client.get(reverse("enrolment:roster_list")).content.decode()
    detail = client.get(f"/api/v1/rosters/{upload.pk}/").json()
    api_listing = client.get("/api/v1/rosters/").json()

    assert re.search(r"Opt-outs respected\s*</dt>\s*<dd>1</dd>", page)
    assert re.search(r"Workers already known\s*</dt>\s*<dd>1</dd>", page)
    assert "Members enrolled" in listing
    assert (detail["persons_matched"], detail["opt_outs_respected"]) == (1, 1)
    assert api_listing["results"][0]["opt_outs_respected"] == 1


def test_the_schema_marks_the_counts_as_union_staff_only(tmp_path):
    target = tmp_path / "openapi.json"

    call_command("spectacular", "--format", "openapi-json", "--file", str(target))

    components = json.loads(target.read_text())["components"]["schemas"]
    for name in ("RosterUpload", "RosterUploadListItem"):
        schema = components[name]
        for key in MEMBERSHIP_COUNTS:
            assert key not in schema["required"], (name, key)
            assert schema["properties"][key]["description"].startswith("Union staff only")
        assert {"rows", "status", "errors" if name == "RosterUpload" else "error_count"} <= set(
            schema["required"]
        )
