"""One rounding rule for the whole system (unionroll.money): to the cent, half away from zero,
in Python and in the SQL that rounds (PostgreSQL's round(numeric))."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from unionroll.money import money_text, round_money, split_largest_remainder

D = Decimal
HALVES = ["0.005", "0.015", "0.025", "2.675", "-0.005", "-0.015", "-2.675", "1234567.125"]


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [
        ("0.005", "0.01"),
        ("0.015", "0.02"),  # half-even would give 0.02 here too...
        ("0.025", "0.03"),  # ...but 0.02 here: the rule is half away from zero
        ("2.675", "2.68"),
        ("-0.005", "-0.01"),
        ("-2.675", "-2.68"),
        ("12.344", "12.34"),
        (7, "7.00"),
    ],
)
def test_round_money_rounds_half_away_from_zero(amount, rounded):
    assert round_money(amount) == D(rounded)
    assert money_text(amount) == rounded


@pytest.mark.django_db
def test_sql_round_follows_the_same_rule():
    with connection.cursor() as cur:
        cur.execute("SELECT round(x::numeric, 2)::text FROM unnest(%s::text[]) AS x", [HALVES])
        from_sql = [D(row[0]) for row in cur.fetchall()]
    assert from_sql == [round_money(h) for h in HALVES]


def test_a_split_adds_up_to_the_whole_and_is_never_rounded_twice():
    assert split_largest_remainder(D("10.00"), [1, 1, 1]) == [D("3.34"), D("3.33"), D("3.33")]
    assert split_largest_remainder(D("-0.05"), [1, 1]) == [D("-0.03"), D("-0.02")]
    with pytest.raises(ValueError):
        split_largest_remainder(D("0.005"), [1])
