"""Names and values that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first)
are kept exactly as the roster had them, and every export that writes them defuses them."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import TestCase

from enrolment.exports import roster_errors_csv_response
from enrolment.models import Person, RosterUpload
from enrolment.services import roster_import_path
from tests.employers.factories import OrganisationFactory

from .rosters import worker, write_roster

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://x","y")'
FORMULA_LIKE = [HYPERLINK, "@SUM(1)", "+1", "-1+1"]


@pytest.fixture
def agency(meat):
    return OrganisationFactory(sectors=[meat])


def imported(tmp_path, agency, rows) -> RosterUpload:
    path = write_roster(tmp_path / "roster.csv", rows)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return roster_import_path(organisation=agency, path=path)


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_formula_like_names_are_stored_exactly_as_the_roster_has_them(tmp_path, agency):
    rows = [
        worker(n + 1, first_name=name, last_name=name + "son")
        for n, name in enumerate([*FORMULA_LIKE, "-1"])
    ]

    upload = imported(tmp_path, agency, rows)

    assert upload.status == RosterUpload.Status.APPLIED
    stored = set(Person.objects.values_list("first_name", "last_name"))
    assert stored == {(name, name + "son") for name in [*FORMULA_LIKE, "-1"]}


def test_the_error_report_defuses_formula_like_values_from_the_file(tmp_path, agency):
    rows = [
        worker(1, language=HYPERLINK),
        worker(2, sector="@SUM(1)"),
        worker(3, hours_worked="-1+1"),
    ]

    upload = imported(tmp_path, agency, rows)

    assert upload.status == RosterUpload.Status.REJECTED
    # The database keeps what the file said.
    assert {e["value"] for e in upload.errors} >= {HYPERLINK, "@SUM(1)", "-1+1"}
    values = {(r["column"], r["value"]) for r in csv_rows(roster_errors_csv_response(upload))}
    assert ("language", "'" + HYPERLINK) in values
    assert ("sector", "'@SUM(1)") in values
    assert ("hours_worked", "'-1+1") in values
    assert not any(value[:1] in "=+@" for _, value in values if value)


def test_the_error_report_defuses_a_formula_like_worker_number(tmp_path, agency):
    # One worker number for two different people: the number is the error's value.
    upload = imported(
        tmp_path, agency, [worker(1, worker_number="+1"), worker(2, worker_number="+1")]
    )

    assert upload.errors[0]["value"] == "+1"
    values = [r["value"] for r in csv_rows(roster_errors_csv_response(upload))]
    assert values == ["'+1"]


def test_a_negative_number_in_the_error_report_stays_a_number(tmp_path, agency):
    upload = imported(tmp_path, agency, [worker(1, hours_worked="-1")])

    values = [r["value"] for r in csv_rows(roster_errors_csv_response(upload))]

    # Not a formula: a spreadsheet shows it as the number the clerk typed.
    assert values == ["-1"]
