"""Reading a roster in batches for COPY, in one process or side by side in several.

The outcome must not depend on how the file was read: the same COPY text, in the same order,
and the same errors, warnings and counts as reading it row by row.
"""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from django.db import connection

from enrolment.roster import reader as reader_module
from enrolment.roster.reader import RosterReader, staging_csv
from enrolment.services import ingest_sql

from .test_roster_reader import SECRET, _frozen_today, record, reference, write_csv  # noqa: F401


@pytest.fixture(autouse=True)
def _parallel_for_small_files(monkeypatch):
    # Test files are kilobytes; the production threshold keeps those in one process.
    monkeypatch.setattr(reader_module, "PARALLEL_MIN_BYTES", 0)


def _new_reader(path, **kwargs) -> RosterReader:
    return RosterReader(path, reference=reference(), bsn_matching=False, bsn_secret="", **kwargs)


def _outcome(reader: RosterReader, text: bytes) -> dict:
    return {
        "text": text,
        "errors": [e.as_dict() for e in reader.errors],
        "error_count": reader.error_count,
        "warnings": [w.as_dict() for w in reader.warnings],
        "rows_seen": reader.rows_seen,
        "period": reader.period,
    }


def _by_rows(path, **kwargs) -> dict:
    reader = _new_reader(path, **kwargs)
    return _outcome(reader, staging_csv(list(reader.rows())))


def _by_batches(path, *, workers: int, batch_rows: int, **kwargs) -> dict:
    reader = _new_reader(path, **kwargs)
    return _outcome(reader, b"".join(reader.copy_batches(batch_rows=batch_rows, workers=workers)))


def _awkward_roster(tmp_path, rows: int = 900):
    """Valid rows with names that need quoting, and errors and warnings all through the file."""
    records = []
    for n in range(rows):
        values = {"worker_number": f"{n:06d}", "last_name": f"Wróbel{n}"}
        if n % 7 == 0:
            values["last_name"] = f'O"Brien, Ștefănescu; {n}'
        if n % 50 == 3:
            values["date_of_birth"] = "31-02-1990"  # no such date
        if n % 40 == 5:
            values["phone"] = "12"  # unusable: a warning
        if n % 300 == 299:
            values["period_start"], values["period_end"] = "09-11-2026", "15-11-2026"
        if n % 90 == 10:
            records.append({key: "" for key in record()})  # a blank line
        records.append(record(**values))
    return write_csv(tmp_path / "awkward.csv", records)


@pytest.mark.parametrize(("workers", "batch_rows"), [(1, 64), (2, 64), (3, 50), (2, 10_000)])
def test_batches_in_any_number_of_processes_equal_reading_row_by_row(tmp_path, workers, batch_rows):
    path = _awkward_roster(tmp_path)

    expected = _by_rows(path)
    got = _by_batches(path, workers=workers, batch_rows=batch_rows)

    assert expected["error_count"] > 0 and expected["warnings"]  # the file tests something
    assert got == expected


def test_error_list_is_cut_at_the_limit_in_file_order_across_processes(tmp_path):
    path = _awkward_roster(tmp_path)

    expected = _by_rows(path, max_errors=5)
    got = _by_batches(path, workers=2, batch_rows=40, max_errors=5)

    assert len(got["errors"]) == 5
    assert got == expected


@pytest.mark.django_db
def test_copy_text_round_trips_quotes_separators_and_line_breaks(tmp_path):
    awkward = 'O"Brien, Jr.;\tx\nWróbel \\ Ștefănescu'
    path = tmp_path / "r.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, fieldnames=list(record()), delimiter=",")
        out.writeheader()
        out.writerow(record(worker_number="1", last_name=awkward, cao_phase=""))
        out.writerow(record(worker_number="2", email="", phone="", housing_deduction=""))
    reader = _new_reader(path)
    text = b"".join(reader.copy_batches(batch_rows=10))

    with connection.cursor() as cursor:
        cur = cursor.cursor
        cur.execute(ingest_sql.DROP_TEMP_TABLES)
        cur.execute(ingest_sql.CREATE_STAGING)
        with cur.copy(ingest_sql.COPY_STAGING) as copy:
            copy.write(text)
        cur.execute(
            "SELECT last_name, cao_phase, email, housing_deduction, bsn_hash, date_of_birth"
            " FROM roster_staging ORDER BY row_number"
        )
        first, second = cur.fetchall()

    assert reader.errors == []
    assert first[0] == awkward
    assert first[1] == ""  # an empty text that must not be read as NULL
    assert first[5] == dt.date(1990, 5, 17)
    assert second[2:5] == (None, None, None)


def test_unreadable_bytes_late_in_a_file_stop_every_process_at_the_same_row(tmp_path):
    # Decoding runs a megabyte at a time: the bad byte must sit beyond the first megabyte.
    path = tmp_path / "late.csv"
    good = _awkward_roster(tmp_path, rows=12_000).read_bytes()
    path.write_bytes(good + b"999999;Jan;Nowak\xff\xfe;17-05-1990\r\n")

    expected = _by_rows(path)
    got = _by_batches(path, workers=2, batch_rows=500)

    assert "unreadable_file" in {e["code"] for e in expected["errors"]}
    assert got == expected


def test_bsn_mode_reads_the_same_in_batches(tmp_path):
    records = [record(worker_number=f"{n}", bsn="111222333" if n % 2 else "123") for n in range(60)]
    path = write_csv(tmp_path / "bsn.csv", records, header=[*record().keys(), "bsn"])

    def read(workers):
        reader = RosterReader(path, reference=reference(), bsn_matching=True, bsn_secret=SECRET)
        text = b"".join(reader.copy_batches(batch_rows=7, workers=workers))
        return _outcome(reader, text)

    assert read(2) == read(1)
    assert read(1)["error_count"] == 30  # "123" fails the 11-proef


def test_a_roster_is_read_once(tmp_path):
    reader = _new_reader(write_csv(tmp_path / "r.csv", [record()]))
    list(reader.copy_batches(batch_rows=10))

    with pytest.raises(RuntimeError):
        list(reader.copy_batches(batch_rows=10))
