"""levies_assess: the levy-bearing rule, bases, caps across agencies, the funding split, held
and due charges, incremental adjustments, the command, the task and the admin action."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from enrolment.models import Membership, MembershipEvent, PayrollLine
from enrolment.services import membership_opt_out
from levies.models import LedgerTransaction, LevyAssessmentRun, LevyCharge
from levies.selectors import booked_by_line, payer_balance, payer_due_charges_by_site_and_phase
from levies.services import levies_assess, levies_assess_held_periods
from levies.tasks import levies_assess_held_periods_task, levies_assess_task
from tests.employers.factories import UnionAdminFactory

from .conftest import PE, PS, import_roster, make_scheme, worker
from .reference import assess_from_scratch

pytestmark = pytest.mark.django_db

IMPORTED = dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC)  # window ends 2026-12-10
IN_WINDOW = dt.date(2026, 11, 12)
AFTER_WINDOW = dt.date(2026, 12, 11)
D = Decimal


def _import(tmp_path, organisation, rows, name="roster.csv", when=IMPORTED):
    with time_machine.travel(when, tick=False):
        return import_roster(tmp_path, organisation, rows, name=name)


def _assess(today=AFTER_WINDOW, **kwargs):
    return levies_assess(period_start=PS, period_end=PE, today=today, **kwargs)


def _booked(**kwargs):
    return booked_by_line(period_start=PS, period_end=PE)


def _by_payer(result):
    return {p["payer"]: p for p in result["payers"]}


def _line(worker_number: str, organisation) -> PayrollLine:
    return PayrollLine.objects.get(
        worker_number=worker_number, organisation=organisation, superseded_by__isnull=True
    )


# --- bases and rounding -------------------------------------------------------------------


def test_percent_of_gross_rounds_the_member_total_half_up(tmp_path, meat, agency):
    make_scheme(meat, rate="0.50", funding_agency=100, funding_state=0)
    # 0.50% of 558.98 = 2.7949 -> 2.79; of 561.00 = 2.805 -> 2.81 (half-up).
    _import(tmp_path, agency, [worker(1, gross_wages="558,98"), worker(2, gross_wages="561,00")])

    result = _assess()

    assert result["total"] == "5.60"
    assert sorted(_booked().values()) == [D("2.79"), D("2.81")]


def test_per_hour_basis_charges_hours_times_rate(tmp_path, meat, agency):
    make_scheme(meat, basis="per_hour", rate="0.0725", funding_agency=100, funding_state=0)
    _import(tmp_path, agency, [worker(1, hours_worked="38,50")])  # 38.5 x 0.0725 = 2.79125

    assert _assess()["total"] == "2.79"


def test_flat_per_period_charges_each_member_once_however_many_lines(
    tmp_path, meat, agency, other_agency
):
    make_scheme(meat, basis="flat_per_period", rate="3.00", funding_agency=100, funding_state=0)
    same = {"first_name": "Ioana", "last_name": "Popescu", "email": "ioana@example.com"}
    _import(tmp_path, agency, [worker(1, **same), worker(2)])
    _import(tmp_path, other_agency, [worker(7, **same)], name="other.csv")

    result = _assess()

    assert result["total"] == "6.00"  # two members, not three lines
    # Ioana's 3.00 is shared equally over her two lines, one at each agency.
    assert _by_payer(result)[agency.kvk]["due"] == "4.50"
    assert _by_payer(result)[other_agency.kvk]["due"] == "1.50"


def test_maximum_applies_to_the_total_across_agencies_shared_in_proportion(
    tmp_path, meat, agency, other_agency
):
    make_scheme(meat, rate="0.50", max_per_period="12.00", funding_agency=100, funding_state=0)
    same = {"first_name": "Ioana", "last_name": "Popescu", "email": "ioana@example.com"}
    # Uncapped: 0.50% of 1500.00 = 7.50 and of 1000.00 = 5.00, total 12.50 -> capped to 12.00,
    # shared 7.50 : 5.00 -> 7.20 and 4.80.
    _import(tmp_path, agency, [worker(1, gross_wages="1500,00", **same)])
    _import(tmp_path, other_agency, [worker(9, gross_wages="1000,00", **same)], name="b.csv")

    result = _assess()

    assert result["total"] == "12.00"
    assert _by_payer(result)[agency.kvk] == {
        "payer": agency.kvk,
        "members": 1,
        "due": "7.20",
        "held": "0.00",
    }
    assert _by_payer(result)[other_agency.kvk]["due"] == "4.80"


def test_minimum_raises_a_small_total_and_shares_the_cents_by_largest_remainder(
    tmp_path, meat, agency, other_agency
):
    make_scheme(meat, rate="0.50", min_per_period="2.00", funding_agency=100, funding_state=0)
    same = {"first_name": "Ioana", "last_name": "Popescu", "email": "ioana@example.com"}
    # 0.50% of 100.00 = 0.50 and of 200.00 = 1.00: 1.50 raised to 2.00, shared 1:2 ->
    # 66.67 and 133.33 cents -> 66 + 133 = 199, the last cent to the larger remainder (0.67).
    _import(tmp_path, agency, [worker(1, gross_wages="100,00", **same)])
    _import(tmp_path, other_agency, [worker(9, gross_wages="200,00", **same)], name="b.csv")

    result = _assess()

    assert _by_payer(result)[agency.kvk]["due"] == "0.67"
    assert _by_payer(result)[other_agency.kvk]["due"] == "1.33"


def test_funding_shares_split_each_line_exactly_by_largest_remainder(tmp_path, meat, agency, site):
    make_scheme(
        meat, rate="1.00", funding_agency="33.33", funding_hirer="33.33", funding_state="33.34"
    )
    # 1% of 100.00 = 1.00: 33.33 / 33.33 / 33.34 cents -> 33 + 33 + 33 = 99; the last cent
    # goes to the largest remainder, the state's 0.34.
    _import(
        tmp_path,
        agency,
        [worker(1, gross_wages="100,00", hirer_kvk=site.hirer.kvk, site_code=site.code)],
    )

    result = _assess()

    assert {p["payer"]: p["due"] for p in result["payers"]} == {
        agency.kvk: "0.33",
        site.hirer.kvk: "0.33",
        "state": "0.34",
    }
    assert result["total"] == "1.00"


def test_line_without_a_hirer_puts_the_hirer_share_on_the_agency(tmp_path, meat, agency, site):
    make_scheme(meat, rate="1.00", funding_agency=20, funding_hirer=30, funding_state=50)
    _import(
        tmp_path,
        agency,
        [
            worker(1, gross_wages="1000,00", hirer_kvk=site.hirer.kvk, site_code=site.code),
            worker(2, gross_wages="1000,00"),
        ],
    )

    result = _assess()

    # 10.00 each: with a hirer 2.00 / 3.00 / 5.00, without 5.00 (2 + 3) / - / 5.00.
    assert {p["payer"]: p["due"] for p in result["payers"]} == {
        agency.kvk: "7.00",
        site.hirer.kvk: "3.00",
        "state": "10.00",
    }


def test_scheme_version_valid_on_the_period_start_applies(tmp_path, meat, agency):
    old = make_scheme(
        meat, rate="0.50", funding_agency=100, funding_state=0, valid_to=PS - dt.timedelta(days=1)
    )
    make_scheme(meat, valid_from=PS, rate="1.00", funding_agency=100, funding_state=0)
    assert old.valid_to < PS
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00")])

    assert _assess()["total"] == "10.00"


def test_sector_without_a_scheme_bears_no_levy(tmp_path, meat, agency):
    _import(tmp_path, agency, [worker(1)])

    result = _assess()

    assert result["total"] == "0.00"
    assert result["payers"] == []
    assert not LevyCharge.objects.exists()


# --- who bears the levy --------------------------------------------------------------------


def test_opt_out_inside_the_window_voids_the_levy(tmp_path, meat, agency):
    make_scheme(meat, collect_during_window=True)
    _import(tmp_path, agency, [worker(1), worker(2)])
    m = Membership.objects.order_by("id").first()
    membership_opt_out(membership=m, actor="member", reason="portal", today=IN_WINDOW)

    result = _assess()

    assert _by_payer(result)["state"]["members"] == 1


def test_opt_out_after_the_window_ends_the_levy_from_the_opt_out_date(tmp_path, meat, agency):
    make_scheme(meat, funding_agency=100, funding_state=0)
    _import(tmp_path, agency, [worker(1)])
    m = Membership.objects.get()
    Membership.objects.filter(pk=m.pk).update(status="active")
    membership_opt_out(membership=m, actor="member", reason="portal", today=dt.date(2026, 12, 20))
    later = {"period_start": "2026-12-21", "period_end": "2026-12-27"}
    _import(
        tmp_path,
        agency,
        [worker(1, **later)],
        name="later.csv",
        when=dt.datetime(2026, 12, 28, tzinfo=dt.UTC),
    )

    before = _assess(today=dt.date(2026, 12, 29))
    after = levies_assess(
        period_start=dt.date(2026, 12, 21),
        period_end=dt.date(2026, 12, 27),
        today=dt.date(2026, 12, 29),
    )

    assert before["total"] == "2.79"
    assert after["total"] == "0.00"


def test_membership_counts_from_its_covered_from(tmp_path, meat, agency):
    make_scheme(meat)
    _import(tmp_path, agency, [worker(1)])
    Membership.objects.update(covered_from=PE + dt.timedelta(days=1))

    assert _assess()["total"] == "0.00"


def test_lapsed_membership_keeps_the_levy_of_periods_it_was_on_payroll(tmp_path, meat, agency):
    make_scheme(meat)
    _import(tmp_path, agency, [worker(1)])
    Membership.objects.update(status="lapsed")

    assert _assess()["total"] == "2.79"


def test_superseded_lines_bear_no_levy_and_the_replacement_is_adjusted(tmp_path, meat, agency):
    make_scheme(meat, funding_agency=100, funding_state=0)
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00"), worker(2)])
    first = _assess()
    _import(tmp_path, agency, [worker(1, gross_wages="1200,00")], name="corrected.csv")

    second = _assess()

    assert first["total"] == "7.79"  # 5.00 + 2.79
    assert second["total"] == "6.00"
    charges = LevyCharge.objects.filter(status="due")
    assert sorted((c.run_id, c.kind, c.amount) for c in charges) == [
        (first["run"], "charge", D("2.79")),
        (first["run"], "charge", D("5.00")),
        (second["run"], "adjustment", D("-5.00")),
        (second["run"], "adjustment", D("-2.79")),
        (second["run"], "charge", D("6.00")),
    ]
    assert payer_balance(payer=agency) == D("6.00")


# --- held and due ---------------------------------------------------------------------------


def test_charges_inside_the_window_are_held_then_released_when_it_closes(tmp_path, meat, agency):
    make_scheme(meat)
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00")])

    held = _assess(today=IN_WINDOW)
    released = levies_assess_held_periods(today=AFTER_WINDOW)

    assert _by_payer(held)["state"] == {
        "payer": "state",
        "members": 1,
        "due": "0.00",
        "held": "4.50",
    }
    assert payer_balance(payer="state", held=True) == D("0")
    assert payer_balance(payer="state") == D("4.50")
    assert payer_balance(payer=agency) == D("0.50")
    assert [r["total"] for r in released] == ["5.00"]
    assert LevyCharge.objects.filter(status="due").count() == 2
    assert set(LedgerTransaction.objects.values_list("kind", flat=True)) == {"held", "released"}


def test_in_window_opt_out_drops_held_charges(tmp_path, meat, agency):
    make_scheme(meat)
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00")])
    _assess(today=IN_WINDOW)
    membership_opt_out(
        membership=Membership.objects.get(), actor="member", reason="portal", today=IN_WINDOW
    )

    result = _assess(today=IN_WINDOW)

    assert result["total"] == "0.00"
    assert set(LevyCharge.objects.values_list("status", flat=True)) == {"dropped"}
    assert payer_balance(payer="state", held=True) == 0
    assert payer_balance(payer="state") == 0
    assert levies_assess_held_periods(today=AFTER_WINDOW) == []


def test_collect_during_window_charges_at_once_and_credits_an_in_window_opt_out(
    tmp_path, meat, agency
):
    make_scheme(meat, collect_during_window=True)
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00")])
    charged = _assess(today=IN_WINDOW)
    membership_opt_out(
        membership=Membership.objects.get(), actor="member", reason="portal", today=IN_WINDOW
    )

    credited = _assess(today=IN_WINDOW)

    assert _by_payer(charged)["state"]["due"] == "4.50"
    assert credited["total"] == "0.00"
    assert sorted(LevyCharge.objects.values_list("amount", flat=True)) == [
        D("-4.50"),
        D("-0.50"),
        D("0.50"),
        D("4.50"),
    ]
    assert payer_balance(payer="state") == 0
    assert payer_balance(payer=agency) == 0


# --- idempotent and incremental ---------------------------------------------------------------


def test_running_twice_changes_nothing(tmp_path, meat, agency):
    make_scheme(meat)
    _import(tmp_path, agency, [worker(1), worker(2)])
    first = _assess()
    rows, transactions = LevyCharge.objects.count(), LedgerTransaction.objects.count()

    second = _assess()
    forced = _assess(force=True)

    assert second["unchanged"] is True
    assert forced["unchanged"] is False and forced["counts"]["differences"] == 0
    assert (LevyCharge.objects.count(), LedgerTransaction.objects.count()) == (rows, transactions)
    for key in ("period_start", "period_end", "total", "payers"):
        assert first[key] == second[key] == forced[key]


def test_booked_charges_equal_an_assessment_from_scratch(
    tmp_path, meat, agency, other_agency, site
):
    make_scheme(
        meat,
        rate="0.75",
        min_per_period="2.00",
        max_per_period="9.00",
        funding_agency=20,
        funding_hirer=30,
        funding_state=50,
    )
    same = {"first_name": "Ioana", "last_name": "Popescu", "email": "ioana@example.com"}
    _import(
        tmp_path,
        agency,
        [
            worker(1, gross_wages="812,17", hirer_kvk=site.hirer.kvk, site_code=site.code, **same),
            worker(2, gross_wages="99,99"),
            worker(3, gross_wages="1500,01", hirer_kvk=site.hirer.kvk, site_code=site.code),
        ],
    )
    _import(tmp_path, other_agency, [worker(5, gross_wages="433,33", **same)], name="b.csv")

    _assess()

    assert _booked() == assess_from_scratch(period_start=PS, period_end=PE, as_of=AFTER_WINDOW)


def test_charges_reference_existing_rows(tmp_path, meat, agency, site):
    make_scheme(meat, funding_agency=20, funding_hirer=30, funding_state=50)
    _import(tmp_path, agency, [worker(1, hirer_kvk=site.hirer.kvk, site_code=site.code)])
    _assess()

    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT count(*) FROM levies_levycharge c
            LEFT JOIN enrolment_payrollline l ON l.id = c.payroll_line_id
            LEFT JOIN enrolment_person p ON p.id = c.person_id
            LEFT JOIN levies_levyassessmentrun r ON r.id = c.run_id
            LEFT JOIN employers_organisation o ON o.id = c.payer_organisation_id
            WHERE l.id IS NULL OR p.id IS NULL OR r.id IS NULL
               OR (c.payer_organisation_id IS NOT NULL AND o.id IS NULL)
            """
        )
        assert cur.fetchone()[0] == 0
    assert LevyCharge.objects.filter(site=site, cao_phase="A", payer="hirer").count() == 1
    assert payer_due_charges_by_site_and_phase(
        organisation=site.hirer, period_start=PS, period_end=PE
    ) == [{"site_id": site.pk, "cao_phase": "A", "members": 1, "amount": D("0.84")}]


