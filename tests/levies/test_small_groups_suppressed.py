"""Invoice lines never describe a group smaller than UNIONROLL_MIN_GROUP_SIZE (10): sites and
CAO phases with fewer people are merged into one grouped line, and a count below the minimum is
shown as "fewer than 10" — on the PDF, in the API and on the page — while the amounts still sum
exactly to the invoice total."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import sys
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db.models import Sum
from django.urls import reverse
from pypdf import PdfReader

from levies.billing.printing import invoice_pdf_bytes
from levies.models import Invoice, LevyCharge
from levies.services import levies_assess, period_billing_issue
from tests.api.test_rosters_api import key_client
from tests.employers.factories import SiteFactory

from .conftest import PE, PS, import_roster, make_scheme, worker

pytestmark = pytest.mark.django_db

IMPORTED = dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC)
AFTER_WINDOW = dt.date(2026, 12, 11)
ISSUED = dt.date(2026, 12, 14)
D = Decimal


@pytest.fixture
def second_site(hirer, meat):
    return SiteFactory(hirer=hirer, code="OSS-2", name="Uitbeenhal Oss", sector=meat)


def _bill(tmp_path, agency, rows) -> Invoice:
    make_scheme(meat_of(agency), base="covered_workers", collect_during_window=True)
    with time_machine.travel(IMPORTED, tick=False):
        import_roster(tmp_path, agency, rows)
    levies_assess(period_start=PS, period_end=PE, today=AFTER_WINDOW)
    period_billing_issue(period_start=PS, period_end=PE, issue_date=ISSUED)
    return Invoice.objects.get(payer_organisation=agency)


def meat_of(agency):
    return agency.sectors.get(code="meat")


def _mixed_roster(site, second_site) -> list[dict]:
    """12 workers at OSS in phase A; small groups: 3 at OSS in B, 2 at OSS-2 in A, 1 without a
    site (7 people together)."""
    at = {"hirer_kvk": site.hirer.kvk}
    rows = [worker(n, site_code=site.code, cao_phase="A", **at) for n in range(1, 13)]
    rows += [worker(n, site_code=site.code, cao_phase="B", **at) for n in range(13, 16)]
    rows += [worker(n, site_code=second_site.code, cao_phase="A", **at) for n in range(16, 18)]
    rows += [worker(18, gross_wages="1000,00", cao_phase="C")]
    return rows


def _pdf_text(data: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text)


def _charges_billed(invoice) -> Decimal:
    return LevyCharge.objects.filter(invoice_id=invoice.pk).aggregate(total=Sum("amount"))["total"]


def test_small_sites_and_phases_are_merged_into_one_line_and_the_total_stays_exact(
    tmp_path, flexwerk, site, second_site
):
    invoice = _bill(tmp_path, flexwerk, _mixed_roster(site, second_site))

    lines = list(invoice.lines.all())
    # 0.28 per worker (10% of 2.79); 1000.00 gross: 5.00, of which the agency pays 0.50.
    assert [
        (line.site_name, line.cao_phase, line.members, line.grouped, line.amount) for line in lines
    ] == [
        (f"{site.name} ({site.code})", "A", 12, False, D("3.36")),
        ("", "", 6, True, D("1.90")),
    ]
    # The invoice's total is summed from these lines; the charges billed are the yardstick.
    assert sum(line.amount for line in lines) == _charges_billed(invoice) == D("5.26")


def test_pdf_shows_the_grouped_line_and_fewer_than_ten(tmp_path, flexwerk, site, second_site):
    invoice = _bill(tmp_path, flexwerk, _mixed_roster(site, second_site))

    text = _pdf_text(invoice_pdf_bytes(invoice))

    assert "Overige locaties en CAO-fasen / Other sites and CAO phases" in text
    assert "< 10" in text
    assert "Werknemers" in text and "Workers" in text
    assert "Uitbeenhal" not in text  # a site of two workers is not named
    assert re.search(r"Totaal / Total\s+€\s*5,26", text)


def test_api_gives_no_count_below_ten(tmp_path, flexwerk, site, second_site):
    invoice = _bill(tmp_path, flexwerk, _mixed_roster(site, second_site))

    body = key_client(flexwerk).get(f"/api/v1/invoices/{invoice.pk}/").json()

    assert body["lines"] == [
        {
            "site": f"{site.name} ({site.code})",
            "cao_phase": "A",
            "grouped": False,
            "count_of": "workers",
            "count": 12,
            "count_fewer_than": None,
            "amount": "3.36",
        },
        {
            "site": "",
            "cao_phase": "",
            "grouped": True,
            "count_of": "workers",
            "count": None,
            "count_fewer_than": 10,
            "amount": "1.90",
        },
    ]
    assert sum(D(line["amount"]) for line in body["lines"]) == _charges_billed(invoice)


def test_page_shows_the_grouped_line_and_fewer_than_ten(
    client, anna, tmp_path, flexwerk, site, second_site
):
    invoice = _bill(tmp_path, flexwerk, _mixed_roster(site, second_site))
    client.force_login(anna)

    page = client.get(reverse("levies:invoice_detail", args=[invoice.pk]))

    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.content.decode()))
    assert "Other sites and CAO phases (each with fewer than 10 people)" in text
    assert "fewer than 10" in text
    assert "Workers" in text
    assert "Uitbeenhal" not in text
    assert "every covered worker on your payroll, whatever their union status" in text
    assert "are shown together on one line" in text


def test_page_and_pdf_explain_grouping_only_when_a_line_is_grouped(
    client, anna, tmp_path, flexwerk, site
):
    at = {"hirer_kvk": site.hirer.kvk, "site_code": site.code}
    invoice = _bill(tmp_path, flexwerk, [worker(n, **at) for n in range(1, 13)])
    client.force_login(anna)

    page = client.get(reverse("levies:invoice_detail", args=[invoice.pk])).content.decode()
    text = _pdf_text(invoice_pdf_bytes(invoice))

    assert [line.grouped for line in invoice.lines.all()] == [False]
    assert "shown together on one line" not in re.sub(r"\s+", " ", page)
    assert "< 10" not in text and "fewer than 10" not in re.sub(r"\s+", " ", text)


def test_an_invoice_of_a_few_workers_is_one_grouped_line(tmp_path, flexwerk, site):
    at = {"hirer_kvk": site.hirer.kvk, "site_code": site.code}
    invoice = _bill(tmp_path, flexwerk, [worker(n, **at) for n in range(1, 4)])

    text = _pdf_text(invoice_pdf_bytes(invoice))

    assert [(line.members, line.grouped, line.amount) for line in invoice.lines.all()] == [
        (3, True, D("0.84"))
    ]
    assert invoice.total == D("0.84")
    assert "< 10" in text


def test_a_larger_minimum_group_size_merges_more(tmp_path, flexwerk, site, second_site, settings):
    settings.UNIONROLL_MIN_GROUP_SIZE = 13

    invoice = _bill(tmp_path, flexwerk, _mixed_roster(site, second_site))

    assert [(line.members, line.grouped) for line in invoice.lines.all()] == [(18, True)]
    assert invoice.total == D("5.26")


def test_a_minimum_group_size_below_ten_is_refused_at_start():
    env = {**os.environ, "UNIONROLL_MIN_GROUP_SIZE": "5"}

    result = subprocess.run(
        [sys.executable, "-c", "import unionroll.settings"],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "UNIONROLL_MIN_GROUP_SIZE must be 10 or more" in result.stderr
