"""Sending sign-in links: the member asked for one (enrolment.events.SignInLinkRequested).

Issuing a link, its token and its checks stay with the member's credentials
(enrolment.credentials); only the sending is here, through the one outbound pipeline
(notifications.transport). A link lives UNIONROLL_SIGNIN_LINK_MINUTES: a send that failed for
now is tried again by the dispatcher within that time, with a fresh token (the first one was
never stored and never reached anyone), and not after it.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from enrolment.credentials import (
    CHANNEL_SMS,
    signin_link_reissue,
    signin_link_sendable,
    signin_link_url,
)
from enrolment.models import SignInLink
from notifications import transport
from unionroll.i18n import notice_language

logger = logging.getLogger(__name__)

ITEM = "signin_link"


def signin_link_send(*, link_id: int, token: str, now: dt.datetime | None = None) -> str:
    """Send the link by its channel, in the member's language: "sent", "deferred" (failed for
    now; the dispatcher tries again while the link lives), "failed", or "skipped" when the link
    is gone, used, expired, already sent, or the contact has been removed since."""
    now = now or timezone.now()
    link = signin_link_sendable(link_id=link_id, token=token, now=now)
    if link is None:
        return "skipped"
    person = link.membership.person
    to = person.phone if link.channel == CHANNEL_SMS else person.email
    if not to:
        return "skipped"
    # A redelivered task message must not send a second message: only the task whose UPDATE
    # claims the link sends it.
    if not SignInLink.objects.filter(pk=link.pk, sent_at__isnull=True).update(sent_at=now):
        return "skipped"
    outcome = transport.deliver(
        _message(link, to=to, first_name=person.first_name, language=person.language, token=token),
        item=ITEM,
        item_id=link.pk,
        now=now,
        give_up_at=link.expires_at,
    )
    if not outcome.sent:
        # Unclaimed again, so that the dispatcher's retry (if there is one) can send it.
        SignInLink.objects.filter(pk=link.pk).update(sent_at=None)
        return "deferred" if outcome.retry_at else "failed"
    logger.info("sign-in link %s sent by %s", link.pk, link.channel)
    return "sent"


def signin_links_retry(*, now: dt.datetime | None = None) -> int:
    """The dispatcher's pick-up: links whose send failed for now and whose retry time has come,
    each sent with a fresh token. Returns how many were tried."""
    now = now or timezone.now()
    tried = 0
    for link_id in transport.retries_due(item=ITEM, now=now):
        token = signin_link_reissue(link_id=link_id, now=now)
        if token is None:
            # Sent, used or expired meanwhile: nothing left to retry.
            transport.retry_drop(item=ITEM, item_id=link_id)
            continue
        if signin_link_send(link_id=link_id, token=token, now=now) == "skipped":
            transport.retry_drop(item=ITEM, item_id=link_id)
        tried += 1
    return tried


def _message(
    link: SignInLink, *, to: str, first_name: str, language: str, token: str
) -> transport.Message:
    # The token after "#" (enrolment.credentials.signin_link_url): never in a server's log.
    url = signin_link_url(token, language=language)
    with translation.override(notice_language(language)):
        until = timezone.localtime(link.expires_at).strftime("%H:%M")
        union = settings.UNIONROLL_UNION_NAME
        if link.channel == CHANNEL_SMS:
            text = _(
                "%(union)s: your sign-in link. It works once, until %(until)s: %(url)s "
                "Did you not ask for it? Then ignore this message."
            ) % {"union": union, "until": until, "url": url}
            return transport.Message(transport.SMS, to=to, reference=f"signin-{link.pk}", body=text)
        body = "\n\n".join(
            [
                _("Hello %(name)s,") % {"name": first_name},
                _("Open this link to sign in to your membership page:"),
                url,
                _("The link works once, until %(until)s.") % {"until": until},
                _("Did you not ask for it? Then ignore this e-mail."),
                union,
            ]
        )
        return transport.Message(
            transport.EMAIL,
            to=to,
            reference=f"signin-{link.pk}",
            subject=_("Your sign-in link"),
            body=body + "\n",
        )
