"""The invoice endpoints: an organisation's key and users see its invoices and PDFs only;
another organisation's answer 404; no credentials 401; union staff see all."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from tests.api.test_rosters_api import key_client, session_client
from tests.levies.factories import InvoiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def flexwerk_invoice(flexwerk):
    return InvoiceFactory(payer_organisation=flexwerk, total=Decimal("1234.56"))


@pytest.fixture
def oost_invoice(oost_uitzend):
    return InvoiceFactory(payer_organisation=oost_uitzend)


def urls(invoice) -> list[str]:
    return [f"/api/v1/invoices/{invoice.pk}/", f"/api/v1/invoices/{invoice.pk}/pdf"]


def test_agency_key_lists_only_its_own_invoices(flexwerk, flexwerk_invoice, oost_invoice):
    response = key_client(flexwerk).get("/api/v1/invoices/")

    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 1
    [item] = page["results"]
    assert item["id"] == flexwerk_invoice.pk
    assert item["number"] == flexwerk_invoice.number
    assert item["payer"] == flexwerk.kvk
    assert item["total"] == "1234.56"
    assert item["kind"] == "invoice"
    assert item["payment_reference"] == flexwerk_invoice.payment_reference
    assert item["url"].endswith(f"/api/v1/invoices/{flexwerk_invoice.pk}/")
    assert item["pdf_url"].endswith(f"/api/v1/invoices/{flexwerk_invoice.pk}/pdf")


def test_agency_key_reads_its_invoice_with_lines_and_its_pdf(flexwerk, flexwerk_invoice):
    client = key_client(flexwerk)

    detail = client.get(f"/api/v1/invoices/{flexwerk_invoice.pk}/")
    pdf = client.get(f"/api/v1/invoices/{flexwerk_invoice.pk}/pdf")

    assert detail.status_code == 200
    assert detail.json()["lines"] == [
        {
            "site": "Slachterij Oss (OSS-01)",
            "cao_phase": "A",
            "grouped": False,
            "count_of": "members",
            # 7 people: below the minimum group size, so not given.
            "count": None,
            "count_fewer_than": 10,
            "amount": "1234.56",
        }
    ]
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_another_agencys_key_and_user_get_404(oost_uitzend, bogdan, flexwerk_invoice):
    for client in (key_client(oost_uitzend), session_client(bogdan)):
        for url in urls(flexwerk_invoice):
            response = client.get(url)
            assert response.status_code == 404, url
            assert response.json()["code"] == "not_found"
        assert client.get("/api/v1/invoices/").json()["count"] == 0


def test_no_credentials_get_401(flexwerk_invoice):
    client = APIClient()

    for url in ["/api/v1/invoices/", *urls(flexwerk_invoice)]:
        assert client.get(url).status_code == 401, url


def test_union_admin_sees_every_organisations_invoices(ula, flexwerk_invoice, oost_invoice):
    client = session_client(ula)

    listed = client.get("/api/v1/invoices/").json()

    assert {item["id"] for item in listed["results"]} == {flexwerk_invoice.pk, oost_invoice.pk}
    for url in urls(oost_invoice):
        assert client.get(url).status_code == 200, url


def test_invoice_endpoints_are_in_the_openapi_schema(anna):
    schema = session_client(anna).get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()

    assert {"/api/v1/invoices/", "/api/v1/invoices/{id}/", "/api/v1/invoices/{id}/pdf"} <= set(
        schema["paths"]
    )
    pdf = schema["paths"]["/api/v1/invoices/{id}/pdf"]["get"]["responses"]["200"]
    assert "application/pdf" in pdf["content"]
