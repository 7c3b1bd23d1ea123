"""Printed letters: what goes on them besides the notice's text, and how they reach members.

A member with neither phone nor e-mail is written to on paper (notifications.services.delivery
prints the letter: status ``queued_for_print``). The union prints it and hands it over itself,
at a workplace visit or at its own or a public information point, or posts it to an address the
member gave the union (``Person.postal_address``). A letter never passes through an employer:
the agency knows the member's date of birth, so with the letter's code it could sign in as them.

``letters_hand_over`` records that a letter reached the member, once. For a welcome letter the
opt-out window starts then, not when it was printed: the member cannot leave in time what they
have not heard of.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from employers.models import User
from enrolment.models import Person
from enrolment.services.memberships import membership_window_start
from notifications.models import Notice, WorkplaceVisit
from notifications.rendering import NoticeFacts
from notifications.services.records import membership_subject_spell
from unionroll.exceptions import Conflict, Invalid, NotFound
from unionroll.i18n import notice_language

logger = logging.getLogger(__name__)

HandOver = Notice.HandOver

# On every letter, the same for every member whatever their language: whoever helps them read
# it (a colleague, a neighbour, someone at an information point) knows what it is.
HELPER_LINE = (
    "Brief van de vakbond {union} aan een van haar leden, in de eigen taal van het lid. "
    "Vragen? Bel {phone}. / Letter from the union {union} to one of its members, in the "
    "member's own language. Questions? Call {phone}."
)


# --- What a letter carries besides the notice's text --------------------------------------------


def letter_parts(*, person: Person, facts: NoticeFacts, language: str) -> dict[str, Any]:
    """The parts of a member's letter other than its text, as keyword arguments of
    ``notifications.channels.letter.letter_pdf``: the postal address the member gave the union
    (never an employer's), the personal code and link (a box with a QR code), how to reach the
    union, and the Dutch/English line for a helper. Labels are in the member's language."""
    address = [line for line in (person.postal_address or "").splitlines() if line.strip()]
    with translation.override(notice_language(language)):
        hours = settings.UNIONROLL_UNION_HOURS.strip() or gettext("Monday to Friday, 9:00 to 17:00")
        # The union's address heads the letter (transport.send puts it there).
        contact = [
            (gettext("Phone"), settings.UNIONROLL_UNION_PHONE),
            (gettext("E-mail address"), settings.UNIONROLL_UNION_EMAIL),
            (gettext("When a representative is available"), hours),
        ]
        return {
            "address": address,
            "helper_line": HELPER_LINE.format(
                union=settings.UNIONROLL_UNION_NAME, phone=settings.UNIONROLL_UNION_PHONE
            ),
            "access_code": facts.access_code,
            "access_link": facts.access_link,
            "qr_caption": gettext("Scan the square with the camera of your phone.")
            if facts.access_link
            else "",
            "contact_heading": gettext("Contact the union"),
            "contact": contact,
        }


# --- Handing letters over ------------------------------------------------------------------------


@dataclass(frozen=True)
class LettersHandedOver:
    # Recorded now.
    handed_over: list[int]
    # Handed over before: left as they were.
    already: list[int]
    # The day the letters reached the members (a welcome's window runs from it).
    on: dt.date


def letters_hand_over(
    *,
    notice_ids: Iterable[int],
    how: str,
    by: User,
    visit: WorkplaceVisit | None = None,
    on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> LettersHandedOver:
    """Record that the printed letters ``notice_ids`` reached their members ``how``: at a
    workplace visit (``visit``, on its day), at an information point, or by post (``on``: the
    day, today unless given).

    Once per letter: one handed over before is left as it was and reported in ``already``.
    For a welcome letter, the member's opt-out window starts on that day (lengthened, never
    shortened). Refuses, changing nothing: a notice that is not a printed letter, a day in the
    future or before the letter was printed, a cancelled visit or one not yet begun, and "by
    post" for a member who gave the union no postal address.
    """
    now = now or timezone.now()
    ids = sorted({int(pk) for pk in notice_ids})
    if how not in HandOver.values:
        raise Invalid("letter_handover_unknown", "Say how the letters were handed over.")
    at, on = _handover_moment(how=how, visit=visit, on=on, now=now)
    if not ids:
        return LettersHandedOver(handed_over=[], already=[], on=on)

    with transaction.atomic():
        letters = list(
            Notice.objects.select_for_update(of=("self",))
            .select_related("person")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        _letters_check(ids=ids, letters=letters, how=how, on=on)
        waiting = [n for n in letters if n.handed_over_at is None]
        Notice.objects.filter(
            pk__in=[n.pk for n in waiting],
            channel=Notice.Channel.LETTER,
            status=Notice.Status.QUEUED_FOR_PRINT,
            handed_over_at__isnull=True,
        ).update(
            handed_over_at=at,
            handed_over_how=how,
            handed_over_by=by,
            handed_over_visit=visit if how == HandOver.VISIT else None,
        )
        for notice in waiting:
            spell = membership_subject_spell(notice.subject)
            if notice.kind == Notice.Kind.WELCOME and notice.membership_id and spell is not None:
                # The member hears of the window now: it runs from today (never shortened).
                membership_window_start(membership_id=notice.membership_id, spell=spell, sent_on=on)
    handed = [n.pk for n in waiting]
    logger.info(
        "%s letter(s) handed over (%s%s) by user %s; %s already were",
        len(handed),
        how,
        f", visit {visit.pk}" if visit is not None and how == HandOver.VISIT else "",
        by.pk,
        len(letters) - len(handed),
    )
    return LettersHandedOver(
        handed_over=handed, already=[n.pk for n in letters if n.pk not in handed], on=on
    )


def _handover_moment(
    *, how: str, visit: WorkplaceVisit | None, on: dt.date | None, now: dt.datetime
) -> tuple[dt.datetime, dt.date]:
    """When the letters reached the members: during the visit, or on the day given (now if
    that is today)."""
    today = timezone.localdate(now)
    if how == HandOver.VISIT:
        if visit is None:
            raise Invalid("letter_handover_visit_missing", "Say at which visit.")
        if visit.status == WorkplaceVisit.Status.CANCELLED:
            raise Conflict("visit_cancelled", "This visit was cancelled.", {"visit": visit.pk})
        if visit.starts_at > now:
            raise Conflict(
                "visit_not_begun",
                "This visit has not begun yet: letters are handed over at it once it has.",
                {"visit": visit.pk},
            )
        at = min(now, visit.ends_at)
        return at, timezone.localdate(at)
    if visit is not None:
        raise Invalid(
            "letter_handover_visit_unexpected", "A visit goes only with handing over at a visit."
        )
    on = on or today
    if on > today:
        raise Invalid("letter_handover_in_future", "A letter cannot be handed over in the future.")
    if on == today:
        return now, on
    # An earlier day: its middle, in Dutch time, so that the date stays that day anywhere.
    return timezone.make_aware(dt.datetime.combine(on, dt.time(12, 0))), on


def _letters_check(*, ids: list[int], letters: list[Notice], how: str, on: dt.date) -> None:
    """Refuse the whole request, before anything changes, if one of the letters cannot be
    recorded as asked. Messages and details carry ids only."""
    found = {n.pk for n in letters}
    unknown = [pk for pk in ids if pk not in found]
    if unknown:
        raise NotFound("letter_not_found", "Some of these letters do not exist.", {"ids": unknown})
    not_letters = [
        n.pk
        for n in letters
        if n.channel != Notice.Channel.LETTER or n.status != Notice.Status.QUEUED_FOR_PRINT
    ]
    if not_letters:
        raise Conflict(
            "not_a_printed_letter",
            f"Not printed letters, so there is nothing to hand over: {_ids(not_letters)}.",
            {"ids": not_letters},
        )
    waiting = [n for n in letters if n.handed_over_at is None]
    too_early = [n.pk for n in waiting if n.sent_at and timezone.localdate(n.sent_at) > on]
    if too_early:
        raise Invalid(
            "letter_handover_before_print",
            f"These letters were printed after that day: {_ids(too_early)}.",
            {"ids": too_early},
        )
    if how == HandOver.POST:
        no_address = [n.pk for n in waiting if not (n.person.postal_address or "").strip()]
        if no_address:
            raise Invalid(
                "letter_no_postal_address",
                "These members gave the union no postal address, so their letters cannot have "
                f"been posted: {_ids(no_address)}. Hand them over in person, or add the "
                "address the member gives on their person page first.",
                {"ids": no_address},
            )


def _ids(ids: list[int]) -> str:
    shown = ", ".join(f"#{pk}" for pk in ids[:20])
    return shown + (f" and {len(ids) - 20} more" if len(ids) > 20 else "")
