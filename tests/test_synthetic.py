from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal

import phonenumbers
import pytest

from unionroll.synthetic import (
    BIRTH_REFERENCE,
    HEADER,
    MINIMUM_WAGE_CENTS,
    write_roster_csv,
    write_roster_xlsx,
)

WEEK = {"period_start": dt.date(2026, 11, 16), "period_end": dt.date(2026, 11, 22)}
PLACEMENTS = [("12345678", "OSS"), ("87654321", "TIL"), (None, None)]


def _read(path, **kwargs):
    with path.open(encoding=kwargs.pop("encoding", "utf-8"), newline="") as fh:
        return list(csv.DictReader(fh, **kwargs))


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "roster.csv"
    workers = write_roster_csv(path, rows=3000, seed=5, hirer_kvks_and_sites=PLACEMENTS, **WEEK)
    return path, workers, _read(path)


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(tmp_path):
    paths = [tmp_path / f"{name}.csv" for name in ("a", "b", "c")]
    for path, seed in zip(paths, (1, 1, 2), strict=True):
        write_roster_csv(path, rows=500, seed=seed, hirer_kvks_and_sites=PLACEMENTS, **WEEK)

    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert paths[0].read_bytes() != paths[2].read_bytes()


def test_roster_has_the_documented_header_and_exactly_the_rows_asked_for(roster):
    path, workers, rows = roster

    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(HEADER)
    assert len(rows) == 3000
    assert len({r["worker_number"] for r in rows}) == workers


def test_worker_numbers_keep_leading_zeros_and_some_workers_have_two_rows(roster):
    _, workers, rows = roster

    assert rows[0]["worker_number"] == "000001"
    assert all(re.fullmatch(r"\d{6}", r["worker_number"]) for r in rows)
    # About one worker in ten works at a second placement.
    assert 0.05 < (len(rows) - workers) / workers < 0.15
    by_worker: dict[str, list[dict]] = {}
    for r in rows:
        by_worker.setdefault(r["worker_number"], []).append(r)
    doubles = [rs for rs in by_worker.values() if len(rs) == 2]
    assert all(
        (a["hirer_kvk"], a["site_code"]) != (b["hirer_kvk"], b["site_code"]) for a, b in doubles
    )


def test_every_phone_number_is_a_valid_international_mobile_number(roster):
    _, _, rows = roster
    phones = [r["phone"] for r in rows if r["phone"]]

    assert 0.6 < len(phones) / len(rows) < 0.8
    countries = set()
    for text in phones:
        number = phonenumbers.parse(text)
        assert phonenumbers.is_valid_number(number), text
        assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE, text
        countries.add(number.country_code)
    assert {48, 40, 359, 31} <= countries


def test_about_half_have_an_email_address_on_a_reserved_domain(roster):
    _, _, rows = roster
    emails = [r["email"] for r in rows if r["email"]]

    assert 0.4 < len(emails) / len(rows) < 0.6
    assert all(re.fullmatch(r"[a-z0-9.]+@([a-z]+\.)?example\.(com|net|org)", e) for e in emails)


def test_names_are_realistic_with_diacritics_and_language_matches_them(roster):
    _, _, rows = roster
    last_names = {r["last_name"] for r in rows}

    for letter in "łśżășț":
        assert any(letter in (r["first_name"] + r["last_name"]).lower() for r in rows), letter
    assert {"Ivanova", "Popescu", "Nowak"} & last_names
    assert {r["language"] for r in rows} == {"pl", "ro", "bg", "uk", "nl", "en"}
    polish = [r for r in rows if r["phone"].startswith("+48")]
    assert sum(r["language"] == "pl" for r in polish) / len(polish) > 0.9


def test_workers_are_18_to_60_years_old(roster):
    _, _, rows = roster
    ages = [
        (BIRTH_REFERENCE - dt.date.fromisoformat(r["date_of_birth"])).days / 365.25 for r in rows
    ]

    assert min(ages) >= 18
    assert max(ages) <= 60


