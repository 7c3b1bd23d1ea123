"""Number columns: hours worked and amounts of money (gross wages, housing deduction).

A CSV value is text and is read by ``fields.parse_decimal`` (the separators payroll exports use,
at most two decimals); an XLSX cell that held a number arrives as a Decimal already, rounded to
cents (``enrolment.roster.cells``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from enrolment.roster.columns.base import Refused, missing
from enrolment.roster.fields import TOO_MANY_DECIMALS, FieldError, is_ambiguous_thousands
from enrolment.roster.fields import parse_decimal as _parse_decimal

INVALID_NUMBER = "invalid_number"
HOURS_OUT_OF_RANGE = "hours_out_of_range"
MAX_HOURS = Decimal("999999.99")
MAX_MONEY = Decimal("999999999999.99")

_HOURS_LABEL = "hours worked"
_HOURS_NEGATIVE = "Hours worked cannot be negative."


def shown(value: Any) -> str:
    """A cell's value as a refusal shows it."""
    return value.strip() if value.__class__ is str else str(value)


def number(value: Any, label: str, *, required: bool, hours: bool = False) -> Decimal | None:
    """A number with at most two decimals; None for an empty value in an optional column.

    ``hours`` says the column counts hours, which a refusal explains in its own words.
    """
    if value.__class__ is not str:
        return value  # already a Decimal (XLSX), rounded to cents
    text = value.strip()
    if not text:
        if required:
            raise missing(label)
        return None
    try:
        return _parse_decimal(text)
    except FieldError as exc:
        if exc.reason != TOO_MANY_DECIMALS:
            message = (
                f"'{text}' is not a number. Write the {label} like 1234,56 or 1.234,56 "
                "(or 1234.56, 1,234.56)."
            )
        elif hours:
            message = (
                f"'{text}' has more than two decimals. Write hours with at most two "
                "decimals, for example 38,25 or 38.25."
            )
        else:
            message = (
                f"'{text}' has more than two decimals. Write the {label} in euros and "
                "cents, for example 1234,56 or 1234.56."
            )
        raise Refused(INVALID_NUMBER, message, text) from None


def hours_worked(value: Any, period_hours: int | None) -> Decimal:
    """Hours worked: required, not negative, and no more than the ``period_hours`` the pay
    period has (when the period is known) or than the table can hold."""
    hours = number(value, _HOURS_LABEL, required=True, hours=True)
    return check_hours(value, hours, period_hours)


def check_hours(value: Any, hours: Decimal, period_hours: int | None) -> Decimal:
    """The range check of ``hours_worked`` on hours already read from ``value``."""
    if hours < 0:
        raise Refused(HOURS_OUT_OF_RANGE, _HOURS_NEGATIVE, shown(value))
    if (period_hours is not None and hours > period_hours) or hours > MAX_HOURS:
        raise Refused(HOURS_OUT_OF_RANGE, _hours_too_many(value, hours, period_hours), shown(value))
    return hours


def money(value: Any, label: str, *, required: bool) -> Decimal | None:
    """An amount in euros: not negative, and no larger than the tables can hold; None for an
    empty value in an optional column."""
    amount = number(value, label, required=required)
    if amount is None:
        return None
    if amount < 0:
        raise Refused("negative_amount", f"The {label} cannot be negative.", shown(value))
    if amount > MAX_MONEY:
        raise Refused(
            INVALID_NUMBER, f"The {label} is too large to be an amount in euros.", shown(value)
        )
    return amount


def _hours_too_many(value: Any, hours: Decimal, period_hours: int | None) -> str:
    if period_hours is None:
        message = "This is more hours than can be recorded."
    else:
        message = f"{hours} hours is more than the {period_hours} hours in the whole period."
    if value.__class__ is str and is_ambiguous_thousands(value):
        message += (
            " A dot or comma followed by three digits is read as a thousands separator; "
            "write 38,50 for 38 and a half hours."
        )
    return message
