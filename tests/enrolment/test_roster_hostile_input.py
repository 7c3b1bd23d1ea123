"""Files that are damaged, huge or built to hurt: each ends in rows or a plain refusal.

Whatever bytes arrive, an upload ends ``applied`` or ``rejected`` with a row, a column and a
reason a payroll clerk understands; never ``failed`` with a traceback, never with rows silently
dropped, and never costing unbounded memory or time.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import random
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import Workbook

from enrolment.models import Person, RosterUpload
from enrolment.roster.reader import RosterReader
from enrolment.roster.sources import ReadLimits
from enrolment.services import roster_import_path
from tests.enrolment.test_roster_reader import (
    HEADER,
    VALID_BSN,
    record,
    reference,
    write_csv,
)

TODAY = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


def read(path: Path, **kwargs) -> tuple[RosterReader, list]:
    reader = RosterReader(path, reference=reference(), bsn_matching=False, bsn_secret="", **kwargs)
    return reader, list(reader.rows())


def codes(reader: RosterReader) -> list[str]:
    return [e.code for e in reader.errors]


def many_rows(n: int, **values: str) -> list[dict[str, str]]:
    return [record(worker_number=f"{i:06d}", **values) for i in range(n)]


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_row(n: int) -> list:
    values = record(worker_number=f"{n:06d}")
    return [values[h] for h in HEADER]


def rewrite_part(data: bytes, name: str, change) -> bytes:
    """The workbook with one part's XML rewritten, as a hand-edited or hostile file has it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == name:
                content = change(content)
            target.writestr(item, content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


_SHARED_STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)


def with_shared_strings(data: bytes) -> bytes:
    """The workbook as Excel saves it: text cells point into xl/sharedStrings.xml (openpyxl
    writes text into the cells)."""
    strings: list[bytes] = []

    def shared(match: re.Match) -> bytes:
        strings.append(match[2])
        return b'<c r="%s" t="s"><v>%d</v></c>' % (match[1], len(strings) - 1)

    data = rewrite_part(
        data,
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(
            rb'<c r="([A-Z]+\d+)" t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>', shared, xml
        ),
    )
    data = rewrite_part(
        data, "[Content_Types].xml", lambda xml: xml.replace(b"</Types>", _SHARED_STRINGS_TYPE)
    )
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(
            "xl/sharedStrings.xml",
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + b"".join(b"<si><t>%s</t></si>" % text for text in strings)
            + b"</sst>",
        )
    return buffer.getvalue()


# --- XLSX told by content -------------------------------------------------------------------


def test_xlsx_without_extension_is_read_by_its_content(tmp_path):
    path = tmp_path / "3f2a9c0d1e"  # how an upload is stored: a random key, no extension
    path.write_bytes(xlsx_bytes([xlsx_row(1), xlsx_row(2)]))

    reader, rows = read(path)

    assert reader.errors == []
    assert [r.worker_number for r in rows] == ["000001", "000002"]


def test_zip_that_is_not_a_workbook_is_refused_plainly(tmp_path):
    path = tmp_path / "upload"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("roster.csv", "worker_number;first_name\n1;Jan\n")
    path.write_bytes(buffer.getvalue())

    reader, rows = read(path)

    assert rows == []
    (error,) = reader.errors
    assert error.code == "unreadable_file"
    assert "ZIP archive but not an Excel workbook" in error.message


def test_xlsx_rows_past_a_wrong_dimension_are_all_read(tmp_path):
    # Five workers, but the sheet's <dimension> claims A1:P2 (the header and one row); the
    # columns past the claimed ones count too.
    data = xlsx_bytes([xlsx_row(n) for n in range(1, 6)])
    data = rewrite_part(
        data,
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:C2"', xml),
    )
    path = tmp_path / "upload"
    path.write_bytes(data)
    assert b'ref="A1:C2"' in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")

    reader, rows = read(path)

    assert reader.errors == []
    assert [r.worker_number for r in rows] == ["000001", "000002", "000003", "000004", "000005"]
    assert {r.gross_wages for r in rows} == {Decimal("1234.56")}  # column O, past "C"
    assert rows[-1].row_number == 6


