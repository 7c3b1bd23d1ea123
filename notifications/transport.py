"""The one way out: every message the system sends passes through :func:`deliver`.

Member notices, access notices to organisations, payment reminders to payers and sign-in links
all hand a :class:`Message` to :func:`deliver`, which

- sends it by its channel's one ``send`` (SMS backend, e-mail, printed letter), each raising
  ``TemporaryDeliveryError`` (worth another try) or ``PermanentDeliveryError`` (never) with a
  stable code, never a provider's text;
- writes one :class:`~notifications.models.DeliveryAttempt` row per try, whatever was sent;
- applies the one retry policy (:func:`retry_at`): 60 s, 2 min, 4 min, ... by default, up to
  UNIONROLL_NOTICE_MAX_ATTEMPTS tries.

What is sent, and the claim that makes it go at most once, stay with the thing sent (a notice's
status, a reminder's status, a link's ``sent_at``). A try that failed for now is not scheduled as
a delayed task message: the periodic dispatcher (notifications.tasks.notices_dispatch_task) finds
it in the database when its time has come (docs/architecture.md, "One outbound pipeline").
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from notifications.channels import PermanentDeliveryError, TemporaryDeliveryError
from notifications.channels import letter as letter_channel
from notifications.channels import mail as mail_channel
from notifications.channels import sms as sms_channel
from notifications.models import DeliveryAttempt

logger = logging.getLogger(__name__)

SMS, EMAIL, LETTER = "sms", "email", "letter"


@dataclass(frozen=True)
class Message:
    """One message to one recipient. ``to`` is a phone number (E.164) for SMS, an address for
    e-mail and the addressee's name for a letter. ``reference`` ties a bounce or a printed page
    back to what was sent ("notice 12"), without personal data."""

    channel: str
    to: str
    reference: str
    subject: str = ""
    # The e-mail body, or the SMS text.
    body: str = ""
    # A letter: its date line, paragraphs and where it is kept ("letters/notice-12.pdf").
    dated: str = ""
    paragraphs: Sequence[str] = field(default_factory=tuple)
    document_name: str = ""
    # A letter's other parts, as keyword arguments of notifications.channels.letter.letter_pdf
    # (the member's postal address, the personal code and link, how to reach the union).
    letter: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    # sent | temporary | permanent
    result: str
    provider_id: str = ""
    # A letter's stored PDF (relative to MEDIA_ROOT).
    document: str = ""
    code: str = ""
    # After a temporary failure: when to try again, or None once the tries are used up.
    retry_at: dt.datetime | None = None

    @property
    def sent(self) -> bool:
        return self.result == "sent"


def retry_at(*, attempts: int, now: dt.datetime) -> dt.datetime | None:
    """When to try again after a temporary failure of attempt number ``attempts``, or None once
    UNIONROLL_NOTICE_MAX_ATTEMPTS are used up: 60 s, 2 min, 4 min, 8 min, ... by default."""
    if attempts >= settings.UNIONROLL_NOTICE_MAX_ATTEMPTS:
        return None
    return now + dt.timedelta(seconds=settings.UNIONROLL_NOTICE_RETRY_SECONDS * 2 ** (attempts - 1))


def send(message: Message) -> tuple[str, str]:
    """Hand the message to its channel; return (provider id, stored document name)."""
    if message.channel == SMS:
        return sms_channel.sms_backend().send(message.to, message.body), ""
    if message.channel == EMAIL:
        provider_id = mail_channel.email_send(
            to=message.to,
            subject=message.subject,
            body=message.body,
            reference=message.reference,
        )
        return provider_id, ""
    if message.channel == LETTER:
        address = settings.UNIONROLL_UNION_ADDRESS.split("|")
        pdf = letter_channel.letter_pdf(
            sender=[settings.UNIONROLL_UNION_NAME, *address],
            recipient=message.to,
            date_text=message.dated,
            title=message.subject,
            paragraphs=message.paragraphs,
            reference=message.reference,
            **message.letter,
        )
        return "", letter_channel.letter_store(name=message.document_name, pdf=pdf)
    raise PermanentDeliveryError(f"channel_unknown_{message.channel}")


def deliver(
    message: Message,
    *,
    item: str,
    item_id: int,
    attempt: int | None = None,
    now: dt.datetime | None = None,
    give_up_at: dt.datetime | None = None,
) -> Outcome:
    """Send ``message`` once for attempt number ``attempt`` of ``item`` ``item_id``; record the
    attempt; return what happened. Never raises for a failed send: a bug in a channel (any other
    exception) counts as a permanent failure, logged with its traceback.

    ``attempt``: the item's own count where it keeps one (a notice's ``attempts``); otherwise
    the next number after the attempts recorded for it. ``give_up_at``: a message that is
    useless after a moment (a sign-in link that expires) is not tried again after it.
    """
    now = now or timezone.now()
    if attempt is None:
        attempt = DeliveryAttempt.objects.filter(item=item, item_id=item_id).count() + 1
    try:
        provider_id, document = send(message)
    except TemporaryDeliveryError as exc:
        again = retry_at(attempts=attempt, now=now)
        if again is not None and give_up_at is not None and again >= give_up_at:
            again = None
        outcome = Outcome("temporary", code=exc.code, retry_at=again)
    except PermanentDeliveryError as exc:
        outcome = Outcome("permanent", code=exc.code)
    except Exception as exc:
        # A bug or a broken template: never retried blindly. The traceback is logged, the
        # exception's text is not (unionroll.logs): it may quote the recipient.
        logger.exception("%s %s: attempt %s raised", item, item_id, attempt)
        outcome = Outcome("permanent", code=f"error_{type(exc).__name__}"[:60])
    else:
        outcome = Outcome("sent", provider_id=(provider_id or "")[:100], document=document)
    if attempt > 1:
        # This try takes up any retry still waiting for the item.
        retry_drop(item=item, item_id=item_id)
    DeliveryAttempt.objects.create(
        item=item,
        item_id=item_id,
        attempt=attempt,
        channel=message.channel,
        result=outcome.result,
        code=outcome.code,
        at=now,
        retry_at=outcome.retry_at,
    )
    if not outcome.sent:
        logger.warning(
            "%s %s: attempt %s by %s %s (%s)%s",
            item,
            item_id,
            attempt,
            message.channel,
            outcome.result,
            outcome.code,
            f"; retry at {outcome.retry_at.isoformat()}" if outcome.retry_at else "",
        )
    return outcome


def retries_due(*, item: str, now: dt.datetime, batch: int = 500) -> list[int]:
    """Ids of ``item`` whose last try failed for now and whose retry time has come, earliest
    first. The caller's own claim (a conditional UPDATE) decides whether it is still to be
    sent; if not, it calls :func:`retry_drop`."""
    due = (
        DeliveryAttempt.objects.filter(item=item, retry_at__lte=now)
        .order_by("retry_at", "item_id")
        .values_list("item_id", flat=True)[:batch]
    )
    return list(dict.fromkeys(due))


def retry_drop(*, item: str, item_id: int) -> None:
    """The item is tried again, or no longer needs a retry (sent meanwhile, expired)."""
    DeliveryAttempt.objects.filter(item=item, item_id=item_id, retry_at__isnull=False).update(
        retry_at=None
    )
