from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import time_machine

from tests.notifications.fakes import fake_twilio

# A Friday morning in November, Dutch time 11:00: outside the quiet hours.
DAYTIME = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _outbox_in_tmp(settings, tmp_path):
    settings.UNIONROLL_SMS_BACKEND = "notifications.channels.sms.FileSmsBackend"
    settings.UNIONROLL_SMS_FILE_PATH = tmp_path / "outbox" / "sms"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def daytime():
    with time_machine.travel(DAYTIME, tick=False) as traveller:
        yield traveller


@pytest.fixture
def sms_outbox(settings):
    """The messages the file backend wrote, oldest first."""

    def read() -> list[dict]:
        directory = Path(settings.UNIONROLL_SMS_FILE_PATH)
        if not directory.exists():
            return []
        records = [json.loads(p.read_text()) for p in directory.glob("*.json")]
        return sorted(records, key=lambda r: r["at"])

    return read


@pytest.fixture
def twilio(settings, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with fake_twilio() as fake:
        settings.UNIONROLL_SMS_BACKEND = "notifications.channels.sms.TwilioSmsBackend"
        settings.TWILIO_API_BASE = fake.base_url
        settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
        settings.TWILIO_AUTH_TOKEN = "test-token"
        yield fake