def test_xlsx_rows_out_of_order_are_refused_not_dropped(tmp_path):
    data = xlsx_bytes([xlsx_row(1), xlsx_row(2)])
    data = rewrite_part(
        data, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b'<row r="3"', b'<row r="2"')
    )
    path = tmp_path / "upload"
    path.write_bytes(data)

    reader, _ = read(path)

    assert codes(reader) == ["unreadable_file"]
    assert "damaged" in reader.errors[0].message


def test_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    bomb = b"<row>" + b"0" * (40 * 1024 * 1024) + b"</row>"
    data = rewrite_part(xlsx_bytes([xlsx_row(1)]), "xl/worksheets/sheet1.xml", lambda _: bomb)
    path = tmp_path / "upload"
    path.write_bytes(data)
    assert path.stat().st_size < 1024 * 1024

    reader, rows = read(path)

    assert rows == []
    (error,) = reader.errors
    assert error.code == "unreadable_file"
    assert "zip bomb" in error.message


def test_workbook_unpacking_past_the_limit_is_refused(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(xlsx_bytes([xlsx_row(n) for n in range(50)]))

    reader, _ = read(path, limits=ReadLimits(max_uncompressed_bytes=10_000))

    (error,) = reader.errors
    assert error.code == "unreadable_file"
    assert "unpacks to" in error.message


def test_text_kept_in_shared_strings_is_read(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(with_shared_strings(xlsx_bytes([xlsx_row(1), xlsx_row(2)])))
    assert b't="s"' in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")

    reader, rows = read(path)

    assert reader.errors == []
    assert [(r.worker_number, r.first_name, r.last_name) for r in rows] == [
        ("000001", "Łukasz", "Wróbel-Nowak"),
        ("000002", "Łukasz", "Wróbel-Nowak"),
    ]


def test_too_many_shared_strings_are_refused(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(with_shared_strings(xlsx_bytes([xlsx_row(n) for n in range(200)])))

    reader, _ = read(path, limits=ReadLimits(max_shared_strings_bytes=1_000))

    (error,) = reader.errors
    assert error.code == "unreadable_file"
    assert "distinct text values" in error.message


def test_a_row_of_megabytes_in_a_sheet_is_refused_without_holding_it(tmp_path):
    # Random digits: packed, they are not tight enough to be taken for a zip bomb.
    digits = "".join(random.Random(1).choices("0123456789", k=9 * 1024 * 1024)).encode()
    huge = b"<c><v>" + digits + b"</v></c>"
    data = rewrite_part(
        xlsx_bytes([xlsx_row(1)]),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b"</sheetData>", b'<row r="9">' + huge + b"</row></sheetData>"),
    )
    path = tmp_path / "upload"
    path.write_bytes(data)

    reader, _ = read(path)

    assert codes(reader) == ["unreadable_file"]
    assert "far larger than a roster row" in reader.errors[0].message


# --- NUL bytes and UTF-32 -------------------------------------------------------------------


def test_nul_byte_past_the_first_megabyte_is_a_row_error(tmp_path):
    rows = many_rows(9_000)
    rows.append(record(worker_number="X1", first_name="Jan\x00ek"))
    path = write_csv(tmp_path / "r.csv", rows)
    assert path.read_bytes().index(b"\x00") > 1024 * 1024

    reader, parsed = read(path)

    assert [(e.row, e.column, e.code) for e in reader.errors] == [
        (9_002, "first_name", "invalid_character")
    ]
    assert "NUL character" in reader.errors[0].message
    assert all("\x00" not in r.first_name for r in parsed)


def test_nul_in_the_header_is_an_error_not_a_stored_column_name(tmp_path):
    path = write_csv(tmp_path / "r.csv", [record()], header=[*HEADER[:-1], "note\x00s"])

    reader, _ = read(path)

    assert ("invalid_character", 1) in {(e.code, e.row) for e in reader.errors}
    assert all("\x00" not in w.message for w in reader.warnings)


def test_utf32_with_byte_order_mark_is_read(tmp_path):
    path = write_csv(tmp_path / "r.csv", [record(first_name="Иван")], encoding="utf-32")
    assert path.read_bytes().startswith(codecs.BOM_UTF32_LE)

    reader, (row,) = read(path)

    assert reader.errors == []
    assert (row.first_name, row.last_name) == ("Иван", "Wróbel-Nowak")


def test_utf32_without_byte_order_mark_is_refused_asking_for_utf8(tmp_path):
    path = write_csv(tmp_path / "r.csv", [record()], encoding="utf-32-le")

    reader, rows = read(path)

    assert rows == []
    (error,) = reader.errors
    assert error.code == "unreadable_file"
    assert "UTF-8" in error.message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("encoding", "status"),
    [
        ("utf-32", RosterUpload.Status.APPLIED),  # with a byte-order mark: read
        ("utf-32-le", RosterUpload.Status.REJECTED),  # without one: refused, asking for UTF-8
    ],
)
def test_utf32_upload_ends_applied_or_rejected_never_failed(tmp_path, flexwerk, encoding, status):
    path = write_csv(tmp_path / "r.csv", [record(hirer_kvk="", site_code="")], encoding=encoding)

    upload = roster_import_path(organisation=flexwerk, path=path)

    assert upload.status == status
    if status == RosterUpload.Status.REJECTED:
        assert "UTF-8" in upload.errors[0]["message"]


@pytest.mark.django_db
def test_nul_past_the_first_megabyte_ends_rejected_not_failed(tmp_path, flexwerk):
    rows = many_rows(9_000, hirer_kvk="", site_code="")
    rows.append(record(worker_number="X1", hirer_kvk="", site_code="", last_name="Now\x00ak"))
    path = write_csv(tmp_path / "r.csv", rows)

    upload = roster_import_path(organisation=flexwerk, path=path)

    assert upload.status == RosterUpload.Status.REJECTED
    assert [(e["row"], e["column"], e["code"]) for e in upload.errors] == [
        (9_002, "last_name", "invalid_character")
    ]
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_a_fault_while_reading_rejects_the_upload_instead_of_failing_it(
    tmp_path, flexwerk, monkeypatch
):
    import enrolment.roster.columns.contact as contact_module

    def broken(text):
        raise RuntimeError("a bug in a converter")

    monkeypatch.setattr(contact_module, "normalise_email", broken)
    path = write_csv(tmp_path / "r.csv", [record(hirer_kvk="", site_code="")])

    upload = roster_import_path(organisation=flexwerk, path=path)

    assert upload.status == RosterUpload.Status.REJECTED
    assert [e["code"] for e in upload.errors] == ["unreadable_file"]
    assert not Person.objects.exists()


# --- limits -----------------------------------------------------------------------------------


def test_file_larger_than_the_limit_is_refused_before_it_is_read(tmp_path):
    path = write_csv(tmp_path / "r.csv", many_rows(20))

    reader, rows = read(path, limits=ReadLimits(max_bytes=1_000))

    assert rows == []
    (error,) = reader.errors
    assert error.code == "unreadable_file"
    assert "may be at most" in error.message


def test_reading_stops_at_the_row_limit_with_an_error(tmp_path):
    path = write_csv(tmp_path / "r.csv", many_rows(10))

    reader, rows = read(path, limits=ReadLimits(max_rows=5))

    assert len(rows) == 4  # rows 2 to 5
    assert [(e.row, e.code) for e in reader.errors] == [(6, "too_many_rows")]


def test_reading_stops_after_too_many_errors(tmp_path):
    path = write_csv(tmp_path / "r.csv", many_rows(100, date_of_birth="not a date"))

    reader, rows = read(path, max_errors=3, stop_after_errors=5)

    assert rows == []
    assert reader.error_count == 6  # five row errors and the stop
    assert codes(reader) == ["invalid_date"] * 3 + ["too_many_errors"]
    assert reader.errors[-1].row == 6
    assert "reading stopped at row 6" in reader.errors[-1].message


@pytest.mark.django_db
@pytest.mark.parametrize("workers", [1, 2])
def test_garbage_file_of_many_rows_is_rejected_early(
    tmp_path, flexwerk, settings, monkeypatch, workers
):
    import enrolment.roster.reader as reader_module

    monkeypatch.setattr(reader_module, "PARALLEL_MIN_BYTES", 0)
    # As by default, reading stops where the listed errors end; the stop is listed all the same.
    settings.UNIONROLL_ROSTER_STOP_AFTER_ERRORS = 50
    settings.UNIONROLL_MAX_REPORTED_ERRORS = 50
    settings.UNIONROLL_ROSTER_READ_WORKERS = workers
    path = tmp_path / "garbage.csv"
    path.write_text(";".join(HEADER) + "\n" + "x;y;z\n" * 300_000)

    upload = roster_import_path(organisation=flexwerk, path=path)

    assert upload.status == RosterUpload.Status.REJECTED
    assert len(upload.errors) == 51
    assert upload.errors[-1]["code"] == "too_many_errors"
    assert upload.rows < 50_000


def test_reading_in_two_processes_stops_at_the_row_limit(tmp_path, monkeypatch):
    import enrolment.roster.reader as reader_module

    monkeypatch.setattr(reader_module, "PARALLEL_MIN_BYTES", 0)
    path = write_csv(tmp_path / "r.csv", many_rows(2_000))
    reader = RosterReader(
        path,
        reference=reference(),
        bsn_matching=False,
        bsn_secret="",
        limits=ReadLimits(max_rows=1_000),
    )

    text = b"".join(reader.copy_batches(batch_rows=100, workers=2))

    assert text.count(b"\n") == 999  # rows 2 to 1,000
    assert reader.stopped is not None
    assert (reader.stopped.code, reader.stopped.row) == ("too_many_rows", 1_001)
    assert reader.errors == [reader.stopped]


# --- BSN-shaped names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", VALID_BSN),
        ("last_name", VALID_BSN),
        ("last_name", "111.222.333"),
        ("first_name", "12345672"),  # eight digits: 012345672 passes the 11-proef
    ],
)
def test_bsn_in_a_name_column_is_an_error_that_masks_it(tmp_path, field, value):
    path = write_csv(tmp_path / "r.csv", [record(**{field: value})])

    reader, rows = read(path)

    assert rows == []
    (error,) = reader.errors
    assert (error.row, error.column, error.code) == (2, field, "bsn_in_name")
    assert error.value == "*********"
    assert value not in error.message and value not in (error.value or "")