def test_pay_is_at_least_the_minimum_wage_with_two_decimals(roster):
    _, _, rows = roster

    for r in rows:
        hours = Decimal(r["hours_worked"])
        wages = Decimal(r["gross_wages"])
        assert Decimal(8) <= hours <= Decimal(48)
        assert wages.as_tuple().exponent == -2
        assert wages >= (hours * MINIMUM_WAGE_CENTS / 100).quantize(Decimal("0.01"))
        assert r["cao_phase"] in {"A", "B", "C"}
        assert r["period_start"] == "2026-11-16"
        assert r["period_end"] == "2026-11-22"
    housing = [Decimal(r["housing_deduction"]) for r in rows if r["housing_deduction"]]
    assert 0.2 < len(housing) / len(rows) < 0.5
    assert all(Decimal("95") <= h <= Decimal("135") for h in housing)


def test_rows_without_a_site_name_a_sector_and_rows_with_one_do_not(roster):
    _, _, rows = roster

    for r in rows:
        if r["site_code"]:
            assert r["sector"] == ""
            assert r["hirer_kvk"] in {"12345678", "87654321"}
        else:
            assert r["sector"] == "meat"


def test_same_seed_gives_the_same_people_under_other_numbers_and_in_other_periods(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    write_roster_csv(first, rows=200, seed=9, **WEEK)
    write_roster_csv(
        second,
        rows=200,
        seed=9,
        worker_number_offset=7000,
        period_start=dt.date(2026, 11, 23),
        period_end=dt.date(2026, 11, 29),
        hirer_kvks_and_sites=PLACEMENTS,
    )
    people = ("first_name", "last_name", "date_of_birth", "email", "phone", "language")

    def workers(rows):
        # One entry per worker, in order: a worker's second row repeats the person.
        return list({r["worker_number"]: tuple(r[k] for k in people) for r in rows}.values())

    a, b = _read(first), _read(second)
    assert workers(a)[:100] == workers(b)[:100]
    assert b[0]["worker_number"] == "007001"


def test_month_periods_scale_hours_to_the_period(tmp_path):
    path = tmp_path / "month.csv"
    write_roster_csv(
        path, rows=300, seed=3, period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 10, 31)
    )

    hours = [Decimal(r["hours_worked"]) for r in _read(path)]
    assert max(hours) > 48
    assert max(hours) <= Decimal(48) * 31 / 7


def test_windows_export_variant_semicolons_decimal_comma_cp1250_crlf(tmp_path):
    path = tmp_path / "win.csv"
    write_roster_csv(
        path,
        rows=400,
        seed=4,
        delimiter=";",
        decimal_comma=True,
        date_format="%d-%m-%Y",
        encoding="cp1250",
        line_ending="\r\n",
        **WEEK,
    )

    raw = path.read_bytes()
    assert raw.count(b"\r\n") == 401
    rows = _read(path, encoding="cp1250", delimiter=";")
    assert rows[0]["period_start"] == "16-11-2026"
    assert all(re.fullmatch(r"\d+,\d\d", r["gross_wages"]) for r in rows)
    assert any("ł" in r["first_name"] + r["last_name"] for r in rows)


def test_bsn_column_holds_numbers_passing_the_eleven_test(tmp_path):
    path = tmp_path / "bsn.csv"
    write_roster_csv(path, rows=100, seed=6, include_bsn=True, **WEEK)

    for r in _read(path):
        digits = [int(c) for c in r["bsn"]]
        assert len(digits) == 9
        weighted = sum(d * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True))
        assert weighted % 11 == 0


def test_xlsx_variant_keeps_worker_numbers_as_text(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "roster.xlsx"
    workers = write_roster_xlsx(path, rows=30, seed=8, **WEEK)

    sheet = load_workbook(path, read_only=True).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == HEADER
    assert len(values) == 31
    assert values[1][0] == "000001"
    assert workers == 30
