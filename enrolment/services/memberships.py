"""Membership state changes. Each writes the membership and its event in one transaction."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import connection, transaction
from django.utils import timezone

from employers.models import User
from enrolment.credentials import welcome_links_extend
from enrolment.events import MembershipOptedIn, MembershipOptedOut, MembershipOptOutUndone
from enrolment.models import EnrolmentPolicy, Membership, MembershipEvent
from unionroll import events
from unionroll.exceptions import Conflict

S = Membership.Status

# Where an opt-out is possible from. A lapsed member may opt out too, so that a later roster
# never enrols them again.
OPT_OUT_FROM = (S.ENROLLED, S.ACTIVE, S.OPTED_IN, S.LAPSED)
OPT_IN_FROM = (S.OPTED_OUT,)

# A leave made in the portal after signing in with the letter's code alone (the code and the
# date of birth: someone who had the letter in hand, perhaps not the member) gets a receipt and
# can be undone by the member for this many days.
LEAVE_UNDO_DAYS = 14
SIGNED_IN_BY_CODE = "code"
# Receipts are read off a screen and said on the phone: no 0/O or 1/I.
_RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _locked(membership: Membership) -> Membership:
    return Membership.objects.select_for_update().get(pk=membership.pk)


def _event(
    membership: Membership,
    *,
    from_status: str | None,
    actor: str,
    reason: str,
    note: str = "",
    user: User | None = None,
    data: dict[str, Any] | None = None,
) -> MembershipEvent:
    return MembershipEvent.objects.create(
        membership=membership,
        from_status=from_status,
        to_status=membership.status,
        actor=actor,
        actor_user=user,
        reason=reason,
        note=note,
        data=data or {},
    )


def membership_inside_window(membership: Membership, *, today: dt.date) -> bool:
    """Whether an opt-out today would void the spell from the start (never a member): inside
    the window, or before it has started (a welcome letter not yet handed over)."""
    if membership.status != S.ENROLLED:
        return False
    if membership.window_waits_for_letter:
        return True
    return membership.window_ends is not None and today <= membership.window_ends


def membership_opt_out(
    *,
    membership: Membership,
    actor: str,
    reason: str,
    user: User | None = None,
    today: dt.date | None = None,
    signed_in_by: str = "",
) -> Membership:
    """Opt out. Inside the window the spell becomes void from the start; after it, it ends today.

    ``actor`` is a MembershipEvent.Actor value (member, admin). ``signed_in_by`` says how a
    member signed in to the portal ("link", "code"). A member's own leave gets a receipt number;
    one made after signing in by code can be undone (``membership_opt_out_undo``).
    Raises ApplicationError ``membership_not_active`` if the membership is already opted out
    (or merged).
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        m = _locked(membership)
        if m.status not in OPT_OUT_FROM:
            raise Conflict(
                "membership_not_active",
                "This membership has already ended; there is nothing to opt out of.",
                {"membership": m.pk, "status": m.status},
            )
        previous = m.status
        inside_window = membership_inside_window(m, today=today)
        m.status = S.OPTED_OUT
        m.opted_out_on = today
        m.void = inside_window
        m.ended_on = m.covered_from if inside_window else today
        m.save(update_fields=["status", "opted_out_on", "void", "ended_on", "updated_at"])
        _event(
            m,
            from_status=previous,
            actor=actor,
            reason="opt_out",
            note=reason,
            user=user,
            data={
                "void": inside_window,
                "ended_on": m.ended_on.isoformat(),
                "spell": m.spell,
                # A member's own leave gets a receipt number, shown on screen.
                **({"receipt": _receipt()} if actor == MembershipEvent.Actor.MEMBER else {}),
                **({"signed_in_by": signed_in_by} if signed_in_by else {}),
            },
        )
        # The member's confirmation (notifications listens), once this has committed.
        events.publish(
            MembershipOptedOut(
                membership_id=m.pk, spell=m.spell, void=inside_window, ended_on=m.ended_on
            )
        )
    membership.refresh_from_db()
    return membership


def _receipt() -> str:
    code = "".join(secrets.choice(_RECEIPT_ALPHABET) for _position in range(8))
    return f"L-{code[:4]}-{code[4:]}"


@dataclass(frozen=True)
class LeaveReceipt:
    """The member's own leave from the portal, as the confirmation shows it."""

    receipt: str
    left_at: dt.datetime
    void: bool
    ended_on: dt.date | None
    # Set when the leave can still be undone: the last day it can.
    undo_until: dt.date | None


