"""Sending the one-time code that proves a new phone number or e-mail address is the member's
(enrolment.events.ContactChangeCodeRequested).

The change, its code and its checks stay with enrolment (enrolment/services/member_details.py);
only the sending is here, through the one outbound pipeline (notifications.transport). The code
goes to the NEW contact, never to the one in force, and the message holds nothing but the
union's name and the code: whoever holds that number or address may not be the member.

A send that failed is not retried by the dispatcher: the code lives 15 minutes and the page the
member is looking at offers "Send a new code", which issues a fresh one.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from enrolment.models import ContactChange
from enrolment.services.member_details import contact_change_sendable
from notifications import transport
from unionroll.i18n import notice_language

logger = logging.getLogger(__name__)

ITEM = "contact_code"


def contact_code_send(*, change_id: int, code: str, now: dt.datetime | None = None) -> str:
    """Send the code to the change's new phone (SMS) or address (e-mail), in the member's
    language: "sent", "failed", or "skipped" when the change is gone, confirmed, void, has a
    newer code, or was sent already."""
    now = now or timezone.now()
    change = contact_change_sendable(change_id=change_id, code=code, now=now)
    if change is None:
        return "skipped"
    # A redelivered task message must not send a second message: only the task whose UPDATE
    # claims the change sends it.
    if not ContactChange.objects.filter(pk=change.pk, sent_at__isnull=True).update(sent_at=now):
        return "skipped"
    message = _message(change, language=change.person.language, code=code)
    outcome = transport.deliver(
        message,
        item=ITEM,
        item_id=change.pk,
        now=now,
        # No retry from the dispatcher: the member asks for a new code on the page instead.
        give_up_at=now,
    )
    if not outcome.sent:
        return "failed"
    logger.info("contact change %s: code sent by %s", change.pk, message.channel)
    return "sent"


def _message(change: ContactChange, *, language: str, code: str) -> transport.Message:
    reference = f"contact-change-{change.pk}"
    with translation.override(notice_language(language)):
        union = settings.UNIONROLL_UNION_NAME
        if change.field == ContactChange.Field.PHONE:
            text = _(
                "Your code for %(union)s: %(code)s. It works for 15 minutes. "
                "Did you not ask for it? Then ignore this message."
            ) % {"union": union, "code": code}
            return transport.Message(
                transport.SMS, to=change.new_value, reference=reference, body=text
            )
        body = "\n\n".join(
            [
                _("Your code for %(union)s: %(code)s. It works for 15 minutes.")
                % {"union": union, "code": code},
                _("Did you not ask for it? Then ignore this e-mail."),
                union,
            ]
        )
        return transport.Message(
            transport.EMAIL,
            to=change.new_value,
            reference=reference,
            subject=_("Your code for %(union)s") % {"union": union},
            body=body + "\n",
        )
