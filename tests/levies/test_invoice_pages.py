"""The invoice pages: payers see their own invoices and PDFs, another organisation's are 404,
union staff see all, and the pages show counts and amounts, never a worker."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from levies.billing.payment_reference import payment_reference_for_invoice
from levies.models import Invoice, Payment, StateClaim
from tests.levies.factories import InvoiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def flexwerk_invoice(flexwerk):
    return InvoiceFactory(payer_organisation=flexwerk, total=Decimal("1234.56"))


@pytest.fixture
def oost_invoice(oost_uitzend):
    return InvoiceFactory(payer_organisation=oost_uitzend)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def invoice_urls(invoice: Invoice) -> list[str]:
    return [
        reverse("levies:invoice_detail", args=[invoice.pk]),
        reverse("levies:invoice_pdf", args=[invoice.pk]),
    ]


def test_agency_user_sees_own_invoices_only_in_the_list(
    client, anna, flexwerk_invoice, oost_invoice
):
    client.force_login(anna)

    page = client.get(reverse("levies:invoice_list"))

    text = text_of(page)
    assert page.status_code == 200
    assert flexwerk_invoice.number in text
    assert oost_invoice.number not in text
    assert "€ 1.234,56" in text
    assert "2 Nov \u2013 8 Nov 2026" in text
    assert 'href="/invoices/"' in page.content.decode()  # in the site navigation


def test_agency_user_sees_the_detail_with_lines_and_downloads_the_pdf(
    client, anna, flexwerk_invoice
):
    client.force_login(anna)

    page = client.get(reverse("levies:invoice_detail", args=[flexwerk_invoice.pk]))
    pdf = client.get(reverse("levies:invoice_pdf", args=[flexwerk_invoice.pk]))

    text = text_of(page)
    assert page.status_code == 200
    assert "Slachterij Oss (OSS-01)" in text
    assert "€ 1.234,56" in text
    reference = flexwerk_invoice.payment_reference
    assert f"{reference[:4]} {reference[4:8]} {reference[8:12]} {reference[12:]}" in text
    assert reverse("levies:invoice_pdf", args=[flexwerk_invoice.pk]) in page.content.decode()
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert f"factuur-{flexwerk_invoice.number}.pdf" in pdf["Content-Disposition"]


def test_credit_note_page_says_what_it_is(client, anna, flexwerk):
    credit = InvoiceFactory(
        payer_organisation=flexwerk, kind=Invoice.Kind.CREDIT_NOTE, total=Decimal("-4.00")
    )
    client.force_login(anna)

    text = text_of(client.get(reverse("levies:invoice_detail", args=[credit.pk])))

    assert f"Credit note {credit.number}" in text
    assert "€ -4,00" in text


def test_another_agencys_user_gets_404_for_detail_and_pdf(client, bogdan, flexwerk_invoice):
    client.force_login(bogdan)

    for url in invoice_urls(flexwerk_invoice):
        assert client.get(url).status_code == 404, url
    assert flexwerk_invoice.number not in text_of(client.get(reverse("levies:invoice_list")))


def test_anonymous_visitor_is_sent_to_log_in(client, flexwerk_invoice):
    for url in [reverse("levies:invoice_list"), *invoice_urls(flexwerk_invoice)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


def test_union_admin_sees_every_organisations_invoices(client, ula, flexwerk_invoice, oost_invoice):
    client.force_login(ula)

    text = text_of(client.get(reverse("levies:invoice_list")))

    assert flexwerk_invoice.number in text and oost_invoice.number in text
    assert oost_invoice.payer_organisation.name in text
    for url in invoice_urls(oost_invoice):
        assert client.get(url).status_code == 200, url


def test_state_claim_downloads_are_for_union_staff_only(client, anna, ula, flexwerk):
    claim = StateClaim.objects.create(
        reference="S2026-000001",
        year=2026,
        sequence=1,
        period_start=dt.date(2026, 11, 2),
        period_end=dt.date(2026, 11, 8),
        issue_date=dt.date(2026, 12, 14),
        total=Decimal("4.50"),
        payment_reference=payment_reference_for_invoice(year=2026, sequence=1, series=5),
    )
    urls = [
        reverse("levies:state_claim_pdf", args=[claim.pk]),
        reverse("levies:state_claim_csv", args=[claim.pk]),
    ]
    client.force_login(anna)
    assert [client.get(url).status_code for url in urls] == [404, 404]
    client.force_login(ula)
    assert [client.get(url).status_code for url in urls] == [200, 200]


# --- paying online ------------------------------------------------------------------------------


def test_without_stripe_the_invoice_page_says_online_payment_is_off(
    client, anna, flexwerk_invoice, settings
):
    settings.STRIPE_SECRET_KEY = ""
    client.force_login(anna)

    page = text_of(client.get(reverse("levies:invoice_detail", args=[flexwerk_invoice.pk])))
    response = client.post(
        reverse("levies:invoice_pay", args=[flexwerk_invoice.pk]), {"method": "ideal"}
    )

    assert "Online payment (iDEAL, card, SEPA Direct Debit) is not switched on" in page
    assert "Continue to payment" not in page
    assert response.status_code == 302
    assert not Payment.objects.exists()


def test_with_stripe_a_payer_starts_paying_what_is_open(
    client, anna, flexwerk_invoice, stripe_settings
):
    stripe_settings.STRIPE_PUBLISHABLE_KEY = "pk_test_unionroll"
    client.force_login(anna)

    page = text_of(client.get(reverse("levies:invoice_detail", args=[flexwerk_invoice.pk])))
    response = client.post(
        reverse("levies:invoice_pay", args=[flexwerk_invoice.pk]), {"method": "card"}
    )

    assert "Continue to payment" in page
    assert response.status_code == 200
    payment = Payment.objects.get()
    assert (payment.invoice_id, payment.amount) == (flexwerk_invoice.pk, Decimal("1234.56"))
    assert 'data-client-secret="pi_' in response.content.decode()
    assert "Amount: € 1.234,56" in text_of(response)


def test_another_agencys_user_cannot_start_paying_an_invoice(
    client, bogdan, flexwerk_invoice, stripe_settings
):
    client.force_login(bogdan)

    response = client.post(
        reverse("levies:invoice_pay", args=[flexwerk_invoice.pk]), {"method": "card"}
    )

    assert response.status_code == 404
    assert not Payment.objects.exists()


def test_a_credit_note_offers_no_payment(client, anna, flexwerk, stripe_settings):
    credit = InvoiceFactory(
        payer_organisation=flexwerk, kind=Invoice.Kind.CREDIT_NOTE, total=Decimal("-4.00")
    )
    client.force_login(anna)

    page = text_of(client.get(reverse("levies:invoice_detail", args=[credit.pk])))

    assert "Pay online" not in page
