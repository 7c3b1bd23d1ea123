"""No notice reaches a member between 21:00 and 08:00 Dutch time; it waits until 08:00."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

DUTCH_TIME = ZoneInfo("Europe/Amsterdam")
QUIET_FROM = dt.time(21, 0)
QUIET_UNTIL = dt.time(8, 0)


def quiet_hours_end(now: dt.datetime) -> dt.datetime | None:
    """The moment the quiet hours that ``now`` falls in end, or None outside them.

    Worked out on the Dutch wall clock, so it stays 08:00 across the change to and from summer
    time (08:00 always exists: the clocks change at 02:00/03:00).
    """
    local = now.astimezone(DUTCH_TIME)
    if local.time() >= QUIET_FROM:
        day = local.date() + dt.timedelta(days=1)
    elif local.time() < QUIET_UNTIL:
        day = local.date()
    else:
        return None
    return dt.datetime.combine(day, QUIET_UNTIL, tzinfo=DUTCH_TIME)
