"""Money is exact: ``Decimal`` euros, two places, rounded in one place, split without losing a cent.

One rule for the whole system: to the cent, half away from zero. Every amount an app stores,
reads from a roster or prints passes through :func:`round_money` (or :func:`money_text` for the
JSON summaries); SQL that rounds uses PostgreSQL's ``round(numeric)``, which rounds half away from
zero too, and tests/test_money.py pins that the two agree. Every split of an amount over payers or
over payroll lines goes through :func:`split_largest_remainder`, so the parts always add up to
the whole (docs/levies.md, "Rounding: one rule").
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def round_money(amount: Decimal | int | str) -> Decimal:
    """Round to the cent, half away from zero (the way invoices and bank statements round)."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def money_text(amount: Decimal | int | str) -> str:
    """The amount rounded to the cent as plain text ("12.50"), for JSON summaries."""
    return str(round_money(amount))


def split_largest_remainder(total: Decimal, weights: Sequence[Decimal | int]) -> list[Decimal]:
    """Split ``total`` (a whole number of cents) in proportion to ``weights``, to the cent.

    Each part first gets its share rounded toward zero; the cents left over go one each to the
    parts with the largest remainders (ties to the earlier part), so the parts sum exactly to
    ``total``. Works for negative totals (credits) by splitting the magnitude.
    All-zero weights give all-zero parts (and require a zero total).
    """
    total = Decimal(total)
    if total != round_money(total):
        raise ValueError("total must be a whole number of cents")
    weights = [Decimal(w) for w in weights]
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights, Decimal(0))
    if weight_sum == 0:
        if total != 0:
            raise ValueError("cannot split a non-zero total over zero weights")
        return [ZERO for _ in weights]
    sign = -1 if total < 0 else 1
    cents = int(abs(total) / CENT)
    exact = [Decimal(cents) * w / weight_sum for w in weights]
    floors = [int(e.to_integral_value(rounding=ROUND_DOWN)) for e in exact]
    left = cents - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [(Decimal(sign * c) * CENT).quantize(CENT) for c in floors]