# --- command, task, admin ---------------------------------------------------------------------


def test_command_prints_the_period_summary_as_json(tmp_path, meat, agency):
    make_scheme(meat)
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00"), worker(2, gross_wages="800,00")])
    out = StringIO()

    with time_machine.travel(dt.datetime(2026, 12, 11, 8, tzinfo=dt.UTC), tick=False):
        call_command(
            "levies_assess",
            "--period-start",
            "2026-11-02",
            "--period-end",
            "2026-11-08",
            "--json",
            stdout=out,
        )

    assert json.loads(out.getvalue()) == {
        "period_start": "2026-11-02",
        "period_end": "2026-11-08",
        "total": "9.00",
        "payers": [
            {"payer": agency.kvk, "members": 2, "due": "0.90", "held": "0.00"},
            {"payer": "state", "members": 2, "due": "8.10", "held": "0.00"},
        ],
    }


def test_command_total_includes_held_charges(tmp_path, meat, agency):
    make_scheme(meat)
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00")])
    out = StringIO()

    with time_machine.travel(dt.datetime(2026, 11, 12, 8, tzinfo=dt.UTC), tick=False):
        call_command(
            "levies_assess",
            "--period-start",
            "2026-11-02",
            "--period-end",
            "2026-11-08",
            "--json",
            stdout=out,
        )

    data = json.loads(out.getvalue())
    assert data["total"] == "5.00"
    assert [(p["due"], p["held"]) for p in data["payers"]] == [("0.00", "0.50"), ("0.00", "4.50")]


