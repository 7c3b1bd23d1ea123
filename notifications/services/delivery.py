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

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from enrolment.models import Membership, Person
from enrolment.services.memberships import membership_window_ends_for, membership_window_start
from notifications.channels import PermanentDeliveryError, TemporaryDeliveryError
from notifications.channels.letter import letter_pdf, letter_store
from notifications.channels.mail import email_send
from notifications.channels.sms import sms_backend
from notifications.models import Notice
from notifications.quiet_hours import quiet_hours_end
from notifications.rendering import NoticeFacts, RenderedNotice, notice_render
from notifications.services.records import membership_subject_spell

logger = logging.getLogger(__name__)

N = Notice.Status
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
        logger.info("notice %s (%s) cancelled: no longer applies", notice_id, notice.kind)
        return DeliveryOutcome(N.CANCELLED)

    try:
        rendered = notice_render(
            kind=notice.kind, language=notice.person.language, facts=facts, today=today
        )
        final_status, provider_id, document = _send(notice, channel, rendered)
    except TemporaryDeliveryError as exc:
        return _temporary_failure(notice, exc.code, now)
    except PermanentDeliveryError as exc:
        return _failed(notice, exc.code)
    except Exception as exc:
        # A bug or a broken template: never retried blindly, never logged with its message
        # (it may quote the member's data). Staff see the code in the admin.
        logger.error("notice %s raised %s while sending", notice_id, type(exc).__name__)
        return _failed(notice, f"error_{type(exc).__name__}")

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
            # The opt-out window runs from the day the member was told about it.
            membership_window_start(membership_id=notice.membership_id, spell=spell, sent_on=today)
    logger.info("notice %s (%s) %s by %s", notice_id, notice.kind, final_status, channel)
    return DeliveryOutcome(final_status)


def notice_mark_queued(*, notice_id: int, at: dt.datetime) -> None:
    """Note that a delivery task is scheduled for ``at``, so the dispatcher leaves it alone."""
    Notice.objects.filter(pk=notice_id, status__in=PENDING).update(queued_at=at)


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
            first_name=first_name, window_ends=window_ends, **_welcome_access(membership, channel)
        )
    if notice.kind == K.WINDOW_CLOSING:
        if membership is None or membership.spell != spell or membership.status != S.ENROLLED:
            return None
        if membership.window_ends is None or membership.window_ends < today:
            return None
        return NoticeFacts(first_name=first_name, window_ends=membership.window_ends)
    if notice.kind == K.OPT_OUT:
        return NoticeFacts(
            first_name=first_name,
            void=bool(data.get("void")),
            ended_on=_date(data.get("ended_on")),
        )
    if notice.kind == K.OPT_IN:
        return NoticeFacts(first_name=first_name, covered_from=_date(data.get("covered_from")))
    raise ValueError(f"unknown notice kind {notice.kind!r}")


def _welcome_access(membership: Membership, channel: str) -> dict[str, str]:
    """How the welcome lets the member into the portal: its address (a 15-minute sign-in link
    would expire before most welcomes are read; there they ask for a fresh one), and in a
    letter also a new personal code, for members without phone or e-mail. Printing a letter
    again replaces the code, so only the newest letter's code works."""
    from enrolment.credentials import access_code_issue, portal_address

    access = {"access_link": portal_address()}
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


def _send(notice: Notice, channel: str, rendered: RenderedNotice) -> tuple[str, str, str]:
    """Hand the notice to its channel; return (status, provider id, document name)."""
    person = notice.person
    address = _recipient(notice)[1]
    if channel == Notice.Channel.SMS:
        return N.SENT, sms_backend().send(address, rendered.sms), ""
    if channel == Notice.Channel.EMAIL:
        provider_id = email_send(
            to=address,
            subject=rendered.subject,
            body=rendered.body,
            reference=str(notice.pk),
        )
        return N.SENT, provider_id, ""
    address = settings.UNIONROLL_UNION_ADDRESS.split("|")
    pdf = letter_pdf(
        sender=[settings.UNIONROLL_UNION_NAME, *address],
        recipient=f"{person.first_name} {person.last_name}",
        date_text=rendered.dated,
        title=rendered.subject,
        paragraphs=rendered.paragraphs,
        reference=f"{notice.kind} {notice.pk}",
    )
    return N.QUEUED_FOR_PRINT, "", letter_store(notice_id=notice.pk, pdf=pdf)


def notice_retry_at(*, attempts: int, now: dt.datetime) -> dt.datetime | None:
    """When to try again after a temporary failure of attempt number ``attempts``, or None once
    UNIONROLL_NOTICE_MAX_ATTEMPTS are used up: 60 s, 2 min, 4 min, 8 min, ... by default."""
    if attempts >= settings.UNIONROLL_NOTICE_MAX_ATTEMPTS:
        return None
    return now + dt.timedelta(seconds=settings.UNIONROLL_NOTICE_RETRY_SECONDS * 2 ** (attempts - 1))


def _temporary_failure(notice: Notice, code: str, now: dt.datetime) -> DeliveryOutcome:
    retry_at = notice_retry_at(attempts=notice.attempts, now=now)
    if retry_at is None:
        return _failed(notice, code)
    Notice.objects.filter(pk=notice.pk, status=N.SENDING).update(
        status=N.DEFERRED, last_error=code, not_before=retry_at, queued_at=None
    )
    logger.warning(
        "notice %s attempt %s failed (%s); retry at %s",
        notice.pk,
        notice.attempts,
        code,
        retry_at.isoformat(),
    )
    return DeliveryOutcome(N.DEFERRED, retry_at=retry_at)


def _failed(notice: Notice, code: str) -> DeliveryOutcome:
    Notice.objects.filter(pk=notice.pk, status=N.SENDING).update(status=N.FAILED, last_error=code)
    logger.warning("notice %s failed after %s attempts (%s)", notice.pk, notice.attempts, code)
    return DeliveryOutcome(N.FAILED)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
