from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from levies.billing.documents import (
    CSV_HEADER,
    VAT_STATEMENT,
    DocumentLine,
    InvoiceDocument,
    Party,
    StateClaimDocument,
    StateClaimRow,
    format_euro,
    format_iban,
    invoice_pdf,
    state_claim_csv,
    state_claim_pdf,
)
from levies.billing.payment_reference import payment_reference_for_invoice

UNION = Party(
    name="Bond voor Uitzendkrachten",
    address_lines=("Hertogswetering 159", "3543 AS Utrecht"),
    kvk="40530607",
    iban="NL91ABNA0417164300",
)
PAYER = Party(
    name="Zakład Mięsny Łódź B.V.",
    address_lines=("Industrieweg 12", "5301 LE Zaltbommel"),
    kvk="87654321",
)
REFERENCE = payment_reference_for_invoice(year=2027, sequence=123)


def make_invoice(**overrides) -> InvoiceDocument:
    lines = (
        DocumentLine(
            site="Timișoara Ștefănești", cao_phase="A", members=12, amount=Decimal("148.20")
        ),
        DocumentLine(
            site="Zaltbommel hal 2", cao_phase="B", members=100, amount=Decimal("1086.36")
        ),
        DocumentLine(site="Київ склад", cao_phase="C", members=1, amount=Decimal("12.35")),
    )
    fields = {
        "kind": "invoice",
        "number": "2027-000123",
        "issue_date": date(2027, 4, 1),
        "due_date": date(2027, 5, 1),
        "union": UNION,
        "payer": PAYER,
        "period_start": date(2027, 3, 1),
        "period_end": date(2027, 3, 31),
        "lines": lines,
        "total": Decimal("1246.91"),
        "payment_reference": REFERENCE,
    }
    fields.update(overrides)
    return InvoiceDocument(**fields)


def make_credit_note(**overrides) -> InvoiceDocument:
    line = DocumentLine(
        site="Zaltbommel hal 2",
        cao_phase="B",
        members=3,
        amount=Decimal("-37.05"),
        description="Opt-out binnen de termijn",
    )
    fields = {
        "kind": "credit_note",
        "number": "2027-000124",
        "due_date": None,
        "lines": (line,),
        "total": Decimal("-37.05"),
        "payment_reference": payment_reference_for_invoice(year=2027, sequence=124),
    }
    fields.update(overrides)
    return make_invoice(**fields)


def make_claim(**overrides) -> StateClaimDocument:
    rows = (
        StateClaimRow(
            "Vleesverwerking", "Zakład Mięsny Łódź B.V.", "87654321", 412, Decimal("5088.20")
        ),
        StateClaimRow(
            "Vleesverwerking", "Flexwerk Oost B.V.", "12345678", 1290, Decimal("15931.50")
        ),
        StateClaimRow(
            "Distributiecentra", "Timișoara Staffing S.R.L.", "76543210", 803, Decimal("9917.05")
        ),
    )
    fields = {
        "reference": "SZW-2027-03",
        "issue_date": date(2027, 4, 5),
        "period_start": date(2027, 3, 1),
        "period_end": date(2027, 3, 31),
        "union": UNION,
        "funder": Party("Ministerie van SZW", ("Postbus 90801", "2509 LV Den Haag")),
        "rows": rows,
    }
    fields.update(overrides)
    return StateClaimDocument(**fields)


def pdf_pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def pdf_text(pdf: bytes) -> str:
    # Paragraph lines wrap wherever the layout puts them; compare on single spaces.
    return " ".join(" ".join(pdf_pages(pdf)).split())


# -- formatting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "printed"),
    [
        ("0", "€ 0,00"),
        ("0.5", "€ 0,50"),
        ("12.35", "€ 12,35"),
        ("1234.56", "€ 1.234,56"),
        ("1234567.89", "€ 1.234.567,89"),
        ("-37.05", "€ -37,05"),
        ("-1000", "€ -1.000,00"),
    ],
)
def test_euro_amounts_print_the_dutch_way(amount, printed):
    assert format_euro(Decimal(amount)) == printed


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False))
def test_printed_euro_amount_reads_back_to_the_same_cents(amount):
    printed = format_euro(amount)
    digits = printed.removeprefix("€ ").replace(".", "").replace(",", ".")
    assert Decimal(digits) == amount