def test_name_ending_in_digits_that_are_no_bsn_is_kept(tmp_path):
    path = write_csv(tmp_path / "r.csv", [record(last_name="Nowak 2"), record(first_name="123")])

    reader, rows = read(path)

    assert reader.errors == []
    assert [(r.first_name, r.last_name) for r in rows] == [
        ("Łukasz", "Nowak 2"),
        ("123", "Wróbel-Nowak"),
    ]


# --- any bytes at all -------------------------------------------------------------------------


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    prefix=st.sampled_from([b"", b"PK\x03\x04", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"\xff"]),
    body=st.binary(max_size=3_000),
    header=st.booleans(),
)
def test_any_bytes_end_in_rows_or_errors_never_an_exception(tmp_path, prefix, body, header):
    path = tmp_path / "upload"
    start = (";".join(HEADER) + "\n").encode() if header else b""
    path.write_bytes(prefix + start + body)

    reader, rows = read(path)

    # Nothing read is always said why (empty_file, unreadable_file, ...).
    assert rows or reader.errors
    if reader.errors:
        assert all(e.message and e.code for e in reader.errors)
    for row in rows:
        assert "\x00" not in row.first_name + row.last_name + row.worker_number


def test_a_line_of_megabytes_is_refused_before_the_csv_reader_holds_it(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes((";".join(HEADER) + "\n").encode() + b"1;" * (1024 * 1024) + b"\n")

    reader, rows = read(path)

    assert rows == []
    (error,) = reader.errors
    assert error.code == "unreadable_file"
    assert "line of more than a megabyte" in error.message
