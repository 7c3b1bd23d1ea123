"""Levy base ``covered_workers``: the levy is charged for every covered worker on the roster,
whatever their union status, so an invoice is the same whoever is a member, inside the window or
opted out — and opting out saves the employer nothing. The per-member base stays the default."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine

from enrolment.models import EnrolmentPolicy, Membership, PayrollLine
from enrolment.services import membership_opt_out
from levies.models import Invoice, LevyCharge, LevySchemeVersion, StateClaim
from levies.services import levies_assess, levy_scheme_load, period_billing_issue
from tests.api.test_rosters_api import key_client
from unionroll.exceptions import ApplicationError

from .conftest import PE, PS, import_roster, make_scheme, worker

pytestmark = pytest.mark.django_db

IMPORTED = dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC)  # window ends 2026-12-10
IN_WINDOW = dt.date(2026, 11, 12)
AFTER_WINDOW = dt.date(2026, 12, 11)
ISSUED = dt.date(2026, 11, 16)
D = Decimal
WORKERS = 12


def _import(tmp_path, organisation, rows, name="roster.csv"):
    with time_machine.travel(IMPORTED, tick=False):
        return import_roster(tmp_path, organisation, rows, name=name)


def _roster(site) -> list[dict]:
    at = {"hirer_kvk": site.hirer.kvk, "site_code": site.code}
    return [worker(n, cao_phase="A", **at) for n in range(1, WORKERS + 1)]


def _first_membership() -> Membership:
    return Membership.objects.order_by("id").first()


def _make_status(status: str) -> None:
    """Put the first worker's membership in ``status`` (the others stay in their window)."""
    m = _first_membership()
    if status == "member":
        Membership.objects.filter(pk=m.pk).update(status="active")
    elif status == "in_window":
        pass
    elif status == "opted_out_in_window":
        membership_opt_out(membership=m, actor="member", reason="portal", today=IN_WINDOW)
    elif status == "opted_out_before_the_period":
        # Opted out long ago; the roster respected it and the worker is still on payroll.
        Membership.objects.filter(pk=m.pk).update(
            status="opted_out", ended_on=PS - dt.timedelta(days=30), void=False
        )
    elif status == "lapsed":
        Membership.objects.filter(pk=m.pk).update(status="lapsed")
    else:  # pragma: no cover
        raise AssertionError(status)


def _billing(agency) -> dict:
    invoice = Invoice.objects.get(payer_organisation=agency)
    claim = StateClaim.objects.get()
    return {
        "total": invoice.total,
        "lines": [
            (line.site_name, line.cao_phase, line.members, line.counted, line.grouped, line.amount)
            for line in invoice.lines.all()
        ],
        "claim": (claim.total, [(row.members, row.amount) for row in claim.rows.all()]),
    }


STATUSES = [
    "member",
    "in_window",
    "opted_out_in_window",
    "opted_out_before_the_period",
    "lapsed",
]


@pytest.mark.parametrize("status", STATUSES)
def test_invoice_is_the_same_whatever_one_workers_union_status(
    tmp_path, meat, agency, site, status
):
    make_scheme(meat, base="covered_workers", collect_during_window=True)
    _import(tmp_path, agency, _roster(site))
    _make_status(status)

    # Assessed while every other worker is still inside their window: nothing is held.
    levies_assess(period_start=PS, period_end=PE, today=IN_WINDOW)
    period_billing_issue(period_start=PS, period_end=PE, issue_date=ISSUED)

    # 0.50% of 558.98 = 2.79 per worker; the agency's 10% is 0.28 (largest remainder).
    assert _billing(agency) == {
        "total": D("3.36"),
        "lines": [(f"{site.name} ({site.code})", "A", 12, "workers", False, D("3.36"))],
        "claim": (D("30.12"), [(12, D("30.12"))]),
    }
    assert not LevyCharge.objects.filter(status="held").exists()


def test_per_member_default_charges_only_members(tmp_path, meat, agency, site):
    make_scheme(meat, collect_during_window=True)
    _import(tmp_path, agency, _roster(site))
    _make_status("opted_out_before_the_period")

    levies_assess(period_start=PS, period_end=PE, today=IN_WINDOW)
    period_billing_issue(period_start=PS, period_end=PE, issue_date=ISSUED)

    billing = _billing(agency)
    assert billing["total"] == D("3.08")
    assert billing["lines"] == [
        (f"{site.name} ({site.code})", "A", 11, "members", False, D("3.08"))
    ]


def test_per_member_default_still_holds_charges_inside_the_window(tmp_path, meat, agency, site):
    make_scheme(meat)
    _import(tmp_path, agency, _roster(site))

    result = levies_assess(period_start=PS, period_end=PE, today=IN_WINDOW)

    assert {p["payer"]: p["held"] for p in result["payers"]} == {
        agency.kvk: "3.36",
        "state": "30.12",
    }


def test_an_opt_out_after_billing_books_nothing_and_issues_no_credit_note(
    tmp_path, meat, agency, site
):
    make_scheme(meat, base="covered_workers", collect_during_window=True)
    _import(tmp_path, agency, _roster(site))
    levies_assess(period_start=PS, period_end=PE, today=IN_WINDOW)
    period_billing_issue(period_start=PS, period_end=PE, issue_date=ISSUED)

    membership_opt_out(
        membership=_first_membership(), actor="member", reason="portal", today=IN_WINDOW
    )
    again = levies_assess(period_start=PS, period_end=PE, today=IN_WINDOW)
    billed = period_billing_issue(period_start=PS, period_end=PE, issue_date=ISSUED)

    assert again["counts"]["booked_rows"] == 0
    assert billed["invoices"] == [] and billed["state_claim"] is None


