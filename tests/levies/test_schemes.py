"""levy_scheme_load: YAML and JSON, versions that supersede, overlaps refused, reloads idle."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.urls import reverse

from levies.models import LevyScheme, LevySchemeVersion
from levies.selectors import scheme_version_on
from levies.services import levy_scheme_load
from tests.employers.factories import UnionAdminFactory
from unionroll.exceptions import ApplicationError

from .conftest import make_scheme

pytestmark = pytest.mark.django_db

EXAMPLE = (
    Path(__file__).resolve().parents[2] / "levies" / "examples" / "meat-default-membership.yaml"
)

ISSUE_YAML = """\
code: meat-default-membership
sector: meat
versions:
  - valid_from: 2027-01-01
    basis: percent_of_gross
    rate: "0.50"
    min_per_period: "2.00"
    max_per_period: "12.00"
    funding: {state: 90, agency: 10, hirer: 0}
    collect_during_window: false
"""


def _version(valid_from: str, rate: str = "0.50", **extra) -> dict:
    return {
        "valid_from": valid_from,
        "basis": "percent_of_gross",
        "rate": rate,
        "funding": {"state": 90, "agency": 10, "hirer": 0},
        **extra,
    }


def _json_file(tmp_path: Path, *versions: dict, name: str = "scheme.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"code": "meat-levy", "sector": "meat", "versions": list(versions)}))
    return path


def _snapshot():
    return sorted(LevySchemeVersion.objects.values_list("valid_from", "valid_to", "rate", "basis"))


def test_issue_yaml_loads_with_every_term(tmp_path, meat):
    path = tmp_path / "scheme.yaml"
    path.write_text(ISSUE_YAML)

    result = levy_scheme_load(path=path)

    assert result == {
        "scheme": "meat-default-membership",
        "created": True,
        "versions_added": 1,
        "versions_ended": 0,
        "unchanged": False,
    }
    v = LevySchemeVersion.objects.get()
    assert (v.scheme.sector, v.valid_from, v.valid_to) == (meat, dt.date(2027, 1, 1), None)
    assert (v.basis, v.rate, v.min_per_period, v.max_per_period) == (
        "percent_of_gross",
        Decimal("0.5000"),
        Decimal("2.00"),
        Decimal("12.00"),
    )
    assert (v.funding_agency, v.funding_hirer, v.funding_state) == (10, 0, 90)
    assert v.collect_during_window is False


def test_example_scheme_file_loads(meat):
    assert levy_scheme_load(path=EXAMPLE)["versions_added"] == 1


def test_collect_during_window_defaults_to_false(tmp_path, meat):
    levy_scheme_load(path=_json_file(tmp_path, _version("2027-01-01")))

    assert LevySchemeVersion.objects.get().collect_during_window is False


def test_reloading_the_same_file_changes_nothing(tmp_path, meat):
    path = _json_file(tmp_path, _version("2027-01-01"), _version("2027-07-01", rate="0.60"))
    levy_scheme_load(path=path)
    before = _snapshot()

    result = levy_scheme_load(path=path)

    assert result["unchanged"] is True
    assert _snapshot() == before


def test_new_version_supersedes_the_old_from_its_valid_from(tmp_path, meat):
    levy_scheme_load(path=_json_file(tmp_path, _version("2027-01-01")))

    result = levy_scheme_load(
        path=_json_file(tmp_path, _version("2027-01-01"), _version("2027-07-01", rate="0.60"))
    )

    assert result["versions_added"] == 1 and result["versions_ended"] == 1
    assert _snapshot() == [
        (dt.date(2027, 1, 1), dt.date(2027, 6, 30), Decimal("0.5000"), "percent_of_gross"),
        (dt.date(2027, 7, 1), None, Decimal("0.6000"), "percent_of_gross"),
    ]
    assert scheme_version_on(sector_id=meat.pk, day=dt.date(2027, 6, 30)).rate == Decimal("0.5")
    assert scheme_version_on(sector_id=meat.pk, day=dt.date(2027, 7, 1)).rate == Decimal("0.6")


def test_overlapping_versions_are_refused_and_nothing_changes(tmp_path, meat):
    levy_scheme_load(path=_json_file(tmp_path, _version("2027-01-01", valid_to="2027-12-31")))
    before = _snapshot()

    with pytest.raises(ApplicationError) as exc:
        levy_scheme_load(path=_json_file(tmp_path, _version("2027-06-01", rate="0.70")))

    assert exc.value.code == "levy_scheme_overlap"
    assert "2027-12-31" in exc.value.message
    assert _snapshot() == before


def test_changing_a_loaded_version_is_refused(tmp_path, meat):
    levy_scheme_load(path=_json_file(tmp_path, _version("2027-01-01")))

    with pytest.raises(ApplicationError) as exc:
        levy_scheme_load(path=_json_file(tmp_path, _version("2027-01-01", rate="0.55")))

    assert exc.value.code == "levy_scheme_version_changed"
    assert LevySchemeVersion.objects.get().rate == Decimal("0.5")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"funding": {"state": 90, "agency": 5, "hirer": 0}}, "sum to exactly 100"),
        ({"basis": "per_week"}, "basis must be one of"),
        ({"rate": 0.5}, "quoted decimal"),
        ({"rate": "-1"}, "zero or more"),
        ({"min_per_period": "5.00", "max_per_period": "4.00"}, "above max_per_period"),
        ({"valid_from": "2027-13-01"}, "valid_from must be a date"),
        ({"colour": "red"}, "unknown field"),
    ],
)
def test_invalid_scheme_is_refused_with_a_clear_message(tmp_path, meat, change, message):
    with pytest.raises(ApplicationError) as exc:
        levy_scheme_load(path=_json_file(tmp_path, {**_version("2027-01-01"), **change}))

    assert message in exc.value.message
    assert not LevyScheme.objects.exists()


def test_unknown_sector_is_refused(tmp_path, db):
    with pytest.raises(ApplicationError) as exc:
        levy_scheme_load(path=_json_file(tmp_path, _version("2027-01-01")))

    assert exc.value.code == "levy_scheme_sector_unknown"


def test_database_refuses_funding_that_does_not_sum_to_100(meat):
    with pytest.raises(IntegrityError, match="levy_funding_sums_to_100"), transaction.atomic():
        make_scheme(meat, funding_agency=10, funding_hirer=0, funding_state=89)


def test_command_loads_then_reports_unchanged(tmp_path, meat):
    path = tmp_path / "scheme.yaml"
    path.write_text(ISSUE_YAML)
    first, second = StringIO(), StringIO()

    call_command("levy_scheme_load", str(path), stdout=first)
    call_command("levy_scheme_load", str(path), stdout=second)

    assert "1 version(s) added" in first.getvalue()
    assert "unchanged" in second.getvalue()


def test_command_refusal_says_nothing_changed(tmp_path, meat):
    path = _json_file(tmp_path, _version("2027-01-01", funding={"state": 50, "agency": 10}))

    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("levy_scheme_load", str(path))


def test_admin_shows_a_scheme_with_its_versions(tmp_path, client, meat):
    levy_scheme_load(path=_json_file(tmp_path, _version("2027-01-01")))
    scheme = LevyScheme.objects.get()
    client.force_login(UnionAdminFactory())

    page = client.get(reverse("admin:levies_levyscheme_change", args=[scheme.pk]))

    assert page.status_code == 200
    assert (
        "percent_of_gross" in page.content.decode() or "Percent of gross" in page.content.decode()
    )
    assert "2027" in page.content.decode()
