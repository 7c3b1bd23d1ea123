"""SMS: a small backend interface, a file backend for development and tests, and Twilio.

A backend has one method, ``send(to, text) -> provider message id``, and raises
``TemporarySmsError`` (try again later) or ``PermanentSmsError`` (never) with a stable code.
UNIONROLL_SMS_BACKEND names the class.
"""

from __future__ import annotations

import json
import uuid
from functools import cache
from pathlib import Path
from typing import Protocol

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from notifications.channels import PermanentDeliveryError, TemporaryDeliveryError


class TemporarySmsError(TemporaryDeliveryError):
    pass


class PermanentSmsError(PermanentDeliveryError):
    pass


class SmsBackend(Protocol):
    def send(self, to: str, text: str) -> str: ...


def sms_backend() -> SmsBackend:
    return _backend_class(settings.UNIONROLL_SMS_BACKEND)()


@cache
def _backend_class(path: str) -> type[SmsBackend]:
    return import_string(path)


class FileSmsBackend:
    """Writes each message as a JSON file under UNIONROLL_SMS_FILE_PATH: the development outbox."""

    def send(self, to: str, text: str) -> str:
        directory = Path(settings.UNIONROLL_SMS_FILE_PATH)
        directory.mkdir(parents=True, exist_ok=True)
        message_id = f"file-{uuid.uuid4().hex}"
        record = {"id": message_id, "to": to, "text": text, "at": timezone.now().isoformat()}
        (directory / f"{message_id}.json").write_text(
            json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        return message_id


class TwilioSmsBackend:
    """Twilio's Messages API (POST /2010-04-01/Accounts/{sid}/Messages.json).

    5xx, 429 and network errors are temporary; any other 4xx (an invalid or blocked number) is
    permanent. Twilio's numeric error code is kept ("twilio_21211"): it says what went wrong
    without repeating the number.
    """

    def send(self, to: str, text: str) -> str:
        sid = settings.TWILIO_ACCOUNT_SID
        base = settings.TWILIO_API_BASE.rstrip("/")
        try:
            response = requests.post(
                f"{base}/2010-04-01/Accounts/{sid}/Messages.json",
                data={"To": to, "From": settings.UNIONROLL_SMS_SENDER, "Body": text},
                auth=(sid, settings.TWILIO_AUTH_TOKEN),
                timeout=settings.UNIONROLL_SMS_TIMEOUT,
            )
        except requests.RequestException as exc:
            raise TemporarySmsError(f"sms_{type(exc).__name__}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise TemporarySmsError(f"sms_http_{response.status_code}")
        if response.status_code >= 400:
            raise PermanentSmsError(_twilio_code(response))
        try:
            return str(response.json()["sid"])
        except (ValueError, KeyError, TypeError):
            # Accepted (2xx) but without a readable id: the message is on its way all the same.
            return ""


def _twilio_code(response: requests.Response) -> str:
    try:
        code = response.json().get("code")
    except (ValueError, AttributeError):
        code = None
    if isinstance(code, int):
        return f"twilio_{code}"
    return f"sms_http_{response.status_code}"
