"""The roster reader: formats it accepts, every error it reports, what it never lets out.

No database: the reader only needs ``ReferenceData``, built by hand here.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import hmac
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from enrolment.roster.reader import (
    COLUMNS,
    RosterReader,
    bsn_hash,
    bsn_is_valid,
    header_key,
    mask_value,
    normalise_name_key,
)
from enrolment.roster.sources import detect_encoding
from enrolment.roster.types import ParsedRow, ReferenceData

TODAY = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)

MEAT, DC = 1, 2
HIRER_A, HIRER_B = 10, 11
SITE_A1, SITE_A_SHARED, SITE_B_SHARED, SITE_B_DC = 100, 101, 102, 103

HEADER = [
    "worker_number",
    "first_name",
    "last_name",
    "date_of_birth",
    "email",
    "phone",
    "language",
    "period_start",
    "period_end",
    "hirer_kvk",
    "site_code",
    "sector",
    "cao_phase",
    "hours_worked",
    "gross_wages",
    "housing_deduction",
]
DUTCH_HEADER = [
    "Personeelsnummer",
    "Voornaam",
    "Achternaam",
    "Geboortedatum",
    "E-mail",
    "Telefoon",
    "Taal",
    "Periode begin",
    "Periode eind",
    "Inlener KvK",
    "Locatie",
    "Sector",
    "Fase",
    "Uren",
    "Brutoloon",
    "Huisvesting",
]
SECRET = "test-secret-for-bsn-hmac"
# Passes the 11-proef: 9*1+8*1+7*1+6*2+5*2+4*2+3*3+2*3-1*3 = 66.
VALID_BSN = "111222333"


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


def reference(*, organisation_sectors: tuple[int, ...] = (MEAT,)) -> ReferenceData:
    return ReferenceData(
        organisation_id=1,
        sectors={"meat": MEAT, "dc": DC},
        organisation_sector_ids=organisation_sectors,
        hirers={"12345678": HIRER_A, "87654321": HIRER_B, "01234567": 12},
        sites={
            (HIRER_A, "A1"): (SITE_A1, MEAT),
            (HIRER_A, "SHARED"): (SITE_A_SHARED, MEAT),
            (HIRER_B, "SHARED"): (SITE_B_SHARED, MEAT),
            (HIRER_B, "DC-7"): (SITE_B_DC, DC),
        },
        sites_by_code={
            "A1": [(HIRER_A, SITE_A1, MEAT)],
            "SHARED": [(HIRER_A, SITE_A_SHARED, MEAT), (HIRER_B, SITE_B_SHARED, MEAT)],
            "DC-7": [(HIRER_B, SITE_B_DC, DC)],
        },
    )


def record(**values: str) -> dict[str, str]:
    """One roster row as a payroll export writes it; override any column."""
    row = {
        "worker_number": "000123",
        "first_name": "Łukasz",
        "last_name": "Wróbel-Nowak",
        "date_of_birth": "17-05-1990",
        "email": "Lukasz.Wrobel@Example.com",
        "phone": "+48 512 345 678",
        "language": "pl",
        "period_start": "02-11-2026",
        "period_end": "08-11-2026",
        "hirer_kvk": "12345678",
        "site_code": "A1",
        "sector": "",
        "cao_phase": "A",
        "hours_worked": "38,50",
        "gross_wages": "1.234,56",
        "housing_deduction": "105,00",
    }
    row.update(values)
    return row


_FIELD_OF = {header_key(c.field): c.field for c in COLUMNS} | {
    header_key(c.dutch): c.field for c in COLUMNS
}


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    *,
    header: list[str] = HEADER,
    delimiter: str = ";",
    encoding: str = "utf-8",
) -> Path:
    """Rows (keyed by field name, or by the header text for unknown columns) as a CSV file."""
    keys = [_FIELD_OF.get(header_key(name), name) for name in header]
    lines = [delimiter.join(header)]
    lines += [delimiter.join(row.get(key, "") for key in keys) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def write_lines(path: Path, lines: list[str], *, encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def read(
    path: Path,
    *,
    ref: ReferenceData | None = None,
    bsn_matching: bool = False,
    max_errors: int = 10_000,
) -> tuple[RosterReader, list[ParsedRow]]:
    reader = RosterReader(
        path,
        reference=ref or reference(),
        bsn_matching=bsn_matching,
        bsn_secret=SECRET if bsn_matching else "",
        max_errors=max_errors,
    )
    return reader, list(reader.rows())


def issues(reader: RosterReader) -> set[tuple[int | None, str | None, str]]:
    return {(e.row, e.column, e.code) for e in reader.errors}


def one_error(path: Path, **kwargs) -> tuple[int | None, str | None, str]:
    reader, rows = read(path, **kwargs)
    assert rows == []
    assert reader.error_count == 1, reader.errors
    error = reader.errors[0]
    assert error.message
    return error.row, error.column, error.code


# --- a good row ---------------------------------------------------------------------------------


def test_valid_row_is_converted_in_full(tmp_path):
    reader, rows = read(write_csv(tmp_path / "r.csv", [record()]))

    assert reader.errors == []
    assert reader.error_count == 0
    assert reader.rows_seen == 1
    assert reader.period == (dt.date(2026, 11, 2), dt.date(2026, 11, 8))
    assert rows == [
        ParsedRow(
            row_number=2,
            worker_number="000123",
            first_name="Łukasz",
            last_name="Wróbel-Nowak",
            first_name_key="lukasz",
            last_name_key="wrobelnowak",
            date_of_birth=dt.date(1990, 5, 17),
            email="lukasz.wrobel@example.com",
            phone="+48512345678",
            language="pl",
            period_start=dt.date(2026, 11, 2),
            period_end=dt.date(2026, 11, 8),
            hirer_id=HIRER_A,
            site_id=SITE_A1,
            sector_id=MEAT,
            cao_phase="A",
            hours_worked=Decimal("38.50"),
            gross_wages=Decimal("1234.56"),
            housing_deduction=Decimal("105.00"),
            bsn_hash=None,
        )
    ]


def test_optional_columns_may_be_left_out_of_the_file(tmp_path):
    required = [
        "worker_number",
        "first_name",
        "last_name",
        "date_of_birth",
        "period_start",
        "period_end",
        "hours_worked",
        "gross_wages",
    ]
    reader, rows = read(write_csv(tmp_path / "r.csv", [record()], header=required))

    assert reader.errors == []
    assert reader.warnings == []
    (row,) = rows
    assert (row.email, row.phone, row.language) == (None, None, "en")
    assert (row.hirer_id, row.site_id, row.sector_id) == (None, None, MEAT)
    assert (row.cao_phase, row.housing_deduction) == ("", None)


def test_values_are_stripped_and_empty_optional_values_are_missing(tmp_path):
    row = record(
        worker_number="  000123 ",
        first_name=" Ioana ",
        email="   ",
        phone=" ",
        language=" ",
        hirer_kvk="",
        site_code="",
        housing_deduction="  ",
        hours_worked=" 38 ",
    )
    reader, (parsed,) = read(write_csv(tmp_path / "r.csv", [row]))

    assert reader.errors == []
    assert parsed.worker_number == "000123"
    assert parsed.first_name == "Ioana"
    assert (parsed.email, parsed.phone, parsed.language) == (None, None, "en")
    assert parsed.housing_deduction is None
    assert parsed.hours_worked == Decimal("38")


def test_rows_are_streamed_one_at_a_time(tmp_path):
    path = write_csv(tmp_path / "r.csv", [record(worker_number=str(n)) for n in range(1, 6)])
    reader = RosterReader(path, reference=reference(), bsn_matching=False, bsn_secret="")

    rows = reader.rows()
    first = next(rows)

    assert first.worker_number == "1"
    assert reader.rows_seen == 1
    assert len(list(rows)) == 4
    assert reader.rows_seen == 5


# --- CSV dialects -------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_each_delimiter_is_detected_from_the_header(tmp_path, delimiter):
    # With a comma delimiter the amounts must not contain commas themselves (or be quoted).
    row = record(hours_worked="38.50", gross_wages="1234.56", housing_deduction="105")
    reader, rows = read(write_csv(tmp_path / "r.csv", [row], delimiter=delimiter))

    assert reader.errors == []
    assert [(r.worker_number, r.gross_wages) for r in rows] == [("000123", Decimal("1234.56"))]


def test_quoted_values_may_contain_the_delimiter(tmp_path):
    lines = [",".join(HEADER), ",".join(f'"{v}"' for v in record(gross_wages="1,234.56").values())]
    reader, (row,) = read(write_lines(tmp_path / "r.csv", lines))

    assert reader.errors == []
    assert row.gross_wages == Decimal("1234.56")


def test_utf8_with_bom_reads_the_first_column_name_cleanly(tmp_path):
    path = write_csv(tmp_path / "r.csv", [record()], encoding="utf-8-sig")
    assert path.read_bytes().startswith(codecs.BOM_UTF8)

    reader, (row,) = read(path)

    assert reader.errors == []
    assert reader.warnings == []
    assert row.worker_number == "000123"
    assert row.first_name == "Łukasz"


def test_windows_1250_file_with_polish_and_romanian_names_is_decoded(tmp_path):
    rows = [
        record(worker_number="1", first_name="Łukasz", last_name="Wróbel-Żółć"),
        record(worker_number="2", first_name="Małgorzata", last_name="Dąbrowska"),
        record(worker_number="3", first_name="Ştefan", last_name="Ţurcanu"),
    ]
    path = write_csv(tmp_path / "r.csv", rows, encoding="cp1250")
    assert detect_encoding(path) == "cp1250"

    reader, parsed = read(path)

    assert reader.errors == []
    assert [(r.first_name, r.last_name) for r in parsed] == [
        ("Łukasz", "Wróbel-Żółć"),
        ("Małgorzata", "Dąbrowska"),
        ("Ştefan", "Ţurcanu"),
    ]
    assert parsed[2].first_name_key == "stefan"


def test_windows_1252_file_with_dutch_and_french_names_is_decoded(tmp_path):
    rows = [
        record(worker_number="1", first_name="Hélène", last_name="Lefèvre"),
        record(worker_number="2", first_name="Zoë", last_name="Müller-Dubois"),
        record(worker_number="3", first_name="Anaïs", last_name="Façade à Côté"),
    ]
    path = write_csv(tmp_path / "r.csv", rows, encoding="cp1252")
    assert detect_encoding(path) == "cp1252"

    reader, parsed = read(path)

    assert reader.errors == []
    assert [(r.first_name, r.last_name) for r in parsed] == [
        ("Hélène", "Lefèvre"),
        ("Zoë", "Müller-Dubois"),
        ("Anaïs", "Façade à Côté"),
    ]


def test_plain_ascii_file_is_read_as_utf8(tmp_path):
    path = write_csv(tmp_path / "r.csv", [record(first_name="Jan", last_name="Jansen")])

    assert detect_encoding(path) == "utf-8"


def test_utf16_export_from_excel_is_read(tmp_path):
    path = write_csv(tmp_path / "r.txt", [record()], delimiter="\t", encoding="utf-16")

    reader, (row,) = read(path)

    assert reader.errors == []
    assert row.last_name == "Wróbel-Nowak"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234,56", "1234.56"),
        ("1234.56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1.234", "1234"),
        ("1,234", "1234"),
        ("1.234.567,8", "1234567.8"),
        ("€ 1.234,56", "1234.56"),
        ("0,5", "0.5"),
        ("1234", "1234"),
    ],
)
def test_amounts_with_decimal_comma_or_point_and_thousands_separators(tmp_path, text, expected):
    reader, (row,) = read(write_csv(tmp_path / "r.csv", [record(gross_wages=text)]))

    assert reader.errors == []
    assert row.gross_wages == Decimal(expected)


@pytest.mark.parametrize(
    "text", ["2026-11-02", "02-11-2026", "02/11/2026", "2-11-2026", "2/11/2026"]
)
def test_each_date_format_is_read(tmp_path, text):
    reader, (row,) = read(write_csv(tmp_path / "r.csv", [record(period_start=text)]))

    assert reader.errors == []
    assert row.period_start == dt.date(2026, 11, 2)


# --- header -------------------------------------------------------------------------------------


def test_dutch_headers_in_any_case_and_spacing_are_recognised(tmp_path):
    header = [
        "  PERSONEELSNUMMER",
        "voornaam ",
        "AchterNaam",
        "geboorte datum",
        "E-Mail",
        "TELEFOON",
        "taal",
        "Periode  Begin",
        "periode_eind",
        "Inlener KvK",
        "locatie",
        "SECTOR",
        "fase",
        "Uren",
        "BrutoLoon",
        "Huisvesting",
    ]
    reader, (row,) = read(write_csv(tmp_path / "r.csv", [record()], header=header))

    assert reader.errors == []
    assert reader.warnings == []
    assert (row.worker_number, row.hours_worked, row.site_id) == ("000123", Decimal("38.5"), 100)


def test_errors_name_the_column_as_the_file_does(tmp_path):
    path = write_csv(tmp_path / "r.csv", [record(first_name="")], header=DUTCH_HEADER)

    assert one_error(path) == (2, "Voornaam", "required")


def test_unknown_columns_give_one_warning_naming_them(tmp_path):
    header = [*HEADER, "Afdeling", "Opmerking"]
    rows = [record(worker_number=str(n), Afdeling="Uitsnijderij", Opmerking="x") for n in range(3)]
    reader, parsed = read(write_csv(tmp_path / "r.csv", rows, header=header))

    assert reader.errors == []
    assert len(parsed) == 3
    (warning,) = reader.warnings
    assert warning.code == "unknown_columns"
    assert "'Afdeling'" in warning.message
    assert "'Opmerking'" in warning.message


def test_missing_required_column_is_one_file_error_not_one_per_row(tmp_path):
    header = [h for h in HEADER if h != "date_of_birth"]
    rows = [record(worker_number=str(n)) for n in range(50)]
    reader, parsed = read(write_csv(tmp_path / "r.csv", rows, header=header))

    assert parsed == []
    assert issues(reader) == {(1, "date_of_birth", "missing_column")}
    assert reader.error_count == 1
    assert reader.rows_seen == 50


def test_rows_are_still_checked_when_a_required_column_is_missing(tmp_path):
    header = [h for h in HEADER if h != "gross_wages"]
    path = write_csv(tmp_path / "r.csv", [record(), record(language="xx")], header=header)
    reader, parsed = read(path)

    assert parsed == []
    assert issues(reader) == {
        (1, "gross_wages", "missing_column"),
        (3, "language", "unknown_language"),
    }


def test_a_column_given_twice_is_an_error(tmp_path):
    header = [*HEADER, "e-mail"]
    reader, parsed = read(write_csv(tmp_path / "r.csv", [record()], header=header))

    assert parsed == []
    assert issues(reader) == {(1, "e-mail", "duplicate_column")}


def test_a_first_row_without_any_known_column_is_unreadable(tmp_path):
    path = write_lines(tmp_path / "r.csv", ["Dear payroll team,", "here is the list."])

    assert one_error(path) == (1, None, "unreadable_file")


# --- BSN ----------------------------------------------------------------------------------------


def test_bsn_column_is_ignored_with_one_warning_when_bsn_mode_is_off(tmp_path):
    rows = [record(worker_number=str(n), bsn=VALID_BSN) for n in range(3)] + [
        record(worker_number="9", bsn="123456789")  # fails the 11-proef: not even looked at
    ]
    reader, parsed = read(write_csv(tmp_path / "r.csv", rows, header=[*HEADER, "BSN"]))

    assert reader.errors == []
    assert len(parsed) == 4
    assert all(r.bsn_hash is None for r in parsed)
    (warning,) = reader.warnings
    assert (warning.code, warning.column) == ("bsn_ignored", "BSN")
    assert VALID_BSN not in repr(parsed) + repr(reader.warnings)


def test_bsn_mode_hashes_a_valid_bsn_and_never_hands_it_out(tmp_path):
    path = write_csv(tmp_path / "r.csv", [record(bsn=VALID_BSN)], header=[*HEADER, "bsn"])

    reader, (row,) = read(path, bsn_matching=True)

    assert reader.errors == []
    assert reader.warnings == []
    expected = hmac.new(SECRET.encode(), VALID_BSN.encode(), hashlib.sha256).hexdigest()
    assert row.bsn_hash == expected
    assert row.bsn_hash != VALID_BSN
    assert VALID_BSN not in repr(row)


def test_bsn_mode_restores_a_lost_leading_zero_and_drops_separators(tmp_path):
    # 012345672 passes the 11-proef; a spreadsheet shows it as 12345672.
    rows = [
        record(worker_number="1", bsn="12345672"),
        record(worker_number="2", bsn="0123.45.672"),
    ]
    reader, parsed = read(
        write_csv(tmp_path / "r.csv", rows, header=[*HEADER, "bsn"]), bsn_matching=True
    )

    assert reader.errors == []
    assert {r.bsn_hash for r in parsed} == {bsn_hash("012345672", SECRET)}


def test_bsn_failing_the_eleven_test_is_an_error_with_the_value_masked(tmp_path):
    path = write_csv(tmp_path / "r.csv", [record(bsn="123456789")], header=[*HEADER, "bsn"])

    reader, parsed = read(path, bsn_matching=True)

    assert parsed == []
    (error,) = reader.errors
    assert (error.row, error.column, error.code) == (2, "bsn", "invalid_bsn")
    assert error.value == "*********"
    everything = " ".join(str(i.as_dict()) for i in [*reader.errors, *reader.warnings])
    assert "123456789" not in everything
    assert not re.search(r"\d{8,}", everything)


def test_empty_bsn_in_bsn_mode_is_allowed(tmp_path):
    path = write_csv(tmp_path / "r.csv", [record(bsn="")], header=[*HEADER, "bsn"])

    reader, (row,) = read(path, bsn_matching=True)

    assert reader.errors == []
    assert row.bsn_hash is None


def test_bsn_mode_without_a_secret_refuses_to_start(tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        RosterReader(tmp_path / "r.csv", reference=reference(), bsn_matching=True, bsn_secret="")


# --- every error code, with row and column ------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "column", "code"),
    [
        ({"worker_number": ""}, "worker_number", "required"),
        ({"first_name": ""}, "first_name", "required"),
        ({"last_name": " "}, "last_name", "required"),
        ({"date_of_birth": ""}, "date_of_birth", "required"),
        ({"period_start": ""}, "period_start", "required"),
        ({"hours_worked": ""}, "hours_worked", "required"),
        ({"gross_wages": ""}, "gross_wages", "required"),
        ({"date_of_birth": "17.05.1990"}, "date_of_birth", "invalid_date"),
        ({"date_of_birth": "31-02-1990"}, "date_of_birth", "invalid_date"),
        ({"date_of_birth": "17-05-90"}, "date_of_birth", "invalid_date"),
        ({"date_of_birth": "2030-01-01"}, "date_of_birth", "invalid_date"),
        ({"date_of_birth": "1880-01-01"}, "date_of_birth", "invalid_date"),
        ({"period_end": "2026-13-08"}, "period_end", "invalid_date"),
        ({"hours_worked": "38 uur"}, "hours_worked", "invalid_number"),
        ({"hours_worked": "7,3333"}, "hours_worked", "invalid_number"),
        ({"gross_wages": "1234,567"}, "gross_wages", "invalid_number"),
        ({"gross_wages": "1.234.56"}, "gross_wages", "invalid_number"),
        ({"gross_wages": "12,34,56"}, "gross_wages", "invalid_number"),
        ({"housing_deduction": "n.v.t."}, "housing_deduction", "invalid_number"),
        ({"gross_wages": "10000000000000"}, "gross_wages", "invalid_number"),
        ({"period_end": "01-11-2026"}, "period_end", "period_order"),
        ({"hours_worked": "-1"}, "hours_worked", "hours_out_of_range"),
        ({"hours_worked": "168,01"}, "hours_worked", "hours_out_of_range"),
        ({"hours_worked": "38,500"}, "hours_worked", "hours_out_of_range"),
        ({"gross_wages": "-0,01"}, "gross_wages", "negative_amount"),
        ({"housing_deduction": "-105,00"}, "housing_deduction", "negative_amount"),
        ({"language": "xx"}, "language", "unknown_language"),
        ({"language": "Polish"}, "language", "unknown_language"),
        ({"sector": "bakery"}, "sector", "unknown_sector"),
        ({"hirer_kvk": "99999999"}, "hirer_kvk", "unknown_hirer"),
        ({"hirer_kvk": "KVK-123"}, "hirer_kvk", "unknown_hirer"),
        ({"site_code": "Z9"}, "site_code", "unknown_site"),
        ({"hirer_kvk": "", "site_code": "Z9"}, "site_code", "unknown_site"),
        ({"hirer_kvk": "", "site_code": "SHARED"}, "site_code", "unknown_site"),
        ({"worker_number": "X" * 41}, "worker_number", "too_long"),
        ({"cao_phase": "fase A volgens ABU"}, "cao_phase", "too_long"),
    ],
)
def test_each_row_error_is_reported_with_row_column_and_code(tmp_path, overrides, column, code):
    rows = [record(worker_number="1"), record(**{"worker_number": "2", **overrides})]
    reader, parsed = read(write_csv(tmp_path / "r.csv", rows))

    assert [r.worker_number for r in parsed] == ["1"]
    assert issues(reader) == {(3, column, code)}
    assert reader.error_count == 1
    assert reader.errors[0].message


def test_error_value_is_the_offending_text_except_for_personal_data(tmp_path):
    rows = [
        record(worker_number="1", gross_wages="12,34,56"),
        record(worker_number="2", date_of_birth="31-02-1990"),
        record(worker_number="3", first_name="x" * 201),
    ]
    reader, _ = read(write_csv(tmp_path / "r.csv", rows))

    assert [(e.row, e.value) for e in reader.errors] == [(2, "12,34,56"), (3, None), (4, None)]


def test_rows_for_a_second_period_are_errors_and_the_first_period_wins(tmp_path):
    rows = [
        record(worker_number="1"),
        record(worker_number="2", period_start="09-11-2026", period_end="15-11-2026"),
        record(worker_number="3"),
    ]
    reader, parsed = read(write_csv(tmp_path / "r.csv", rows))

    assert reader.period == (dt.date(2026, 11, 2), dt.date(2026, 11, 8))
    assert [r.worker_number for r in parsed] == ["1", "3"]
    assert issues(reader) == {(3, "period_start", "multiple_periods")}
    assert "09-11-2026" in reader.errors[0].message


def test_the_first_valid_period_wins_even_after_a_broken_one(tmp_path):
    rows = [
        record(worker_number="1", period_end="01-11-2026"),  # ends before it starts
        record(worker_number="2", period_start="09-11-2026", period_end="15-11-2026"),
        record(worker_number="3"),
    ]
    reader, parsed = read(write_csv(tmp_path / "r.csv", rows))

    assert reader.period == (dt.date(2026, 11, 9), dt.date(2026, 11, 15))
    assert issues(reader) == {
        (2, "period_end", "period_order"),
        (4, "period_start", "multiple_periods"),
    }
    assert [r.worker_number for r in parsed] == ["2"]


def test_hours_may_fill_the_whole_period_but_not_more(tmp_path):
    rows = [
        record(worker_number="1", hours_worked="168"),  # 7 days x 24 hours
        record(worker_number="2", hours_worked="0"),
    ]
    reader, parsed = read(write_csv(tmp_path / "r.csv", rows))

    assert reader.errors == []
    assert [r.hours_worked for r in parsed] == [Decimal("168"), Decimal("0")]


def test_hours_read_as_thousands_get_a_hint_in_the_message(tmp_path):
    path = write_csv(tmp_path / "r.csv", [record(hours_worked="38,500")])
    reader, _ = read(path)

    (error,) = reader.errors
    assert "38500 hours" in error.message
    assert "thousands separator" in error.message


def test_language_codes_are_lower_cased_and_region_suffixes_dropped(tmp_path):
    rows = [
        record(worker_number="1", language="PL"),
        record(worker_number="2", language="ro-RO"),
        record(worker_number="3", language="bg_BG"),
        record(worker_number="4", language=""),
    ]
    reader, parsed = read(write_csv(tmp_path / "r.csv", rows))

    assert reader.errors == []
    assert [r.language for r in parsed] == ["pl", "ro", "bg", "en"]


def test_sector_comes_from_the_column_then_the_site_then_the_organisation(tmp_path):
    rows = [
        record(worker_number="1", sector="DC", hirer_kvk="", site_code=""),
        record(worker_number="2", sector="", hirer_kvk="87654321", site_code="DC-7"),
        record(worker_number="3", sector="", hirer_kvk="", site_code=""),
        record(worker_number="4", sector="meat", hirer_kvk="87654321", site_code="DC-7"),
    ]
    reader, parsed = read(write_csv(tmp_path / "r.csv", rows))

    assert reader.errors == []
    assert [r.sector_id for r in parsed] == [DC, DC, MEAT, MEAT]


def test_row_without_sector_is_an_error_when_the_organisation_has_several(tmp_path):
    rows = [
        record(worker_number="1", sector="", hirer_kvk="", site_code=""),
        record(worker_number="2", sector="", hirer_kvk="12345678", site_code="A1"),
    ]
    reader, parsed = read(
        write_csv(tmp_path / "r.csv", rows), ref=reference(organisation_sectors=(MEAT, DC))
    )

    assert issues(reader) == {(2, "sector", "sector_missing")}
    assert [(r.worker_number, r.sector_id) for r in parsed] == [("2", MEAT)]


def test_sector_missing_names_the_sector_column_even_when_the_file_has_none(tmp_path):
    header = [h for h in HEADER if h != "sector"]
    path = write_csv(tmp_path / "r.csv", [record(hirer_kvk="", site_code="")], header=header)

    assert one_error(path, ref=reference(organisation_sectors=())) == (
        2,
        "sector",
        "sector_missing",
    )


def test_site_without_hirer_is_found_when_its_code_is_unique(tmp_path):
    rows = [record(hirer_kvk="", site_code="dc-7", sector="")]
    reader, (row,) = read(write_csv(tmp_path / "r.csv", rows))

    assert reader.errors == []
    assert (row.hirer_id, row.site_id, row.sector_id) == (HIRER_B, SITE_B_DC, DC)


def test_ambiguous_site_code_asks_for_the_hirer_kvk(tmp_path):
    path = write_csv(tmp_path / "r.csv", [record(hirer_kvk="", site_code="SHARED")])
    reader, _ = read(path)

    assert "KvK" in reader.errors[0].message


def test_hirer_kvk_that_lost_its_leading_zero_is_restored(tmp_path):
    path = write_csv(tmp_path / "r.csv", [record(hirer_kvk="1234567", site_code="")])
    reader, (row,) = read(path)

    assert reader.errors == []
    assert row.hirer_id == 12


# --- the report as a whole ----------------------------------------------------------------------


def test_three_different_errors_are_all_reported_and_reading_goes_on(tmp_path):
    rows = [
        record(worker_number="1", date_of_birth="1990-02-30"),
        record(worker_number="2"),
        record(worker_number="3", gross_wages="-5"),
        record(worker_number="4", language="zz"),
        record(worker_number="5"),
    ]
    reader, parsed = read(write_csv(tmp_path / "r.csv", rows))

    assert issues(reader) == {
        (2, "date_of_birth", "invalid_date"),
        (4, "gross_wages", "negative_amount"),
        (5, "language", "unknown_language"),
    }
    assert [r.worker_number for r in parsed] == ["2", "5"]
    assert reader.rows_seen == 5


def test_every_problem_in_one_row_is_reported(tmp_path):
    row = record(first_name="", hours_worked="abc", sector="bakery", language="xx")
    reader, _ = read(write_csv(tmp_path / "r.csv", [row]))

    assert issues(reader) == {
        (2, "first_name", "required"),
        (2, "hours_worked", "invalid_number"),
        (2, "sector", "unknown_sector"),
        (2, "language", "unknown_language"),
    }


def test_errors_are_capped_but_counted_exactly(tmp_path):
    rows = [record(worker_number=str(n), gross_wages="-1") for n in range(30)]
    reader, _ = read(write_csv(tmp_path / "r.csv", rows), max_errors=10)

    assert len(reader.errors) == 10
    assert reader.error_count == 30
    assert [e.row for e in reader.errors] == list(range(2, 12))


def test_too_many_values_in_a_row_is_an_error(tmp_path):
    # An amount with a comma, unquoted, in a comma-separated file splits into two values.
    lines = [",".join(HEADER), ",".join(record(gross_wages="1,234.56").values())]

    assert one_error(write_lines(tmp_path / "r.csv", lines)) == (2, None, "column_count")


def test_short_rows_read_as_empty_trailing_values(tmp_path):
    values = list(record().values())[:-1]  # no housing deduction, and no separator for it
    reader, (row,) = read(write_lines(tmp_path / "r.csv", [";".join(HEADER), ";".join(values)]))

    assert reader.errors == []
    assert row.housing_deduction is None


def test_blank_rows_are_skipped_but_counted_in_row_numbers(tmp_path):
    lines = [
        ";".join(HEADER),
        ";".join(record(worker_number="1").values()),
        "",
        ";" * (len(HEADER) - 1),
        ";".join(record(worker_number="2", gross_wages="x").values()),
    ]
    reader, parsed = read(write_lines(tmp_path / "r.csv", lines))

    assert reader.rows_seen == 2
    assert [r.row_number for r in parsed] == [2]
    assert issues(reader) == {(5, "gross_wages", "invalid_number")}


def test_a_line_break_inside_quotes_stays_one_spreadsheet_row(tmp_path):
    values = list(record(worker_number="1").values())
    values[2] = '"Wróbel\nNowak"'
    lines = [
        ";".join(HEADER),
        ";".join(values),
        ";".join(record(worker_number="2", language="?").values()),
    ]
    reader, parsed = read(write_lines(tmp_path / "r.csv", lines))

    assert [r.row_number for r in parsed] == [2]
    assert issues(reader) == {(3, "language", "unknown_language")}


@pytest.mark.parametrize("content", [b"", b"\r\n\r\n", b"\xef\xbb\xbf", b";;;\n"])
def test_empty_file_is_an_error(tmp_path, content):
    path = tmp_path / "r.csv"
    path.write_bytes(content)

    assert one_error(path) == (None, None, "empty_file")


def test_data_that_does_not_start_in_row_1_has_no_header(tmp_path):
    lines = ["", ";".join(HEADER), ";".join(record().values())]

    assert one_error(write_lines(tmp_path / "r.csv", lines)) == (1, None, "unreadable_file")


def test_header_without_rows_is_an_empty_file(tmp_path):
    path = write_csv(tmp_path / "r.csv", [])

    assert one_error(path) == (2, None, "empty_file")


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)) * 40,  # binary garbage, with NUL bytes
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500,  # an old .xls
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b"PK\x03\x04" + b"\x14\x00" * 200,  # a zip that is no workbook
        b"worker_number;first_name\n\x81\x8d\x90\x81\n",  # bytes no code page has
    ],
)
def test_unreadable_file_is_an_error_not_an_exception(tmp_path, content):
    path = tmp_path / "roster.csv"
    path.write_bytes(content)

    reader, parsed = read(path)

    assert parsed == []
    assert [e.code for e in reader.errors] == ["unreadable_file"]
    assert reader.errors[0].message


def test_file_that_cannot_be_opened_is_unreadable(tmp_path):
    reader, parsed = read(tmp_path / "missing.csv")

    assert parsed == []
    assert [e.code for e in reader.errors] == ["unreadable_file"]


def test_encoding_that_breaks_half_way_stops_with_unreadable_file(tmp_path):
    # Windows-1250 throughout, so its first megabyte settles the code page; then, past it, a byte
    # that no code page has.
    good = [record(worker_number=str(n), last_name="Wróbel-Żółć") for n in range(12_000)]
    path = write_csv(tmp_path / "r.csv", good, encoding="cp1250")
    assert path.stat().st_size > 1_100_000
    with path.open("ab") as handle:
        handle.write(b"X1;Zo\x81;\r\n")

    reader, parsed = read(path)

    assert len(parsed) > 10_000
    (error,) = reader.errors
    assert error.code == "unreadable_file"
    assert f"after row {len(parsed) + 1}" in error.message


# --- warnings -----------------------------------------------------------------------------------


def test_unusable_phone_numbers_are_summarised_in_one_warning_without_the_numbers(tmp_path):
    rows = [record(worker_number=str(n), phone=f"0{n:03d}") for n in range(25)]
    rows.append(record(worker_number="99", phone="06-12345678"))
    reader, parsed = read(write_csv(tmp_path / "r.csv", rows))

    assert reader.errors == []
    assert len(parsed) == 26
    assert [r.phone for r in parsed[:25]] == [None] * 25
    assert parsed[25].phone == "+31612345678"
    (warning,) = reader.warnings
    assert warning.code == "invalid_phone"
    assert warning.column == "phone"
    assert warning.value is None
    assert warning.message.startswith("25 phone numbers could not be used")
    listed = [int(n) for n in re.findall(r"\d+", warning.message.split("(")[1])]
    assert listed == list(range(2, 22))
    assert "…" in warning.message
    assert "0001" not in warning.message


def test_unusable_email_is_a_warning_and_the_row_is_kept(tmp_path):
    rows = [
        record(worker_number="1", email="lukasz@@example"),
        record(worker_number="2", email="ioana.popescu@example.ro"),
    ]
    reader, parsed = read(write_csv(tmp_path / "r.csv", rows))

    assert reader.errors == []
    assert [r.email for r in parsed] == [None, "ioana.popescu@example.ro"]
    (warning,) = reader.warnings
    assert warning.code == "invalid_email"
    assert warning.message == "1 e-mail address could not be used and was left out (row 2)."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+48 512 345 678", "+48512345678"),
        ("0048 512-345-678", "+48512345678"),
        ("06-12345678", "+31612345678"),
        ("+31 (0)6 1234 5678", "+31612345678"),
        ("+40 721 234 567", "+40721234567"),
        ("+359 87 123 4567", "+359871234567"),
        ("12345", None),
        ("bel me", None),
    ],
)
def test_phone_numbers_are_stored_in_e164(tmp_path, text, expected):
    reader, (row,) = read(write_csv(tmp_path / "r.csv", [record(phone=text)]))

    assert reader.errors == []
    assert row.phone == expected


# --- XLSX ---------------------------------------------------------------------------------------


def write_xlsx(path: Path, header: list, rows: list[list]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_xlsx_cells_are_converted_by_column(tmp_path):
    rows = [
        # worker number as text with leading zeros, dates as date cells, amounts as numbers
        [
            "00123", "Ioana", "Popescu", dt.datetime(1990, 5, 17), None, "+40 721 234 567", "ro",
            dt.datetime(2026, 11, 2), dt.datetime(2026, 11, 8), 12345678, "A1", None, "B",
            38.5, 558.985, 105,
        ],
        # worker number typed as a number, date of birth as a bare Excel day count
        [
            456, "Georgi", "Dimitrov", 32995, "georgi@example.bg", 359871234567, "BG",
            "02-11-2026", "2026-11-08", "12345678", "A1", "", "", "38,25", "1.234,56", None,
        ],
    ]  # fmt: skip
    reader, parsed = read(write_xlsx(tmp_path / "r.xlsx", HEADER, rows))

    assert reader.errors == []
    first, second = parsed
    assert first.worker_number == "00123"
    assert first.date_of_birth == dt.date(1990, 5, 17)
    assert first.period_start == dt.date(2026, 11, 2)
    assert first.hirer_id == HIRER_A
    assert first.hours_worked == Decimal("38.50")
    assert first.gross_wages == Decimal("558.99")  # a float rounded half-up to cents
    assert first.housing_deduction == Decimal("105")
    assert first.phone == "+40721234567"
    assert second.worker_number == "456"
    assert second.date_of_birth == dt.date(1990, 5, 2)  # day 32995 counted from 1899-12-30
    assert second.language == "bg"
    assert second.gross_wages == Decimal("1234.56")
    # A phone typed as a number has no "+", so it is read as Dutch and does not pass.
    assert second.phone is None


def test_xlsx_errors_carry_spreadsheet_row_numbers(tmp_path):
    good = ["1", "Jan", "Jansen", "1990-01-01", None, None, "nl", "2026-11-02", "2026-11-08"]
    good += [None, None, None, None, 38, 500, None]
    bad = ["2", "Piet", "de Vries", "1990-01-01", None, None, "nl", "2026-11-02", "2026-11-08"]
    bad += [None, None, None, None, -1, 500, None]
    path = write_xlsx(tmp_path / "r.xlsx", DUTCH_HEADER, [good, [None] * 16, bad])

    reader, parsed = read(path)

    assert [r.worker_number for r in parsed] == ["1"]
    assert issues(reader) == {(4, "Uren", "hours_out_of_range")}


def test_xlsx_absurd_numbers_are_errors_not_exceptions(tmp_path):
    row = ["1", "Jan", "Jansen", 1e300, None, None, "nl", "2026-11-02", "2026-11-08"]
    row += [None, None, None, None, 1e300, 1e300, True]
    reader, parsed = read(write_xlsx(tmp_path / "r.xlsx", HEADER, [row]))

    assert parsed == []
    assert issues(reader) == {
        (2, "date_of_birth", "invalid_date"),
        (2, "hours_worked", "hours_out_of_range"),
        (2, "gross_wages", "invalid_number"),
        (2, "housing_deduction", "invalid_number"),
    }


def test_xlsx_cells_beside_the_table_are_ignored(tmp_path):
    row = ["1", "Jan", "Jansen", "1990-01-01", None, None, "nl", "2026-11-02", "2026-11-08"]
    row += [None, None, None, None, 38, 500, None, "note: started Monday"]
    reader, (parsed,) = read(write_xlsx(tmp_path / "r.xlsx", HEADER, [row]))

    assert reader.errors == []
    assert parsed.worker_number == "1"


def test_xlsx_with_header_only_is_an_empty_file(tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", HEADER, [])

    assert one_error(path) == (2, None, "empty_file")


def test_damaged_xlsx_is_unreadable(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", HEADER, [["1"] * 16])
    data = good.read_bytes()
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(data[: len(data) // 2])

    reader, parsed = read(broken)

    assert parsed == []
    assert [e.code for e in reader.errors] == ["unreadable_file"]


# --- anything at all ------------------------------------------------------------------------------

_PLAUSIBLE = {
    "worker_number": ["000123", "A-17", ""],
    "first_name": ["Łukasz", "Ioana", ""],
    "last_name": ["Wróbel-Nowak", "Ștefănescu", ""],
    "date_of_birth": ["17-05-1990", "1990-05-17", "31-02-1990", "2999-01-01"],
    "email": ["", "a@example.com", "@@"],
    "phone": ["", "+48 512 345 678", "06-12345678", "+31 (0)6 1234 5678", "123"],
    "language": ["pl", "", "XX", "ro-RO"],
    "period_start": ["02-11-2026", "2026-11-09"],
    "period_end": ["08-11-2026", "01-11-2026"],
    "hirer_kvk": ["", "12345678", "99999999", "1234567"],
    "site_code": ["", "A1", "SHARED", "Z9"],
    "sector": ["", "meat", "DC", "bakery"],
    "cao_phase": ["", "A", "B"],
    "hours_worked": ["38,50", "1.234", "-1", "200", ""],
    "gross_wages": ["1.234,56", "1,234.56", "-5", "12,3,4", "1e5"],
    "housing_deduction": ["", "105,00", "-1", "€ 95"],
}
_ANY_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)


@settings(max_examples=75, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {c: st.one_of(st.sampled_from(_PLAUSIBLE[c]), _ANY_TEXT) for c in HEADER}
        ),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from([";", ",", "\t"]),
    st.booleans(),
)
def test_any_values_give_a_row_or_an_error_never_an_exception(rows, delimiter, bsn_mode):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=delimiter)
            writer.writerow([*HEADER, "bsn"])
            for row in rows:
                writer.writerow([*(row[c] for c in HEADER), "123456789"])

        reader, parsed = read(path, bsn_matching=bsn_mode)

    # The bsn column is always filled in, so no row is blank.
    numbers = set(range(2, len(rows) + 2))
    yielded = {r.row_number for r in parsed}
    reported = {e.row for e in reader.errors}
    assert reader.rows_seen == len(rows)
    assert yielded.isdisjoint(reported)
    assert numbers <= yielded | reported
    assert "123456789" not in " ".join(str(i.as_dict()) for i in [*reader.errors, *reader.warnings])


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=3000))
def test_any_bytes_give_issues_never_an_exception(content):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.csv"
        path.write_bytes(content)
        reader, parsed = read(path)

    assert parsed == []
    assert reader.error_count >= 1


# --- the documented examples -------------------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def test_documented_example_files_read_cleanly_and_alike():
    # As in the demo data: hirer 17042981 with site OSS-01, sector "meat".
    demo = ReferenceData(
        organisation_id=1,
        sectors={"meat": MEAT},
        organisation_sector_ids=(MEAT,),
        hirers={"17042981": HIRER_A},
        sites={(HIRER_A, "OSS-01"): (SITE_A1, MEAT)},
        sites_by_code={"OSS-01": [(HIRER_A, SITE_A1, MEAT)]},
    )
    from_csv, csv_rows = read(EXAMPLES / "roster-example.csv", ref=demo)
    from_xlsx, xlsx_rows = read(EXAMPLES / "roster-example.xlsx", ref=demo)

    for reader in (from_csv, from_xlsx):
        assert reader.errors == []
        assert reader.warnings == []
        assert reader.period == (dt.date(2026, 9, 28), dt.date(2026, 10, 4))
    assert 10 <= len(csv_rows) <= 20
    assert xlsx_rows == csv_rows
    assert all(row.phone is None or row.phone.startswith("+") for row in csv_rows)
    assert {row.language for row in csv_rows} >= {"pl", "ro", "bg"}


# --- helpers the apply service reuses -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Łukasz", "lukasz"),
        ("Wróbel-Nowak", "wrobelnowak"),
        ("Ștefan", "stefan"),
        ("Ştefan", "stefan"),
        ("STEFAN", "stefan"),
        ("Gößmann", "gossmann"),
        ("Søren", "soren"),
        ("de Vries", "devries"),
        ("O'Brien", "obrien"),
        ("Żółć", "zolc"),
        ("Đorđević", "dordevic"),
        ("Иванов", "иванов"),
    ],
)
def test_name_keys_ignore_case_accents_and_punctuation(text, key):
    assert normalise_name_key(text) == key


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("111222333", True),
        ("123456782", True),
        ("012345672", True),
        ("123456789", False),
        ("000000000", False),
        ("11122233", False),
        ("1112223334", False),
        ("11122233a", False),
        ("١١١٢٢٢٣٣٣", False),  # Arabic-Indic digits are digits, but not a BSN
    ],
)
def test_bsn_eleven_test(text, valid):
    assert bsn_is_valid(text) is valid


def test_mask_value_keeps_nothing_of_the_value():
    assert mask_value("123456789") == "*********"
    assert mask_value("") == ""
