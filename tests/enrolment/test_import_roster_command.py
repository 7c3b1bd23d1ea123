"""import_roster: one JSON object with --json, exit 0 applied/duplicate, 1 rejected, 2 usage."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from enrolment.models import Person, RosterUpload

from .rosters import worker, write_roster

pytestmark = pytest.mark.django_db

SUMMARY_KEYS = {
    "upload_id",
    "status",
    "rows",
    "persons_created",
    "persons_matched",
    "memberships_enrolled",
    "warnings",
    "errors",
}


def _run(capsys, *args):
    """Run the command as a shell would see it: (exit status, stdout)."""
    try:
        call_command("import_roster", *args)
    except SystemExit as exc:
        return exc.code, capsys.readouterr().out
    except CommandError as exc:
        return exc.returncode, capsys.readouterr().out
    return 0, capsys.readouterr().out


def test_applied_roster_prints_one_json_object_and_exits_zero(tmp_path, capsys, flexwerk):
    path = write_roster(tmp_path / "r.csv", [worker(1), worker(2)])

    status, out = _run(capsys, "--organisation", flexwerk.kvk, "--json", str(path))

    summary = json.loads(out)
    assert status == 0
    assert summary.keys() >= SUMMARY_KEYS
    assert summary["status"] == "applied"
    assert (summary["rows"], summary["persons_created"], summary["memberships_enrolled"]) == (
        2,
        2,
        2,
    )
    assert summary["errors"] == []


def test_same_file_again_is_a_duplicate_and_exits_zero(tmp_path, capsys, flexwerk):
    path = write_roster(tmp_path / "r.csv", [worker(1)])
    _run(capsys, "--organisation", flexwerk.kvk, "--json", str(path))

    status, out = _run(capsys, "--organisation", flexwerk.kvk, "--json", str(path))

    assert status == 0
    assert json.loads(out)["status"] == "duplicate"
    assert Person.objects.count() == 1


def test_rejected_roster_lists_errors_with_row_and_column_and_exits_one(tmp_path, capsys, flexwerk):
    path = write_roster(tmp_path / "r.csv", [worker(1), worker(2, gross_wages="-5")])

    status, out = _run(capsys, "--organisation", flexwerk.kvk, "--json", str(path))

    summary = json.loads(out)
    assert status == 1
    assert summary["status"] == "rejected"
    assert [(e["row"], e["column"], e["code"]) for e in summary["errors"]] == [
        (3, "gross_wages", "negative_amount")
    ]
    assert set(summary["errors"][0]) >= {"row", "column", "code", "message"}
    assert Person.objects.count() == 0


def test_readable_summary_without_json(tmp_path, capsys, flexwerk):
    path = write_roster(tmp_path / "r.csv", [worker(1), worker(2, hours_worked="x")])

    status, out = _run(capsys, "--organisation", flexwerk.kvk, str(path))

    assert status == 1
    assert "Nothing was applied" in out
    assert "row 3, column hours_worked" in out


def test_unknown_organisation_is_wrong_usage_and_stores_nothing(tmp_path, capsys):
    path = write_roster(tmp_path / "r.csv", [worker(1)])

    status, _ = _run(capsys, "--organisation", "99999999", str(path))

    assert status == 2
    assert RosterUpload.objects.count() == 0


def test_missing_arguments_exit_two_from_a_shell():
    result = subprocess.run(
        [sys.executable, "manage.py", "import_roster", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 2
    assert "--organisation" in result.stderr
