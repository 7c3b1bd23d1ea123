"""Date columns: the period's start and end, and the date of birth.

A CSV value is text and is read by ``fields.parse_date``; an XLSX cell that held a date arrives
as a ``datetime.date`` already and is taken as it is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from enrolment.roster.columns.base import Refused, missing
from enrolment.roster.fields import NO_SUCH_DATE, FieldError, parse_date

INVALID_DATE = "invalid_date"
OLDEST_AGE_YEARS = 120

_DOB_FUTURE = "The date of birth lies in the future."
_DOB_TOO_OLD = f"The date of birth is more than {OLDEST_AGE_YEARS} years ago."


def date(value: Any, label: str, *, personal: bool = False) -> dt.date:
    """A required date. ``personal`` keeps the value out of the refusal (a date of birth)."""
    if value.__class__ is not str:
        return value  # already a date (XLSX)
    text = value.strip()
    if not text:
        raise missing(label)
    try:
        return parse_date(text)
    except FieldError as exc:
        if exc.reason == NO_SUCH_DATE:
            message = f"The {label} is not a real date: check the day and the month."
        else:
            message = (
                f"The {label} is not a date that can be read. Write dates as 2026-03-31, "
                "31-03-2026 or 31/03/2026."
            )
        raise Refused(INVALID_DATE, message, None if personal else text) from None


def date_of_birth(value: Any, today: dt.date) -> dt.date:
    """A date of birth: a date, not after ``today`` and at most 120 years before it. Never
    shown back."""
    born = date(value, "date of birth", personal=True)
    if born > today:
        raise Refused(INVALID_DATE, _DOB_FUTURE)
    if born.year < today.year - OLDEST_AGE_YEARS:
        raise Refused(INVALID_DATE, _DOB_TOO_OLD)
    return born
