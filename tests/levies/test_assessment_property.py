"""Property: after any sequence of uploads, replacements, opt-outs, opt-ins, days passing and
assessments, assessing again books exactly what an assessment from scratch computes, and the
ledger agrees with the charges."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enrolment.models import EnrolmentPolicy, Membership
from enrolment.services import (
    membership_opt_in,
    membership_opt_out,
    memberships_advance,
    roster_import_path,
)
from levies.models import Account, LedgerPosting, LevyCharge
from levies.selectors import booked_by_line, period_summary
from levies.services import levies_assess
from tests.employers.factories import HirerFactory, OrganisationFactory, SectorFactory, SiteFactory
from tests.enrolment.rosters import worker, write_roster

from .conftest import assert_ledger_balances, make_scheme
from .reference import assess_from_scratch

pytestmark = pytest.mark.django_db

PERIODS = [
    (dt.date(2026, 11, 2), dt.date(2026, 11, 8)),
    (dt.date(2026, 11, 9), dt.date(2026, 11, 15)),
]
START = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)
WORKERS = range(4)
GROSS = ["0,00", "199,99", "558,98", "1234,56", "2500,00"]

upload = st.tuples(
    st.just("upload"),
    st.integers(0, 1),  # agency
    st.integers(0, 1),  # period
    st.lists(
        st.tuples(st.sampled_from(WORKERS), st.sampled_from(GROSS), st.booleans()),
        min_size=1,
        max_size=4,
        unique_by=lambda t: t[0],
    ),
)
# Assessments and opt-outs are frequent and days pass in small steps, so that charges are often
# booked while a window is still open and then released, dropped or credited.
operation = st.one_of(
    upload,
    st.tuples(st.just("assess")),
    st.tuples(st.just("opt_out"), st.sampled_from(WORKERS)),
    st.tuples(st.just("assess")),
    st.tuples(st.just("days"), st.integers(1, 25)),
    st.tuples(st.just("opt_in"), st.sampled_from(WORKERS)),
)
terms = st.fixed_dictionaries(
    {
        "basis": st.sampled_from(["percent_of_gross", "per_hour", "flat_per_period"]),
        "rate": st.sampled_from(["0.50", "0.0725", "3.00"]),
        "min_per_period": st.sampled_from([None, "2.00"]),
        "max_per_period": st.sampled_from([None, "9.00"]),
        "funding": st.sampled_from([(10, 0, 90), (20, 30, 50), ("33.33", "33.33", "33.34")]),
        "collect_during_window": st.booleans(),
        "base": st.sampled_from(["members", "covered_workers"]),
    }
)
files = itertools.count()


class _Rollback(Exception):
    pass


def _run(tmp_path, scheme_terms, operations):
    meat = SectorFactory(code="meat")
    EnrolmentPolicy.objects.get_or_create(sector=meat)
    agencies = [OrganisationFactory(sectors=[meat]) for _ in range(2)]
    site = SiteFactory(hirer=HirerFactory(sectors=[meat]), code="OSS", sector=meat)
    fa, fh, fs = scheme_terms.pop("funding")
    if scheme_terms["base"] == "covered_workers":
        # As the loader stores it: nothing is held.
        scheme_terms["collect_during_window"] = True
    make_scheme(meat, funding_agency=fa, funding_hirer=fh, funding_state=fs, **scheme_terms)
    now = START

    def membership(n):
        return Membership.objects.filter(person__email=f"w{n}@example.com").first()

    for op in operations:
        with time_machine.travel(now, tick=False):
            today = now.date()
            if op[0] == "upload":
                _, a, p, rows = op
                period = {
                    "period_start": PERIODS[p][0].isoformat(),
                    "period_end": PERIODS[p][1].isoformat(),
                }
                lines = [
                    worker(
                        n,
                        email=f"w{n}@example.com",
                        gross_wages=gross,
                        hirer_kvk=site.hirer.kvk if with_hirer else "",
                        site_code=site.code if with_hirer else "",
                        **period,
                    )
                    for n, gross, with_hirer in rows
                ]
                path = write_roster(tmp_path / f"r{next(files)}.csv", lines)
                roster_import_path(organisation=agencies[a], path=path)
            elif op[0] == "opt_out":
                m = membership(op[1])
                if m is not None and m.status in ("enrolled", "active", "opted_in", "lapsed"):
                    membership_opt_out(membership=m, actor="member", reason="t", today=today)
            elif op[0] == "opt_in":
                m = membership(op[1])
                if m is not None and m.status == "opted_out":
                    membership_opt_in(membership=m, actor="member", reason="t", today=today)
            elif op[0] == "days":
                now += dt.timedelta(days=op[1])
                memberships_advance(today=now.date())
            else:
                for start, end in PERIODS:
                    levies_assess(period_start=start, period_end=end, today=today)

    today = now.date()
    for start, end in PERIODS:
        levies_assess(period_start=start, period_end=end, today=today)
        assert booked_by_line(period_start=start, period_end=end) == assess_from_scratch(
            period_start=start, period_end=end, as_of=today
        )
        # And once more: nothing left to book, and the summary is what the charges say.
        again = levies_assess(period_start=start, period_end=end, today=today, force=True)
        assert again["counts"]["differences"] == 0
        summary = {k: again[k] for k in ("period_start", "period_end", "total", "payers")}
        assert summary == period_summary(period_start=start, period_end=end)

    if scheme_terms["base"] == "covered_workers":
        # Whatever the opt-outs, opt-ins and windows: nothing was ever held, dropped or
        # credited on account of a membership (the reference above ignores memberships).
        assert not LevyCharge.objects.exclude(status="due").exists()

    # The ledger tells the same story as the charges.
    assert_ledger_balances()
    for org in [*agencies, site.hirer]:
        due = LevyCharge.objects.filter(payer_organisation=org, status="due").aggregate(
            s=Sum("amount")
        )["s"] or Decimal(0)
        posted = LedgerPosting.objects.filter(
            organisation=org, account=Account.RECEIVABLE
        ).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        assert posted == due


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    scheme_terms=terms,
    first=upload,
    operations=st.lists(operation, min_size=1, max_size=10),
)
def test_booked_charges_equal_an_assessment_from_scratch_after_any_history(
    tmp_path, scheme_terms, first, operations
):
    try:
        with transaction.atomic():
            _run(tmp_path, dict(scheme_terms), [first, *operations])
            raise _Rollback
    except _Rollback:
        pass
