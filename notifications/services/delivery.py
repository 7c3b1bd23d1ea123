"""Delivering one notice, at most once, and handing due notices to delivery tasks.

The claim is one conditional UPDATE (due/deferred -> sending): of two tasks for the same notice
(a redelivered message, the dispatcher and a retry), only the one whose UPDATE changed the row
sends. Nothing holds a transaction open while a provider is called.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from enrolment.models import Membership, Person
from enrolment.services.memberships import (
    membership_window_ends_for,
    membership_window_hold,
    membership_window_start,
)
from notifications import transport
from notifications.models import Notice
from notifications.quiet_hours import quiet_hours_end
from notifications.rendering import NoticeFacts, RenderedNotice, notice_render
from notifications.services.letters import letter_parts
from notifications.services.records import membership_subject_spell

logger = logging.getLogger(__name__)

N = Notice.Status
N_LETTER = Notice.Channel.LETTER
PENDING = (N.DUE, N.DEFERRED)
# A queued task that has not claimed its notice after this long is assumed lost (a broker
# restart) and the dispatcher queues another; the claim keeps the two from both sending.
STALE_QUEUE = dt.timedelta(hours=1)
# Ids per dispatcher transaction: a few milliseconds of row locks, and the task messages for
# one batch are sent after it commits.
DISPATCH_BATCH = 1000


@dataclass(frozen=True)
class DeliveryOutcome:
    # sent, queued_for_print, deferred, failed, cancelled, or skipped (someone else has it)
    status: str
    retry_at: dt.datetime | None = None


def notice_channel(person: Person) -> str:
    """SMS if there is a phone, else e-mail if there is an address, else a printed letter."""
    if person.phone:
        return Notice.Channel.SMS
    if person.email:
        return Notice.Channel.EMAIL
    return Notice.Channel.LETTER


def notice_deliver(*, notice_id: int, now: dt.datetime | None = None) -> DeliveryOutcome:
    """Send one notice by the member's channel, in their language, unless it is quiet time."""
    now = now or timezone.now()
    resume_at = quiet_hours_end(now)
    if resume_at is not None:
        # Not an attempt: nothing was tried. queued_at is cleared so that the dispatcher picks
        # the notice up at 08:00 if no task was scheduled for then (eager mode, a lost message).
        deferred = Notice.objects.filter(pk=notice_id, status__in=PENDING).update(
            status=N.DEFERRED, not_before=resume_at, queued_at=None
        )
        if not deferred:
            return DeliveryOutcome("skipped")
        logger.info("notice %s deferred to the end of quiet hours", notice_id)
        return DeliveryOutcome(N.DEFERRED, retry_at=resume_at)

    notice = Notice.objects.filter(pk=notice_id).select_related("person", "membership").first()
    if notice is None or notice.status not in PENDING:
        return DeliveryOutcome("skipped")
    channel = _recipient(notice)[0]
    claimed = Notice.objects.filter(pk=notice_id, status__in=PENDING).update(
        status=N.SENDING, channel=channel, attempts=F("attempts") + 1
    )
    if not claimed:
        return DeliveryOutcome("skipped")
    notice.refresh_from_db(fields=["attempts", "status", "channel"])

    today = timezone.localdate(now)
    spell = membership_subject_spell(notice.subject)
    facts = _facts(notice, spell=spell, today=today, channel=channel)
    if facts is None:
        Notice.objects.filter(pk=notice_id, status=N.SENDING).update(status=N.CANCELLED)
        transport.retry_drop(item="notice", item_id=notice_id)
        logger.info("notice %s (%s) cancelled: no longer applies", notice_id, notice.kind)
        return DeliveryOutcome(N.CANCELLED)

    try:
        rendered = notice_render(
            kind=notice.kind, language=notice.person.language, facts=facts, today=today
        )
    except Exception as exc:
        # A broken template: never retried blindly. Logged with its traceback, not its text
        # (it may quote the member's data); staff see the code in the admin.
        logger.exception("notice %s could not be rendered", notice_id)
        return _failed(notice, f"error_{type(exc).__name__}")
    outcome = transport.deliver(
        _message(notice, channel, rendered, facts),
        item="notice",
        item_id=notice.pk,
        attempt=notice.attempts,
        now=now,
    )
    if outcome.result == "temporary" and outcome.retry_at is not None:
        return _deferred(notice, outcome.code, outcome.retry_at)
    if not outcome.sent:
        return _failed(notice, outcome.code)
    final_status = N.QUEUED_FOR_PRINT if channel == Notice.Channel.LETTER else N.SENT
    provider_id, document = outcome.provider_id, outcome.document

    with transaction.atomic():
        Notice.objects.filter(pk=notice_id, status=N.SENDING).update(
            status=final_status,
            sent_at=now,
            provider_id=provider_id[:100],
            document=document,
            last_error="",
            not_before=None,
        )
        if notice.kind == Notice.Kind.WELCOME and spell is not None:
            if channel != N_LETTER:
                # The opt-out window runs from the day the member was told about it.
                membership_window_start(
                    membership_id=notice.membership_id, spell=spell, sent_on=today
                )
            else:
                # A letter tells them only when the union hands it over or posts it: the window
                # starts then (notifications.services.letters.letters_hand_over), and until
                # then it does not run out.
                membership_window_hold(membership_id=notice.membership_id, spell=spell)
    logger.info("notice %s (%s) %s by %s", notice_id, notice.kind, final_status, channel)
    return DeliveryOutcome(final_status)