def test_iban_prints_in_groups_of_four():
    assert format_iban("nl91abna0417164300") == "NL91 ABNA 0417 1643 00"


# -- invoice contents ------------------------------------------------------------------------


def test_invoice_pdf_shows_number_total_and_grouped_payment_reference():
    text = pdf_text(invoice_pdf(make_invoice()))

    assert "2027-000123" in text
    assert "€ 1.246,91" in text
    assert "2202 7000 0000 0123" in text
    assert "Factuur" in text
    assert "01-05-2027" in text  # due date
    assert "01-03-2027 – 31-03-2027" in text  # noqa: RUF001 - the period's en dash


def test_invoice_pdf_names_both_parties_with_address_kvk_and_union_iban():
    text = pdf_text(invoice_pdf(make_invoice()))

    for expected in (
        "Bond voor Uitzendkrachten",
        "3543 AS Utrecht",
        "KvK 40530607",
        "IBAN NL91 ABNA 0417 1643 00",
        "5301 LE Zaltbommel",
        "KvK 87654321",
    ):
        assert expected in text


def test_polish_romanian_and_cyrillic_names_survive_text_extraction():
    text = pdf_text(invoice_pdf(make_invoice()))

    assert "Zakład Mięsny Łódź B.V." in text
    assert "Timișoara Ștefănești" in text
    assert "Київ склад" in text


def test_all_romanian_and_polish_diacritics_render_with_the_embedded_font():
    # The Ukrainian letter that looks like a Latin i is one of the letters under test.
    letters = "ą ć ę ł ń ó ś ź ż Ą Ć Ę Ł Ń Ó Ś Ź Ż ș ț ă â î Ș Ț Ă Â Î є і ї ґ ъ щ"  # noqa: RUF001
    doc = make_invoice(payer=replace(PAYER, name=letters))

    assert letters in pdf_text(invoice_pdf(doc))


def test_lines_show_site_phase_members_and_amount_in_one_row():
    pages = pdf_pages(invoice_pdf(make_invoice()))

    assert "Zaltbommel hal 2\nB\n100\n€ 1.086,36" in pages[0]


def test_invoice_says_the_levy_is_outside_the_scope_of_vat():
    assert VAT_STATEMENT in pdf_text(invoice_pdf(make_invoice()))
    assert "Buiten de reikwijdte van de btw" in VAT_STATEMENT


def test_payment_instruction_quotes_amount_iban_due_date_and_reference():
    text = pdf_text(invoice_pdf(make_invoice()))

    assert (
        "Please transfer € 1.246,91 by 01-05-2027 to IBAN NL91 ABNA 0417 1643 00 in the name of "
        "Bond voor Uitzendkrachten, quoting payment reference 2202 7000 0000 0123." in text
    )
    assert "onder vermelding van betalingskenmerk 2202 7000 0000 0123" in text


def test_only_embedded_fonts_are_used():
    reader = PdfReader(io.BytesIO(invoice_pdf(make_invoice())))

    fonts = [
        font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()
    ]
    assert fonts
    for font in fonts:
        assert "DejaVuSans" in font["/BaseFont"]
        assert "/FontFile2" in font["/FontDescriptor"].get_object()


def test_markup_characters_in_names_print_literally():
    doc = make_invoice(payer=replace(PAYER, name="Bakker & Zn <Vlees> B.V."))

    assert "Bakker & Zn <Vlees> B.V." in pdf_text(invoice_pdf(doc))


def test_same_invoice_renders_to_the_same_bytes():
    assert invoice_pdf(make_invoice()) == invoice_pdf(make_invoice())


def test_pdf_title_names_the_invoice():
    reader = PdfReader(io.BytesIO(invoice_pdf(make_invoice())))

    assert reader.metadata.title == "Factuur 2027-000123"


