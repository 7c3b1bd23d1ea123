"""What the levies models share: every amount of money is a decimal of 14 digits, 2 of them
after the point (euros and cents, the largest levy run included)."""

from __future__ import annotations

MONEY = {"max_digits": 14, "decimal_places": 2}