def test_task_assesses_the_period(tmp_path, meat, agency):
    make_scheme(meat)
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00")])

    with time_machine.travel(dt.datetime(2026, 12, 11, 8, tzinfo=dt.UTC), tick=False):
        result = levies_assess_task.delay("2026-11-02", "2026-11-08").get()
        again = levies_assess_held_periods_task.delay().get()

    assert result["total"] == "5.00"
    assert again == 0


def test_admin_action_assesses_the_selected_runs_periods_again(tmp_path, client, meat, agency):
    make_scheme(meat)
    _import(tmp_path, agency, [worker(1, gross_wages="1000,00")])
    run = _assess(today=IN_WINDOW)["run"]

    with time_machine.travel(dt.datetime(2026, 12, 11, 8, tzinfo=dt.UTC), tick=False):
        # Logged in then: a staff session lasts UNIONROLL_STAFF_SESSION_HOURS.
        client.force_login(UnionAdminFactory())
        response = client.post(
            reverse("admin:levies_levyassessmentrun_changelist"),
            {"action": "assess_again", "_selected_action": [run]},
            follow=True,
        )

    assert response.status_code == 200
    assert LevyAssessmentRun.objects.count() == 2
    assert LevyCharge.objects.filter(status="due").count() == 2


def test_admin_action_on_roster_uploads_assesses_their_period_a_first_time(
    tmp_path, client, meat, agency, django_capture_on_commit_callbacks
):
    make_scheme(meat)
    upload = _import(tmp_path, agency, [worker(1, gross_wages="1000,00")])

    with (
        time_machine.travel(dt.datetime(2026, 12, 11, 8, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.force_login(UnionAdminFactory())
        response = client.post(
            reverse("admin:enrolment_rosterupload_changelist"),
            {"action": "assess_levies", "_selected_action": [upload.pk]},
            follow=True,
        )

    assert response.status_code == 200
    assert "Levy assessment queued for 02-11-2026 to 08-11-2026" in response.content.decode()
    run = LevyAssessmentRun.objects.get()
    assert (run.period_start, run.period_end) == (PS, PE)
    assert LevyCharge.objects.filter(status="due").count() == 2


def test_admin_pages_of_levies_render(tmp_path, client, meat, agency):
    make_scheme(meat)
    _import(tmp_path, agency, [worker(1)])
    _assess()
    client.force_login(UnionAdminFactory())

    for model in ("levyscheme", "levyassessmentrun", "levycharge", "ledgertransaction"):
        response = client.get(reverse(f"admin:levies_{model}_changelist"))
        assert response.status_code == 200, model
    charge = LevyCharge.objects.first()
    page = client.get(reverse("admin:levies_levycharge_change", args=[charge.pk]))
    assert page.status_code == 200
    assert "Łukasz" not in page.content.decode()


def test_events_untouched_by_assessment(tmp_path, meat, agency):
    make_scheme(meat)
    _import(tmp_path, agency, [worker(1)])
    events = MembershipEvent.objects.count()

    _assess()

    assert MembershipEvent.objects.count() == events


def test_worked_example_of_the_docs(tmp_path, meat, agency, other_agency, site):
    make_scheme(
        meat,
        rate="0.50",
        min_per_period="2.00",
        max_per_period="12.00",
        funding_agency=10,
        funding_hirer=15,
        funding_state=75,
    )
    ioana = {"first_name": "Ioana", "last_name": "Popescu", "email": "ioana@example.com"}
    _import(
        tmp_path,
        agency,
        [worker(1, gross_wages="1234,56", hirer_kvk=site.hirer.kvk, site_code=site.code, **ioana)],
    )
    _import(tmp_path, other_agency, [worker(4, gross_wages="1388,89", **ioana)], name="b.csv")

    result = _assess()

    assert {p["payer"]: p["due"] for p in result["payers"]} == {
        agency.kvk: "0.56",
        site.hirer.kvk: "0.85",
        other_agency.kvk: "1.59",
        "state": "9.00",
    }
    assert result["total"] == "12.00"
    assert _booked()[(_line("000004", other_agency).pk, "state", "due")] == D("4.76")


def test_member_total_is_rounded_once_not_per_line(tmp_path, meat, agency, other_agency):
    make_scheme(meat, rate="0.50", funding_agency=100, funding_state=0)
    same = {"first_name": "Ioana", "last_name": "Popescu", "email": "ioana@example.com"}
    _import(tmp_path, agency, [worker(1, gross_wages="561,00", **same)])
    _import(tmp_path, other_agency, [worker(4, gross_wages="561,00", **same)], name="b.csv")

    # 2.805 + 2.805 = 5.61 once; per line it would be 2.81 + 2.81 = 5.62.
    assert _assess()["total"] == "5.61"
