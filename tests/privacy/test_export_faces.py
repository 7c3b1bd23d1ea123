"""The export where people ask for it: the member's portal page and staff's command."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from pypdf import PdfReader

from enrolment.models import PersonAccess
from tests.enrolment.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _sign_in(client, membership):
    from tests.portal.test_portal_pages import sign_in

    sign_in(client, membership)


@pytest.fixture
def signed_in(client, member_with_everything):
    membership = member_with_everything.memberships.first()
    _sign_in(client, membership)
    return client


def test_the_data_page_is_linked_from_my_details_and_offers_both_files(signed_in):
    details = signed_in.get(reverse("portal:details"))
    assert reverse("portal:data").encode() in details.content
    page = signed_in.get(reverse("portal:data"))
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    for kind in ("pdf", "json"):
        assert reverse("portal:data_download", args=[kind]).encode() in page.content


def test_the_member_downloads_their_data_as_json(signed_in, member_with_everything):
    response = signed_in.get(reverse("portal:data_download", args=["json"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert data["person_id"] == member_with_everything.pk
    assert data["person"]["last_name"] == "Drăgulescu"


def test_the_pdf_is_in_the_members_language(signed_in):
    response = signed_in.get(reverse("portal:data_download", args=["pdf"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Drăgulescu" in text
    assert "Datele tale la sindicat" in text
    assert "Your data held by the union" not in text


def test_an_unknown_file_kind_is_not_found(signed_in):
    assert signed_in.get("/my/data/my-data.xml").status_code == 404


def test_without_signing_in_there_is_no_data(client, member_with_everything):
    for url in (
        reverse("portal:data"),
        reverse("portal:data_download", args=["json"]),
        reverse("portal:data_download", args=["pdf"]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("portal:sign_in"))


def test_a_member_gets_only_their_own_data(client, member_with_everything):
    other = MembershipFactory()
    _sign_in(client, other)
    data = json.loads(client.get(reverse("portal:data_download", args=["json"])).content)
    assert data["person_id"] == other.person_id
    assert "Drăgulescu" not in json.dumps(data, ensure_ascii=False)


def test_staff_export_the_json_and_the_pdf(member_with_everything, tmp_path):
    out = io.StringIO()
    call_command(
        "person_export",
        "--person",
        str(member_with_everything.pk),
        "--staff",
        "m.jansen",
        stdout=out,
    )
    export = json.loads(out.getvalue())
    assert export["person"]["first_name"] == "Ionuț"
    # The export is a staff read: recorded, and named in the export itself.
    assert [(r["username"], r["through"]) for r in export["staff_reads"]] == [
        ("m.jansen", "admin_person"),
        ("m.jansen", "export"),
    ]

    pdf = tmp_path / "export.pdf"
    call_command(
        "person_export",
        "--person",
        str(member_with_everything.pk),
        "--format",
        "pdf",
        "--output",
        str(pdf),
        stdout=io.StringIO(),
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    last = PersonAccess.objects.filter(person=member_with_everything).latest("id")
    assert (last.through, last.user, last.detail) == ("export", None, "export as pdf")
    assert last.username  # the operating-system account that ran it
    assert oct(pdf.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(CommandError, match="exists already"):
        call_command(
            "person_export", "--person", str(member_with_everything.pk), "--output", str(pdf)
        )


def test_staff_export_refuses_clearly(db, tmp_path):
    with pytest.raises(CommandError, match="no person number 999999"):
        call_command("person_export", "--person", "999999")
    assert not PersonAccess.objects.exists()
    with pytest.raises(CommandError, match="needs --output"):
        call_command("person_export", "--person", "1", "--format", "pdf")


def test_an_agency_user_cannot_export_on_the_command_line(member_with_everything):
    from tests.employers.factories import UserFactory

    UserFactory(username="clerk")
    with pytest.raises(CommandError, match="active union staff user"):
        call_command(
            "person_export", "--person", str(member_with_everything.pk), "--staff", "clerk"
        )


def test_an_agency_user_signed_in_to_the_staff_pages_gets_no_members_data(
    client, member_with_everything
):
    from tests.employers.factories import UserFactory

    client.force_login(UserFactory())
    for url in (reverse("portal:data"), reverse("portal:data_download", args=["json"])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("portal:sign_in"))
