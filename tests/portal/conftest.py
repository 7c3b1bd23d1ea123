"""Fixtures shared by the portal's tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture
def sms_outbox(settings):
    """Reads the development SMS outbox (UNIONROLL_SMS_FILE_PATH, which each test module points
    at its own directory): the messages sent so far, oldest first."""

    def read() -> list[dict]:
        directory = Path(settings.UNIONROLL_SMS_FILE_PATH)
        if not directory.exists():
            return []
        return sorted(
            (json.loads(p.read_text()) for p in directory.glob("*.json")), key=lambda r: r["at"]
        )

    return read