def notices_dispatch_batch(
    *, now: dt.datetime | None = None, batch: int = DISPATCH_BATCH
) -> list[int]:
    """Take up to ``batch`` notices that are due and not queued, mark them queued, return ids.

    Nothing is taken during quiet hours: the tasks would only defer themselves. SKIP LOCKED lets
    two dispatchers run side by side without waiting for or repeating each other.
    """
    now = now or timezone.now()
    if quiet_hours_end(now) is not None:
        return []
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            """
            UPDATE notifications_notice SET queued_at = %(now)s
            WHERE id IN (
                SELECT id FROM notifications_notice
                WHERE status IN ('due', 'deferred')
                  AND (not_before IS NULL OR not_before <= %(now)s)
                  AND (queued_at IS NULL OR queued_at <= %(stale)s)
                ORDER BY id
                LIMIT %(batch)s
                FOR UPDATE SKIP LOCKED
            )
            RETURNING id
            """,
            {"now": now, "stale": now - STALE_QUEUE, "batch": batch},
        )
        return sorted(row[0] for row in cur.fetchall())


# Facts for notice kinds defined outside this module (visits, rights): kind -> function of
# (notice, today) returning the facts, or None when the notice no longer applies.
FactsFunction = Callable[[Notice, dt.date], NoticeFacts | None]
FACTS_BY_KIND: dict[str, FactsFunction] = {}


def notice_facts_register(kind: str, function: FactsFunction) -> None:
    FACTS_BY_KIND[kind] = function


def _facts(
    notice: Notice, *, spell: int | None, today: dt.date, channel: str
) -> NoticeFacts | None:
    """What the notice says now, or None if it no longer applies (it is then cancelled)."""
    if notice.kind in FACTS_BY_KIND:
        return FACTS_BY_KIND[notice.kind](notice, today)
    first_name = notice.person.first_name
    membership: Membership | None = notice.membership
    data = notice.data or {}
    K, S = Notice.Kind, Membership.Status
    if notice.kind == K.WELCOME:
        if membership is None or membership.spell != spell:
            return None
        if membership.status in (S.OPTED_OUT, S.MERGED):
            # They left before hearing from us; the opt-out confirmation says what counts.
            return None
        window_ends = None
        if membership.status == S.ENROLLED:
            window_ends = membership_window_ends_for(membership=membership, sent_on=today)
        return NoticeFacts(
            first_name=first_name,
            window_ends=window_ends,
            **_welcome_access(membership, channel, window_ends),
        )
    if notice.kind == K.WINDOW_CLOSING:
        if membership is None or membership.spell != spell or membership.status != S.ENROLLED:
            return None
        if membership.window_ends is None or membership.window_ends < today:
            return None
        return NoticeFacts(first_name=first_name, window_ends=membership.window_ends)
    if notice.kind == K.OPT_OUT:
        if (
            membership is not None
            and membership.spell == spell
            and membership.status != S.OPTED_OUT
        ):
            # The leave was undone (same spell, member again) before this went out: it would
            # tell something untrue. (Joining again starts a new spell: the confirmation of
            # the leave still says what was true then.)
            return None
        return NoticeFacts(
            first_name=first_name,
            void=bool(data.get("void")),
            ended_on=_date(data.get("ended_on")),
        )
    if notice.kind == K.OPT_IN:
        return NoticeFacts(first_name=first_name, covered_from=_date(data.get("covered_from")))
    raise ValueError(f"unknown notice kind {notice.kind!r}")


