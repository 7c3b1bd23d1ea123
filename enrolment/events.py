"""Facts enrolment publishes (unionroll.events); the apps above subscribe to them.

Each is published inside the transaction that made it true and reaches subscribers after that
transaction commits. They carry ids and plain values; ``ContactDetailsReplaced`` and
``SignInLinkRequested`` carry a contact detail or a token in memory, for one subscriber, and
are never logged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class RosterApplied:
    """A roster upload was applied: the workers it enrolled are members now, and its payroll
    lines (CAO phases, sites) are the newest the union knows."""

    upload_id: int


@dataclass(frozen=True)
class MembershipOptedOut:
    """A member left. ``void``: inside the opt-out window, as if they had never been a member;
    otherwise the membership ended on ``ended_on``."""

    membership_id: int
    spell: int
    void: bool
    ended_on: dt.date | None


@dataclass(frozen=True)
class MembershipOptOutUndone:
    """A member undid their leave (one made after signing in by the letter's code): the
    membership is back as before, in the same spell."""

    membership_id: int
    spell: int


@dataclass(frozen=True)
class MembershipOptedIn:
    """A member who had left joined again, covered from ``covered_from``."""

    membership_id: int
    spell: int
    covered_from: dt.date


@dataclass(frozen=True)
class ContactDetailsReplaced:
    """A member replaced their phone number or e-mail address in the portal; ``previous`` is the
    one replaced (it is told, in case the change was not the member's)."""

    person_id: int
    field: str
    previous: str


@dataclass(frozen=True)
class SignInLinkRequested:
    """A sign-in link was issued and is to be sent. The token exists only here and in the
    message that carries it: the database keeps its hash."""

    link_id: int
    token: str

    def __repr__(self) -> str:
        return f"SignInLinkRequested(link_id={self.link_id}, token='***')"
