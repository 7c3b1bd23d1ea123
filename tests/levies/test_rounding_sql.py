"""The assessment's SQL rounding and splitting agree with unionroll.money on random inputs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from levies.assessment.services import WEIGHT_EXPR, levy_amounts_compute
from unionroll.money import round_money, split_largest_remainder

pytestmark = pytest.mark.django_db

cents = st.integers(min_value=0, max_value=500_000).map(lambda c: Decimal(c) / 100)
hours = st.integers(min_value=0, max_value=8000).map(lambda c: Decimal(c) / 100)


@st.composite
def funding(draw):
    # Shares in hundredths of a percent that sum to exactly 100.
    a = draw(st.integers(0, 10_000))
    h = draw(st.integers(0, 10_000 - a))
    return [Decimal(a) / 100, Decimal(h) / 100, Decimal(10_000 - a - h) / 100]


@st.composite
def scheme(draw):
    basis = draw(st.sampled_from(["percent_of_gross", "per_hour", "flat_per_period"]))
    rate = Decimal(draw(st.integers(0, 50_000))) / 10_000
    lo = draw(st.none() | st.integers(0, 1500).map(lambda c: Decimal(c) / 100))
    hi = draw(st.none() | st.integers(0, 3000).map(lambda c: Decimal(c) / 100))
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    return {"basis": basis, "rate": rate, "lo": lo, "hi": hi, "funding": draw(funding())}


members = st.lists(
    st.lists(st.tuples(cents, hours, st.booleans()), min_size=1, max_size=4),
    min_size=1,
    max_size=6,
)


def _python(terms, member_lines):
    """The rule, written with unionroll.money: {line index: (agency, hirer, state)}."""
    out = {}
    index = 0
    for lines in member_lines:
        if terms["basis"] == "percent_of_gross":
            weights = [g * terms["rate"] / 100 for g, _, _ in lines]
        elif terms["basis"] == "per_hour":
            weights = [h * terms["rate"] for _, h, _ in lines]
        else:
            weights = [Decimal(1)] * len(lines)
        raw = terms["rate"] if terms["basis"] == "flat_per_period" else sum(weights)
        total = round_money(raw)
        if terms["lo"] is not None:
            total = max(total, terms["lo"])
        if terms["hi"] is not None:
            total = min(total, terms["hi"])
        if sum(weights) == 0:
            weights = [Decimal(1)] * len(lines)
        for (_, _, has_hirer), amount in zip(
            lines, split_largest_remainder(total, weights), strict=True
        ):
            a, h, s = split_largest_remainder(amount, terms["funding"])
            if not has_hirer:
                a, h = a + h, Decimal("0.00")
            out[index] = (a, h, s)
            index += 1
    return out


def _sql(terms, member_lines):
    rows = []
    line_id = 0
    for person_id, lines in enumerate(member_lines, start=1):
        for gross, hrs, has_hirer in lines:
            line_id += 1
            rows.append((line_id, person_id, gross, hrs, 2 if has_hirer else None))
    fa, fh, fs = terms["funding"]
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS levy_input, levy_lines")
        cur.execute(
            "CREATE TEMP TABLE levy_input (line_id bigint, person_id bigint, "
            "gross_wages numeric(14,2), hours_worked numeric(8,2), hirer_id bigint)"
        )
        cur.executemany("INSERT INTO levy_input VALUES (%s, %s, %s, %s, %s)", rows)
        cur.execute(
            f"""
            CREATE TEMP TABLE levy_lines AS
            SELECT line_id, person_id, 1::bigint AS sector_id, 1::bigint AS organisation_id,
                   hirer_id, NULL::bigint AS site_id, ''::text AS cao_phase, basis, rate,
                   min_per_period, max_per_period, (fa * 100)::int AS fa,
                   (fh * 100)::int AS fh, (fs * 100)::int AS fs,
                   'due'::text AS status, {WEIGHT_EXPR} AS weight
            FROM levy_input CROSS JOIN (
                SELECT %(basis)s::text AS basis, %(rate)s::numeric(12,4) AS rate,
                       %(lo)s::numeric(14,2) AS min_per_period,
                       %(hi)s::numeric(14,2) AS max_per_period,
                       %(fa)s::numeric(5,2) AS fa, %(fh)s::numeric(5,2) AS fh,
                       %(fs)s::numeric(5,2) AS fs) terms
            """,
            {**terms, "fa": fa, "fh": fh, "fs": fs},
        )
        levy_amounts_compute(cur)
        cur.execute("SELECT line_id, agency_cents, hirer_cents, state_cents FROM levy_line_amounts")
        result = {
            line_id - 1: tuple(Decimal(c) / 100 for c in parts)
            for line_id, *parts in cur.fetchall()
        }
        cur.execute("DROP TABLE levy_input, levy_lines, levy_line_amounts")
    return result


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(terms=scheme(), member_lines=members)
def test_sql_split_agrees_with_levies_money(terms, member_lines):
    assert _sql(terms, member_lines) == _python(terms, member_lines)


def test_ties_go_to_the_earlier_line_and_the_earlier_payer():
    terms = {
        "basis": "flat_per_period",
        "rate": Decimal("0.05"),
        "lo": None,
        "hi": None,
        "funding": [Decimal(50), Decimal(0), Decimal(50)],
    }
    # 5 cents over two equal lines: 3 + 2; each line's odd cent to the agency.
    lines = [[(Decimal(100), Decimal(1), False), (Decimal(100), Decimal(1), False)]]

    assert _sql(terms, lines) == {
        0: (Decimal("0.02"), Decimal("0.00"), Decimal("0.01")),
        1: (Decimal("0.01"), Decimal("0.00"), Decimal("0.01")),
    }
    assert _sql(terms, lines) == _python(terms, lines)
