"""Pay periods: a roster is for a pay period that has been worked, and is no longer than one.

Today is Friday 20 November 2026 in these tests.
"""

from __future__ import annotations

import pytest

from enrolment.models import Membership, RosterUpload
from enrolment.services import roster_import_path

# The same frozen day (an autouse fixture, active here once imported) and reader helper.
from tests.enrolment.test_roster_hostile_input import _frozen_today, read  # noqa: F401
from tests.enrolment.test_roster_reader import record, write_csv


def period_rows(start: str, end: str, n: int = 3) -> list[dict[str, str]]:
    return [
        record(worker_number=str(i), period_start=start, period_end=end, hours_worked="38")
        for i in range(n)
    ]


def test_period_in_2099_is_refused_once_at_its_first_row(tmp_path):
    path = write_csv(tmp_path / "r.csv", period_rows("05-01-2099", "11-01-2099"))

    reader, rows = read(path)

    assert rows == []
    (error,) = reader.errors
    assert (error.row, error.column, error.code) == (2, "period_start", "period_in_future")
    assert "05-01-2099" in error.message and "future" in error.message


def test_period_starting_tomorrow_is_refused(tmp_path):
    path = write_csv(tmp_path / "r.csv", period_rows("21-11-2026", "27-11-2026"))

    reader, _ = read(path)

    assert [e.code for e in reader.errors] == ["period_in_future"]


def test_period_that_has_not_ended_is_refused_by_default(tmp_path):
    path = write_csv(tmp_path / "r.csv", period_rows("16-11-2026", "22-11-2026"))

    reader, rows = read(path)

    assert rows == []
    (error,) = reader.errors
    assert (error.row, error.column, error.code) == (2, "period_end", "period_not_ended")


def test_period_ending_today_is_not_over_yet(tmp_path):
    path = write_csv(tmp_path / "r.csv", period_rows("14-11-2026", "20-11-2026"))

    reader, _ = read(path)

    assert [e.code for e in reader.errors] == ["period_not_ended"]


def test_period_that_has_not_ended_is_read_where_the_setting_allows_it(tmp_path):
    path = write_csv(tmp_path / "r.csv", period_rows("16-11-2026", "22-11-2026"))

    reader, rows = read(path, allow_open_periods=True)

    assert reader.errors == []
    assert len(rows) == 3


def test_period_longer_than_the_maximum_is_refused(tmp_path):
    path = write_csv(tmp_path / "r.csv", period_rows("01-01-2026", "31-03-2026"))

    reader, rows = read(path)

    assert rows == []
    (error,) = reader.errors
    assert (error.row, error.column, error.code) == (2, "period_end", "period_too_long")
    assert "90 days" in error.message and "31 days" in error.message


def test_a_month_of_31_days_is_a_pay_period(tmp_path):
    path = write_csv(tmp_path / "r.csv", period_rows("01-10-2026", "31-10-2026"))

    reader, rows = read(path)

    assert reader.errors == []
    assert len(rows) == 3


def test_maximum_period_length_is_a_setting(tmp_path, settings):
    settings.UNIONROLL_ROSTER_MAX_PERIOD_DAYS = 7
    path = write_csv(tmp_path / "r.csv", period_rows("01-10-2026", "14-10-2026"))

    reader, _ = read(path)

    assert [e.code for e in reader.errors] == ["period_too_long"]


def test_refused_period_does_not_hide_errors_in_other_rows(tmp_path):
    rows = period_rows("05-01-2099", "11-01-2099")
    rows[2]["date_of_birth"] = "31-02-1990"
    path = write_csv(tmp_path / "r.csv", rows)

    reader, _ = read(path)

    assert {(e.row, e.code) for e in reader.errors} == {
        (2, "period_in_future"),
        (4, "invalid_date"),
    }


@pytest.mark.django_db
def test_roster_for_2099_enrols_nobody(tmp_path, flexwerk):
    rows = period_rows("05-01-2099", "11-01-2099")
    for row in rows:
        row.update(hirer_kvk="", site_code="")
    path = write_csv(tmp_path / "r.csv", rows)

    upload = roster_import_path(organisation=flexwerk, path=path)

    assert upload.status == RosterUpload.Status.REJECTED
    assert [e["code"] for e in upload.errors] == ["period_in_future"]
    assert not Membership.objects.exists()