def _welcome_access(
    membership: Membership, channel: str, window_ends: dt.date | None
) -> dict[str, Any]:
    """How the welcome lets the member into the portal: a personal sign-in link, single use,
    valid until the opt-out window closes (in a letter, as a QR code), so that leaving or
    staying is a few taps from the message; without a window (the member is past it), the
    portal's address, where a fresh link is one step away. A letter also carries a new
    personal code, for members without phone or e-mail. Sending or printing the welcome again
    replaces the link and the code, so only the newest ones work."""
    from enrolment.credentials import access_code_issue, portal_address, welcome_link_issue

    if window_ends is not None:
        link = welcome_link_issue(
            membership_id=membership.pk, channel=channel, valid_until=window_ends
        )
    else:
        link = portal_address()
    access: dict[str, Any] = {
        "access_link": link,
        "extra": {"access_link_personal": window_ends is not None},
    }
    if channel == Notice.Channel.LETTER:
        access["access_code"] = access_code_issue(membership_id=membership.pk)
    return access


def _recipient(notice: Notice) -> tuple[str, str | None]:
    """The channel and address: the member's own, unless the notice names another (a "your
    contact details were changed" notice goes to the number or address that was replaced)."""
    data = notice.data or {}
    if data.get("to_phone"):
        return Notice.Channel.SMS, data["to_phone"]
    if data.get("to_email"):
        return Notice.Channel.EMAIL, data["to_email"]
    channel = notice_channel(notice.person)
    address = {Notice.Channel.SMS: notice.person.phone, Notice.Channel.EMAIL: notice.person.email}
    return channel, address.get(channel)


def _message(
    notice: Notice, channel: str, rendered: RenderedNotice, facts: NoticeFacts
) -> transport.Message:
    """The notice as a message for its channel: the SMS text, the e-mail, or the letter. A
    letter is addressed to the member's name and the postal address they gave the union, if
    any: nothing of an employer's (it is handed over or posted by the union)."""
    reference = str(notice.pk)
    if channel == Notice.Channel.SMS:
        return transport.Message(
            channel, to=_recipient(notice)[1] or "", reference=reference, body=rendered.sms
        )
    if channel == Notice.Channel.EMAIL:
        return transport.Message(
            channel,
            to=_recipient(notice)[1] or "",
            reference=reference,
            subject=rendered.subject,
            body=rendered.body,
        )
    person = notice.person
    return transport.Message(
        channel,
        to=f"{person.first_name} {person.last_name}",
        reference=f"{notice.kind} {notice.pk}",
        subject=rendered.subject,
        dated=rendered.dated,
        paragraphs=rendered.paragraphs,
        document_name=f"letters/notice-{notice.pk}.pdf",
        letter=letter_parts(person=person, facts=facts, language=rendered.language),
    )


def _deferred(notice: Notice, code: str, retry_at: dt.datetime) -> DeliveryOutcome:
    """Failed for now: the dispatcher picks it up again at ``retry_at``."""
    Notice.objects.filter(pk=notice.pk, status=N.SENDING).update(
        status=N.DEFERRED, last_error=code, not_before=retry_at, queued_at=None
    )
    return DeliveryOutcome(N.DEFERRED, retry_at=retry_at)


def _failed(notice: Notice, code: str) -> DeliveryOutcome:
    Notice.objects.filter(pk=notice.pk, status=N.SENDING).update(status=N.FAILED, last_error=code)
    logger.warning("notice %s failed after %s attempts (%s)", notice.pk, notice.attempts, code)
    return DeliveryOutcome(N.FAILED)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
