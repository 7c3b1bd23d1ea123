from __future__ import annotations

import datetime as dt

from employers.models import User
from enrolment.models import Membership


def membership_opt_out(
    *,
    membership: Membership,
    actor: str,
    reason: str,
    user: User | None = None,
    today: dt.date | None = None,
) -> Membership:
    """Opt out. Inside the window the spell becomes void from the start; after it, it ends today.

    ``actor`` is a MembershipEvent.Actor value (member, admin). Raises ApplicationError
    ``membership_not_active`` if the membership is already opted out (or merged).
    """
    raise NotImplementedError


def membership_opt_in(
    *,
    membership: Membership,
    actor: str,
    reason: str,
    user: User | None = None,
    today: dt.date | None = None,
) -> Membership:
    """Explicit return after an opt-out (or lapse): status ``opted_in``, no new window."""
    raise NotImplementedError


def memberships_advance(*, today: dt.date | None = None) -> dict[str, int]:
    """Daily: close windows (enrolled -> active), opted_in -> active, lapse the absent."""
    raise NotImplementedError
