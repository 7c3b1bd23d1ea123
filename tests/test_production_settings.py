"""DJANGO_ENV=production refuses to start half-configured, and says which variable is missing;
fully configured, ``manage.py check --deploy`` is clean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from unionroll.deployment import production_problems

ROOT = Path(__file__).resolve().parents[1]

COMPLETE = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "k" * 20 + "Zq8-x_3vT9pLmN2rS7wY4bC6dE1fG5hJ0kQ" + "u" * 10,
    "DJANGO_ALLOWED_HOSTS": "leden.bond.example",
    "DATABASE_URL": "postgresql://unionroll@127.0.0.1:5432/unionroll",
    "UNIONROLL_PORTAL_BASE_URL": "https://leden.bond.example",
    "UNIONROLL_SMS_BACKEND": "notifications.channels.sms.TwilioSmsBackend",
    "TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef",
    "TWILIO_AUTH_TOKEN": "token",
    "EMAIL_HOST": "smtp.bond.example",
    "EMAIL_USE_TLS": "1",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
}


def _without(name: str) -> dict[str, str]:
    return {key: value for key, value in COMPLETE.items() if key != name}


def test_a_complete_production_environment_has_no_problem():
    assert production_problems(COMPLETE) == []


@pytest.mark.parametrize(
    ("changed", "named"),
    [
        (_without("UNIONROLL_PORTAL_BASE_URL"), "UNIONROLL_PORTAL_BASE_URL"),
        (
            {**COMPLETE, "UNIONROLL_PORTAL_BASE_URL": "http://127.0.0.1:8000"},
            "UNIONROLL_PORTAL_BASE_URL",
        ),
        (
            {**COMPLETE, "UNIONROLL_PORTAL_BASE_URL": "http://leden.bond.example"},
            "UNIONROLL_PORTAL_BASE_URL",
        ),
        (_without("UNIONROLL_SMS_BACKEND"), "UNIONROLL_SMS_BACKEND"),
        (
            {**COMPLETE, "UNIONROLL_SMS_BACKEND": "notifications.channels.sms.FileSmsBackend"},
            "UNIONROLL_SMS_BACKEND",
        ),
        (_without("TWILIO_AUTH_TOKEN"), "TWILIO_AUTH_TOKEN"),
        (
            {**COMPLETE, "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend"},
            "EMAIL_BACKEND",
        ),
        (_without("EMAIL_HOST"), "EMAIL_HOST"),
        (_without("EMAIL_USE_TLS"), "EMAIL_USE_TLS"),
        (_without("CELERY_BROKER_URL"), "CELERY_BROKER_URL"),
        ({**COMPLETE, "CELERY_BROKER_URL": "memory://localhost/"}, "CELERY_BROKER_URL"),
        (_without("REDIS_URL"), "REDIS_URL"),
    ],
)
def test_each_missing_or_development_setting_is_named(changed, named):
    [problem] = production_problems(changed)

    assert problem.startswith(named)


def test_ssl_instead_of_tls_and_a_mail_provider_are_accepted():
    with_ssl = {**_without("EMAIL_USE_TLS"), "EMAIL_USE_SSL": "1"}
    provider = {
        **_without("EMAIL_HOST"),
        "EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend",
    }

    assert production_problems(with_ssl) == production_problems(provider) == []


def test_several_missing_settings_are_all_named_at_once():
    env = {k: v for k, v in COMPLETE.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}

    problems = production_problems(env)

    assert [p.split()[0] for p in problems] == ["CELERY_BROKER_URL", "REDIS_URL"]


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ["PATH"], "HOME": str(ROOT)}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_production_start_without_the_sms_provider_refuses_and_says_why():
    started = _manage(_without("UNIONROLL_SMS_BACKEND"), "check")

    assert started.returncode != 0
    assert "DJANGO_ENV=production cannot start" in started.stderr
    assert "UNIONROLL_SMS_BACKEND must name a real SMS provider" in started.stderr


def test_fully_configured_production_passes_check_deploy():
    checked = _manage(COMPLETE, "check", "--deploy", "--fail-level", "WARNING")

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "System check identified no issues" in checked.stdout