def membership_leave_receipt(
    membership: Membership, *, today: dt.date | None = None
) -> LeaveReceipt | None:
    """The receipt of the membership's current leave, if the member left in the portal (and
    has not joined again or undone it since); None otherwise."""
    return _current_leave(membership, today=today or timezone.localdate())[1]


def _current_leave(
    membership: Membership, *, today: dt.date
) -> tuple[MembershipEvent | None, LeaveReceipt | None]:
    """The event of the membership's current leave and its receipt (None, None without one)."""
    if membership.status != S.OPTED_OUT:
        return None, None
    event = _last_leave(membership)
    if event is None or not event.data.get("receipt"):
        return None, None
    undo_until = None
    if event.data.get("signed_in_by") == SIGNED_IN_BY_CODE:
        left_on = membership.opted_out_on or timezone.localdate(event.occurred_at)
        last_day = left_on + dt.timedelta(days=LEAVE_UNDO_DAYS)
        undo_until = last_day if today <= last_day else None
    receipt = LeaveReceipt(
        receipt=event.data["receipt"],
        left_at=event.occurred_at,
        void=bool(event.data.get("void")),
        ended_on=membership.ended_on,
        undo_until=undo_until,
    )
    return event, receipt


def _last_leave(membership: Membership) -> MembershipEvent | None:
    # The event that put the membership in its current opted-out state: the newest event.
    event = (
        MembershipEvent.objects.filter(membership_id=membership.pk)
        .order_by("-occurred_at", "-id")
        .first()
    )
    if event is None or event.reason != "opt_out" or event.to_status != S.OPTED_OUT:
        return None
    return event


