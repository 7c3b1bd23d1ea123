"""E-mail through Django's mail framework: whatever EMAIL_BACKEND says (files, SMTP, anymail)."""

from __future__ import annotations

import smtplib
from email.utils import make_msgid

from django.core.mail import EmailMessage

from notifications.channels import PermanentDeliveryError, TemporaryDeliveryError


def email_send(*, to: str, subject: str, body: str, reference: str) -> str:
    """Send one plain-text e-mail; return the provider's id, or else its Message-ID.

    ``reference`` (the notice id) goes into the Message-ID, so a bounce can be traced back to
    its notice without any personal data.
    """
    message = EmailMessage(subject=subject, body=body, from_email=None, to=[to])
    message_id = make_msgid(idstring=f"notice-{reference}", domain="unionroll.invalid")
    message.extra_headers["Message-ID"] = message_id
    try:
        sent = message.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentDeliveryError("email_refused") from exc
    except (smtplib.SMTPException, OSError) as exc:
        # Connection refused, timeouts, 4xx from the server: the next attempt may succeed.
        raise TemporaryDeliveryError(f"email_{type(exc).__name__}") from exc
    except Exception as exc:
        # anymail: AnymailRecipientsRefused means the provider will never take this address;
        # its other errors (API down, rate limit) are worth another try.
        name = type(exc).__name__
        if name == "AnymailRecipientsRefused":
            raise PermanentDeliveryError("email_refused") from exc
        if name.startswith("Anymail"):
            raise TemporaryDeliveryError(f"email_{name}") from exc
        raise
    if not sent:
        raise TemporaryDeliveryError("email_not_sent")
    # anymail reports the provider's id on the message; other backends have none.
    status = getattr(message, "anymail_status", None)
    return str(getattr(status, "message_id", None) or message_id)
