"""An assessment from scratch in plain Python over the ORM, with unionroll.money: the yardstick the
SQL assessment is compared with. Slow and obvious on purpose."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Q

from enrolment.models import EnrolmentPolicy, Membership, PayrollLine
from levies.models import LevySchemeVersion
from unionroll.money import round_money, split_largest_remainder

LEVY_STATES = ("enrolled", "active", "opted_in", "opted_out", "lapsed")


def levy_bearing(m: Membership | None, line: PayrollLine) -> bool:
    return (
        m is not None
        and m.status in LEVY_STATES
        and not m.void
        and m.covered_from <= line.period_end
        and (m.ended_on is None or m.ended_on >= line.period_start)
    )


def covered_worker(policy: EnrolmentPolicy | None, line: PayrollLine) -> bool:
    """Base covered_workers: the line's person is one enrolment would enrol, whatever their
    membership — a covered sector, the minimum age reached by the period's end."""
    covered = True if policy is None else policy.covered
    minimum_age = 16 if policy is None else policy.minimum_age
    # As PostgreSQL's date + interval, which the assessment uses: born on 29 February, of age
    # on 28 February (relativedelta clips to the month's end the same way).
    of_age_on = line.person.date_of_birth + relativedelta(years=minimum_age)
    return covered and of_age_on <= line.period_end


def line_weight(version: LevySchemeVersion, line: PayrollLine) -> Decimal:
    if version.basis == "percent_of_gross":
        return line.gross_wages * version.rate / 100
    if version.basis == "per_hour":
        return line.hours_worked * version.rate
    return Decimal(1)


def member_total(version: LevySchemeVersion, weights: list[Decimal]) -> Decimal:
    raw = version.rate if version.basis == "flat_per_period" else sum(weights, Decimal(0))
    total = round_money(raw)
    if version.min_per_period is not None:
        total = max(total, version.min_per_period)
    if version.max_per_period is not None:
        total = min(total, version.max_per_period)
    return total


def split_line(version: LevySchemeVersion, amount: Decimal, has_hirer: bool) -> dict[str, Decimal]:
    agency, hirer, state = split_largest_remainder(
        amount, [version.funding_agency, version.funding_hirer, version.funding_state]
    )
    if not has_hirer:
        agency, hirer = agency + hirer, Decimal("0.00")
    return {"agency": agency, "hirer": hirer, "state": state}


def assess_from_scratch(
    *, period_start: dt.date, period_end: dt.date, as_of: dt.date
) -> dict[tuple[int, str, str], Decimal]:
    """{(line id, payer, status): amount} for every non-zero amount owed for the period."""
    lines = list(
        PayrollLine.objects.filter(
            period_start=period_start, period_end=period_end, superseded_by__isnull=True
        )
        .select_related("person")
        .order_by("id")
    )
    memberships = {(m.person_id, m.sector_id): m for m in Membership.objects.all()}
    policies = {p.sector_id: p for p in EnrolmentPolicy.objects.all()}
    versions = {
        v.scheme.sector_id: v
        for v in LevySchemeVersion.objects.select_related("scheme")
        .filter(valid_from__lte=period_start)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=period_start))
    }
    by_member: dict[tuple[int, int], list[PayrollLine]] = defaultdict(list)
    for line in lines:
        m = memberships.get((line.person_id, line.sector_id))
        version = versions.get(line.sector_id)
        if version is None:
            continue
        if version.base == "covered_workers":
            bears = covered_worker(policies.get(line.sector_id), line)
        else:
            bears = levy_bearing(m, line)
        if bears:
            by_member[(line.person_id, line.sector_id)].append(line)
    result: dict[tuple[int, str, str], Decimal] = {}
    for key, member_lines in by_member.items():
        version = versions[key[1]]
        m = memberships.get(key)
        held = (
            version.base == "members"
            and m is not None
            and not version.collect_during_window
            and m.status == "enrolled"
            and m.window_ends is not None
            and m.window_ends >= as_of
        )
        weights = [line_weight(version, line) for line in member_lines]
        total = member_total(version, weights)
        if sum(weights) == 0:
            weights = [Decimal(1)] * len(weights)
        for line, amount in zip(member_lines, split_largest_remainder(total, weights), strict=True):
            for payer, part in split_line(version, amount, line.hirer_id is not None).items():
                if part:
                    result[(line.id, payer, "held" if held else "due")] = part
    return result
