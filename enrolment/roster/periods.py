"""The period rule: a roster covers one pay period, one that has been worked and is not too long.

The file's period is the period of its first row with a readable one. A row for another period
is an error of its own; a refused file period (in the future, too long, not over yet) is
reported once, at its first row, and makes every row for it invalid. Each row's period also
bounds its hours: a week has 168.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from enrolment.roster.columns import dates
from enrolment.roster.columns.base import Refused
from enrolment.roster.columns.numbers import shown
from enrolment.roster.issues import IssueLog

# (start, end, hours in the period, whether the row's period is the file's accepted one)
When = tuple[dt.date | None, dt.date | None, int | None, bool]

_PERIOD_ORDER = "The period ends before it starts."
_MEMO_SIZE = 1_000


class PeriodRules:
    """The period rule for one roster; ``period`` is the file's, once a row has fixed it."""

    def __init__(
        self, *, log: IssueLog, today: dt.date, max_period_days: int, allow_open_periods: bool
    ) -> None:
        self.period: tuple[dt.date, dt.date] | None = None
        self._log = log
        self._today = today
        self._max_period_days = max_period_days
        self._allow_open_periods = allow_open_periods
        self._refused = False
        # (raw start, raw end) -> the accepted file period's When, however it is written.
        self._accepted: dict[tuple[Any, Any], When] = {}

    def checker(self, ix: dict[str, int]) -> Callable[[int, list[Any]], When]:
        """The per-row check: nearly every row is for the file's period, a memo hit."""
        i_start, i_end = ix["period_start"], ix["period_end"]
        accepted, check = self._accepted, self._check

        def when(row: int, values: list[Any]) -> When:
            key = (values[i_start], values[i_end])
            return accepted.get(key) or check(row, key)

        return when

    def _check(self, row: int, key: tuple[Any, Any]) -> When:
        raw_start, raw_end = key
        start = self._date(row, "period_start", raw_start, "period start")
        end = self._date(row, "period_end", raw_end, "period end")
        if start is None or end is None:
            return start, end, None, False
        if end < start:
            self._log.fail(row, "period_end", shown(raw_end), "period_order", _PERIOD_ORDER)
            return start, end, None, False
        hours = ((end - start).days + 1) * 24
        if self.period is None:
            self.period = (start, end)
            self._refused = self._refuse(row, start, end, raw_start, raw_end)
        elif self.period != (start, end):
            self._log.fail(
                row,
                "period_start",
                shown(raw_start),
                "multiple_periods",
                self._other_period(start, end),
            )
            return start, end, hours, False
        found = (start, end, hours, not self._refused)
        if not self._refused and len(self._accepted) < _MEMO_SIZE:
            self._accepted[key] = found
        return found

    def _date(self, row: int, field: str, raw: Any, label: str) -> dt.date | None:
        try:
            return dates.date(raw, label)
        except Refused as refused:
            return self._log.refuse(row, field, refused) or None

    def _refuse(self, row: int, start: dt.date, end: dt.date, raw_start: Any, raw_end: Any) -> bool:
        """Whether the file's period is refused (the error recorded): a roster is for a pay
        period that has been worked, and a pay period is a week, four weeks or a month."""
        fail = self._log.fail
        if start > self._today:
            fail(
                row,
                "period_start",
                shown(raw_start),
                "period_in_future",
                f"The period starts on {start:%d-%m-%Y}, which is in the future. Send a roster "
                "for a pay period that has been worked.",
            )
            return True
        days = (end - start).days + 1
        if days > self._max_period_days:
            fail(
                row,
                "period_end",
                shown(raw_end),
                "period_too_long",
                f"The period from {start:%d-%m-%Y} to {end:%d-%m-%Y} is {days} days; a pay "
                f"period may be at most {self._max_period_days} days. Send each pay period in a "
                "file of its own.",
            )
            return True
        if end >= self._today and not self._allow_open_periods:
            fail(
                row,
                "period_end",
                shown(raw_end),
                "period_not_ended",
                f"The period ends on {end:%d-%m-%Y}, so it is not over yet. Send the roster once "
                "the pay period has ended.",
            )
            return True
        return False

    def _other_period(self, start: dt.date, end: dt.date) -> str:
        first_start, first_end = self.period  # type: ignore[misc]
        return (
            f"This row is for the period {start:%d-%m-%Y} to {end:%d-%m-%Y}, but the file is for "
            f"{first_start:%d-%m-%Y} to {first_end:%d-%m-%Y} (its first row). A roster covers "
            "one pay period: send each period in a file of its own."
        )