# -- credit notes ----------------------------------------------------------------------------


def test_credit_note_is_titled_as_such_and_has_no_due_date():
    text = pdf_text(invoice_pdf(make_credit_note()))

    assert "Creditnota" in text
    assert "Credit note" in text
    assert "€ -37,05" in text
    assert "Vervaldatum" not in text
    assert "Due date" not in text
    assert "Opt-out binnen de termijn" in text


def test_credit_note_does_not_ask_for_payment():
    text = pdf_text(invoice_pdf(make_credit_note()))

    assert "Please transfer" not in text
    assert "We will set € 37,05 off against your open or next invoices" in text


def test_credit_note_with_a_due_date_is_refused():
    with pytest.raises(ValueError, match="no due date"):
        make_credit_note(due_date=date(2027, 5, 1))


# -- what a document refuses to print --------------------------------------------------------


def test_invoice_without_due_date_is_refused():
    with pytest.raises(ValueError, match="due date"):
        make_invoice(due_date=None)


def test_total_that_is_not_the_sum_of_the_lines_is_refused():
    with pytest.raises(ValueError, match="sum of the lines"):
        make_invoice(total=Decimal("1246.90"))


def test_amount_with_fractions_of_a_cent_is_refused():
    line = DocumentLine(site="Venlo", cao_phase="A", members=1, amount=Decimal("1.00"))
    with pytest.raises(ValueError, match="two decimal places"):
        replace(line, amount=Decimal("1.005"))


def test_payment_reference_with_a_wrong_check_digit_is_refused():
    wrong = ("3" if REFERENCE[0] != "3" else "4") + REFERENCE[1:]
    with pytest.raises(ValueError, match="betalingskenmerk"):
        make_invoice(payment_reference=wrong)


def test_invoice_needs_the_union_iban():
    with pytest.raises(ValueError, match="IBAN"):
        make_invoice(union=replace(UNION, iban=None))


# -- long invoices ---------------------------------------------------------------------------


def test_two_hundred_line_invoice_spans_pages_and_repeats_the_table_header():
    lines = tuple(
        DocumentLine(
            site=f"Locatie {i:03d} Łódź", cao_phase="A", members=i, amount=Decimal("10.00")
        )
        for i in range(200)
    )
    doc = make_invoice(lines=lines, total=Decimal("2000.00"))

    pages = pdf_pages(invoice_pdf(doc))

    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert "Locatie\nSite" in page
        assert "Bedrag\n" in page and "Amount" in page
        assert f"{number}/{len(pages)}" in page
    everything = "\n".join(pages)
    for i in range(200):
        assert everything.count(f"Locatie {i:03d} Łódź") == 1
    assert "€ 2.000,00" in pages[-1]
    assert "2027-000123" in pages[-1]  # later pages say which invoice they belong to


# -- state claim -----------------------------------------------------------------------------


def test_claim_pdf_shows_rows_sector_subtotals_and_total():
    text = pdf_text(state_claim_pdf(make_claim()))

    assert "SZW-2027-03" in text
    assert "Zakład Mięsny Łódź B.V." in text
    assert "Timișoara Staffing S.R.L." in text
    assert "€ 21.019,70" in text  # Vleesverwerking: 5088.20 + 15931.50
    assert "€ 9.917,05" in text
    assert "€ 30.936,75" in text  # total
    assert "2.505" in text  # members: 412 + 1290 + 803


def test_claim_pdf_uses_only_embedded_fonts():
    reader = PdfReader(io.BytesIO(state_claim_pdf(make_claim())))

    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            assert "/FontFile2" in font.get_object()["/FontDescriptor"].get_object()


def test_claim_pdf_quotes_payment_reference_when_given():
    reference = payment_reference_for_invoice(year=2027, sequence=3, series=9)
    doc = make_claim(payment_reference=reference, due_date=date(2027, 5, 5))

    text = pdf_text(state_claim_pdf(doc))

    assert "0202 7900 0000 0003" in text
    assert "by 05-05-2027" in text


