"""Euros to cents and back: the one place where money leaves ``Decimal`` euros.

Stripe counts EUR in cents (integers). Nothing is rounded here: an amount that is not a whole
number of cents is a bug upstream (everything we bill went through ``round_money``), so it is
refused rather than quietly rounded into a different amount than the invoice says.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from unionroll.exceptions import Invalid

# Stripe's ceiling for one EUR charge is eight digits of cents (€ 999.999,99). An invoice above
# it cannot be collected through Stripe and must be paid by bank transfer.
STRIPE_MAX_AMOUNT = Decimal("999999.99")
# Far beyond any amount we bill; the bound keeps a malformed value from costing time to check.
_MAX_DIGITS = 18


def amount_to_cents(amount: Decimal) -> int:
    """``Decimal("1234.56")`` → ``123456``; refuses floats, NaN/infinity and fractions of a cent."""
    if not isinstance(amount, Decimal):
        # A float has already lost the exact amount; an int hides a missing conversion.
        raise Invalid(
            "stripe_amount_invalid",
            "An amount for Stripe must be a Decimal in euros.",
            {"type": type(amount).__name__},
        )
    if not amount.is_finite():
        raise Invalid("stripe_amount_invalid", "An amount for Stripe must be a finite number.")
    if amount and amount.adjusted() > _MAX_DIGITS:
        raise Invalid(
            "stripe_amount_invalid",
            "An amount for Stripe is far too large.",
            {"amount": str(amount)},
        )
    # Exact arithmetic: Decimal multiplication would round to the context's 28 digits.
    cents = Fraction(amount) * 100
    if cents.denominator != 1:
        raise Invalid(
            "stripe_amount_invalid",
            "An amount for Stripe must be a whole number of cents.",
            {"amount": str(amount)},
        )
    return cents.numerator


def cents_to_amount(cents: int) -> Decimal:
    """``123456`` → ``Decimal("1234.56")`` (always two places)."""
    # bool is an int subclass; True cents is a bug, not one cent.
    if not isinstance(cents, int) or isinstance(cents, bool):
        raise Invalid(
            "stripe_amount_invalid",
            "A Stripe amount must be a whole number of cents.",
            {"type": type(cents).__name__},
        )
    # Built from the digits, so no context precision can round a large amount.
    sign, digits, exponent = Decimal(cents).as_tuple()
    return Decimal((sign, digits, exponent - 2))