def test_workers_below_the_minimum_age_or_outside_a_covered_sector_bear_no_levy(
    tmp_path, meat, agency
):
    make_scheme(meat, base="covered_workers", collect_during_window=True)
    _import(tmp_path, agency, [worker(1), worker(2, date_of_birth="2012-01-01")])

    covered = levies_assess(period_start=PS, period_end=PE, today=IN_WINDOW)
    EnrolmentPolicy.objects.filter(sector=meat).update(covered=False)
    not_covered = levies_assess(period_start=PS, period_end=PE, today=IN_WINDOW)

    # The 14-year-old is on the roster but not a covered worker; then nobody is.
    assert covered["total"] == "2.79"
    assert not_covered["total"] == "0.00"


def test_a_period_with_both_bases_charges_each_sector_by_its_own(tmp_path, meat, agency):
    from tests.employers.factories import SectorFactory

    fish = SectorFactory(code="fish")
    agency.sectors.add(fish)
    make_scheme(meat, base="covered_workers", collect_during_window=True)
    make_scheme(fish, collect_during_window=True)
    _import(
        tmp_path,
        agency,
        [worker(1, sector="meat"), worker(2, sector="fish"), worker(3, sector="fish")],
    )
    Membership.objects.filter(sector=meat).update(status="opted_out", ended_on=PS, void=True)
    Membership.objects.filter(sector=fish).order_by("id").update(status="active")
    fish_member = Membership.objects.filter(sector=fish).order_by("id").first()
    Membership.objects.filter(pk=fish_member.pk).update(status="opted_out", ended_on=PS, void=True)

    result = levies_assess(period_start=PS, period_end=PE, today=IN_WINDOW)

    # Meat: the opted-out worker is charged (covered_workers); fish: only the member.
    assert result["total"] == "5.58"
    charged = set(LevyCharge.objects.values_list("sector_id", flat=True).distinct())
    assert charged == {meat.pk, fish.pk}


# --- the loader --------------------------------------------------------------------------------


def _scheme_file(tmp_path, **extra) -> str:
    version = {
        "valid_from": "2027-01-01",
        "basis": "percent_of_gross",
        "rate": "0.50",
        "funding": {"state": 90, "agency": 10, "hirer": 0},
        **extra,
    }
    path = tmp_path / f"scheme-{len(list(tmp_path.iterdir()))}.json"
    path.write_text(json.dumps({"code": "meat-levy", "sector": "meat", "versions": [version]}))
    return path


def test_loader_accepts_base_covered_workers_and_holds_nothing(tmp_path, meat):
    levy_scheme_load(path=_scheme_file(tmp_path, base="covered_workers"))

    version = LevySchemeVersion.objects.get()
    assert version.base == "covered_workers"
    assert version.collect_during_window is True


def test_loader_defaults_to_the_per_member_base(tmp_path, meat):
    levy_scheme_load(path=_scheme_file(tmp_path))

    assert LevySchemeVersion.objects.get().base == "members"


def test_loader_refuses_an_unknown_base(tmp_path, meat):
    with pytest.raises(ApplicationError) as exc:
        levy_scheme_load(path=_scheme_file(tmp_path, base="employees"))

    assert exc.value.code == "levy_scheme_invalid"
    assert "base must be members or covered_workers" in exc.value.message
    assert not LevySchemeVersion.objects.exists()


def test_loader_refuses_covered_workers_with_charges_held_during_the_window(tmp_path, meat):
    with pytest.raises(ApplicationError) as exc:
        levy_scheme_load(
            path=_scheme_file(tmp_path, base="covered_workers", collect_during_window=False)
        )

    assert "nothing is held" in exc.value.message
    assert not LevySchemeVersion.objects.exists()


def test_a_changed_base_is_changed_terms_and_needs_a_new_version(tmp_path, meat):
    levy_scheme_load(path=_scheme_file(tmp_path))

    with pytest.raises(ApplicationError) as exc:
        levy_scheme_load(path=_scheme_file(tmp_path, base="covered_workers"))

    assert exc.value.code == "levy_scheme_version_changed"
    assert LevySchemeVersion.objects.get().base == "members"


def test_the_shipped_example_charges_covered_workers(meat):
    from .test_schemes import EXAMPLE

    levy_scheme_load(path=EXAMPLE)

    assert LevySchemeVersion.objects.get().base == "covered_workers"


def test_schemes_api_shows_the_base(meat, agency):
    make_scheme(meat, base="covered_workers", collect_during_window=True)

    body = key_client(agency).get("/api/v1/levy-schemes/").json()

    schemes = body["results"] if isinstance(body, dict) else body
    assert schemes[0]["versions"][0]["base"] == "covered_workers"


def test_a_merge_that_moves_lines_to_another_person_is_assessed_again(tmp_path, meat, agency):
    # Under covered_workers who is charged follows the line's person (their age), so a person
    # merge that moves a line from a 14-year-old's record to an adult's changes the levy.
    make_scheme(meat, base="covered_workers", collect_during_window=True)
    _import(tmp_path, agency, [worker(1), worker(2, date_of_birth="2012-01-01")])
    before = levies_assess(period_start=PS, period_end=PE, today=IN_WINDOW)
    adult, young = (line.person for line in PayrollLine.objects.order_by("row_number"))

    PayrollLine.objects.filter(person=young).update(person=adult)  # as a confirmed merge does
    after = levies_assess(period_start=PS, period_end=PE, today=IN_WINDOW)

    assert before["total"] == "2.79"
    assert after["total"] != before["total"]