def test_claim_csv_has_header_one_row_per_sector_and_payer_and_a_total():
    rows = list(csv.reader(io.StringIO(state_claim_csv(make_claim()))))

    assert tuple(rows[0]) == CSV_HEADER
    assert rows[1] == [
        "2027-03-01",
        "2027-03-31",
        "Vleesverwerking",
        "Zakład Mięsny Łódź B.V.",
        "87654321",
        "412",
        "5088.20",
    ]
    assert len(rows) == 1 + 3 + 1
    assert rows[-1] == ["2027-03-01", "2027-03-31", "TOTAL", "", "", "2505", "30936.75"]


def test_claim_csv_defuses_spreadsheet_formulas_in_names():
    row = StateClaimRow("Vleesverwerking", '=HYPERLINK("x")', "87654321", 1, Decimal("1.00"))

    rows = list(csv.reader(io.StringIO(state_claim_csv(make_claim(rows=(row,))))))

    assert rows[1][3] == '\'=HYPERLINK("x")'
    assert rows[-1][-1] == "1.00"


def test_claim_contains_no_personal_data_fields():
    assert set(CSV_HEADER) == {
        "period_start",
        "period_end",
        "sector",
        "payer",
        "payer_kvk",
        "members",
        "amount",
    }
    assert not hasattr(StateClaimRow, "person")


claim_rows = st.lists(
    st.builds(
        StateClaimRow,
        sector=st.sampled_from(["Vleesverwerking", "Distributiecentra", "Agrarisch"]),
        payer=st.text(alphabet="abcłśțș &", min_size=1, max_size=12),
        payer_kvk=st.from_regex(r"[0-9]{8}", fullmatch=True),
        members=st.integers(min_value=0, max_value=50_000),
        amount=st.decimals(min_value=-1000, max_value=10**6, places=2, allow_nan=False),
    ),
    max_size=30,
)


@settings(max_examples=50)
@given(claim_rows)
def test_claim_csv_rows_sum_to_the_total_row(rows):
    doc = make_claim(rows=tuple(rows))

    parsed = list(csv.DictReader(io.StringIO(state_claim_csv(doc))))
    body, total = parsed[:-1], parsed[-1]

    assert total["sector"] == "TOTAL"
    assert len(body) == len(rows)
    assert sum(Decimal(r["amount"]) for r in body) == Decimal(total["amount"])
    assert sum(int(r["members"]) for r in body) == int(total["members"])
    assert Decimal(total["amount"]) == doc.total_amount


@settings(max_examples=30)
@given(claim_rows)
def test_sector_totals_sum_to_the_claim_total(rows):
    doc = make_claim(rows=tuple(rows))

    totals = doc.sector_totals()

    assert sum((t.amount for t in totals), Decimal("0.00")) == doc.total_amount
    assert sum(t.members for t in totals) == doc.total_members
    assert len({t.sector for t in totals}) == len(totals)


def test_long_claim_spans_pages_and_repeats_the_table_header():
    rows = tuple(
        StateClaimRow(f"Sector {i % 4}", f"Uitzendbureau {i:03d}", "12345678", 10, Decimal("1.00"))
        for i in range(150)
    )

    pages = pdf_pages(state_claim_pdf(make_claim(rows=rows)))

    assert len(pages) > 1
    for page in pages:
        assert "Betaler\nPayer" in page
    assert "€ 150,00" in pages[-1]


def test_long_site_name_wraps_inside_its_column():
    long_site = "Distributiecentrum Zaltbommel Noord, hal 2, koel- en vriescellen"
    line = DocumentLine(site=long_site, cao_phase="B", members=5, amount=Decimal("61.75"))
    doc = make_invoice(lines=(line,), total=Decimal("61.75"))

    text = pdf_pages(invoice_pdf(doc))[0]

    # Wrapped over two lines, and the phase column still reads "B" on its own.
    assert long_site not in text
    assert " ".join(long_site.split()) in " ".join(text.split())
    assert "\nB\n5\n€ 61,75" in text