def membership_opt_out_undo(
    *, membership: Membership, receipt: str, today: dt.date | None = None
) -> Membership:
    """Undo a leave made after signing in by code alone, within LEAVE_UNDO_DAYS: the membership
    is back as it was before, in the same spell (not a new start: a leave inside the window
    that is undone was never a leave). Raises Conflict ``leave_not_undoable`` when the
    membership is not in that leave any more, the receipt is another's, or the days are over.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        m = _locked(membership)
        event, leave = _current_leave(m, today=today)
        if event is None or leave is None or leave.undo_until is None or leave.receipt != receipt:
            raise Conflict(
                "leave_not_undoable",
                "This leave cannot be undone (any more).",
                {"membership": m.pk, "status": m.status},
            )
        m.status = event.from_status or S.ENROLLED
        m.void = False
        m.ended_on = None
        m.opted_out_on = None
        m.save(update_fields=["status", "void", "ended_on", "opted_out_on", "updated_at"])
        _event(
            m,
            from_status=S.OPTED_OUT,
            actor=MembershipEvent.Actor.MEMBER,
            reason="opt_out_undone",
            note="portal",
            data={"receipt": receipt, "spell": m.spell},
        )
        events.publish(MembershipOptOutUndone(membership_id=m.pk, spell=m.spell))
    membership.refresh_from_db()
    return membership


def membership_opt_in(
    *,
    membership: Membership,
    actor: str,
    reason: str,
    user: User | None = None,
    today: dt.date | None = None,
) -> Membership:
    """Explicit return after an opt-out: status ``opted_in``, no new window, counts from today."""
    today = today or timezone.localdate()
    with transaction.atomic():
        m = _locked(membership)
        if m.status not in OPT_IN_FROM:
            raise Conflict(
                "membership_not_opted_out",
                "This person is a member already; there is nothing to opt back in to.",
                {"membership": m.pk, "status": m.status},
            )
        previous = m.status
        m.status = S.OPTED_IN
        m.window_waits_for_letter = False
        m.spell += 1
        m.covered_from = today
        m.enrolled_on = today
        m.window_ends = None
        m.void = False
        m.ended_on = None
        m.opted_out_on = None
        m.save()
        _event(
            m,
            from_status=previous,
            actor=actor,
            reason="opt_in",
            note=reason,
            user=user,
            data={"spell": m.spell},
        )
        events.publish(
            MembershipOptedIn(membership_id=m.pk, spell=m.spell, covered_from=m.covered_from)
        )
    membership.refresh_from_db()
    return membership


def membership_window_ends_for(*, membership: Membership, sent_on: dt.date) -> dt.date:
    """The end of the opt-out window if the welcome notice goes out on ``sent_on``.

    Month arithmetic as PostgreSQL's (31 January + 1 month = 28/29 February), as in the ingest.
    Never earlier than the window already set: a window is lengthened, never shortened.
    """
    months = (
        EnrolmentPolicy.objects.filter(sector_id=membership.sector_id)
        .values_list("opt_out_window_months", flat=True)
        .first()
    )
    window_ends = sent_on + relativedelta(months=1 if months is None else months)
    if membership.window_ends and membership.window_ends > window_ends:
        return membership.window_ends
    return window_ends


def membership_window_start(
    *, membership_id: int, spell: int, sent_on: dt.date
) -> Membership | None:
    """Start the opt-out window on the day the welcome notice was sent.

    The roster set a provisional end counted from the enrolment; the window runs from when the
    member was told. Only while the membership is still ``enrolled`` in the same spell: after an
    opt-out or a re-enrolment this welcome no longer decides anything. Returns the membership if
    it is in that state, else None; writes an event only when the date moves.
    """
    with transaction.atomic():
        m = Membership.objects.select_for_update().filter(pk=membership_id).first()
        if m is None or m.status != S.ENROLLED or m.spell != spell:
            return None
        window_ends = membership_window_ends_for(membership=m, sent_on=sent_on)
        if window_ends == m.window_ends and not m.window_waits_for_letter:
            return m
        previous = m.window_ends
        m.window_ends = window_ends
        m.window_waits_for_letter = False
        m.save(update_fields=["window_ends", "window_waits_for_letter", "updated_at"])
        # The welcome's personal link works until the window closes: it moves with it.
        welcome_links_extend(membership_id=m.pk, valid_until=window_ends)
        _event(
            m,
            from_status=S.ENROLLED,
            actor=MembershipEvent.Actor.SYSTEM,
            reason="window_started",
            data={
                "sent_on": sent_on.isoformat(),
                "window_ends": window_ends.isoformat(),
                "previous_window_ends": previous.isoformat() if previous else None,
            },
        )
    return m


def membership_window_hold(*, membership_id: int, spell: int) -> bool:
    """The welcome went to print as a letter: until the union hands it over or posts it (then
    ``membership_window_start``), the member has not been told, so the window does not run out
    (``memberships_advance`` leaves it enrolled) and leaving is as if never a member. Only while
    the membership is ``enrolled`` in that spell; returns whether it was held."""
    with transaction.atomic():
        held = Membership.objects.filter(
            pk=membership_id, status=S.ENROLLED, spell=spell, window_waits_for_letter=False
        ).update(window_waits_for_letter=True, updated_at=timezone.now())
        if held:
            m = Membership.objects.get(pk=membership_id)
            _event(
                m,
                from_status=S.ENROLLED,
                actor=MembershipEvent.Actor.SYSTEM,
                reason="window_waits_for_letter",
            )
    return bool(held)


def memberships_advance(*, today: dt.date | None = None) -> dict[str, int]:
    """Daily: close windows (enrolled -> active), opted_in -> active, lapse the absent.

    Each step is one conditional UPDATE whose RETURNING rows get their events in the same
    statement, so a membership that changed state meanwhile (an opt-out) is left alone.
    """
    today = today or timezone.localdate()
    steps = {
        "windows_closed": (
            "status = 'enrolled' AND window_ends < %(today)s AND NOT window_waits_for_letter",
            "active",
            "window_closed",
        ),
        "opt_ins_activated": ("status = 'opted_in'", "active", "opt_in_confirmed"),
        "lapsed": (
            """status IN ('enrolled', 'active', 'opted_in')
               AND last_seen_period_end
                   + make_interval(weeks => coalesce(pol.lapse_weeks, 13)) < %(today)s""",
            "lapsed",
            "no_recent_payroll",
        ),
    }
    done: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cur:
        for name, (condition, to_status, reason) in steps.items():
            cur.execute(
                f"""
                WITH changed AS (
                    SELECT m.id, m.status FROM enrolment_membership m
                    LEFT JOIN enrolment_enrolmentpolicy pol ON pol.sector_id = m.sector_id
                    WHERE {condition}
                    FOR UPDATE OF m
                ), upd AS (
                    UPDATE enrolment_membership m SET status = %(to)s, updated_at = now()
                    FROM changed c WHERE m.id = c.id
                    RETURNING m.id, c.status AS from_status
                )
                INSERT INTO enrolment_membershipevent
                    (membership_id, from_status, to_status, occurred_at, actor, reason, note,
                     data)
                SELECT id, from_status, %(to)s, now(), 'system', %(reason)s, '', '{{}}'::jsonb
                FROM upd
                """,
                {"today": today, "to": to_status, "reason": reason},
            )
            done[name] = cur.rowcount
    return done
