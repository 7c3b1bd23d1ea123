"""What a production process needs before it may start.

With ``DJANGO_ENV=production`` the settings refuse to load when any of these is missing or
still a development default, and say which variables, all at once: a half-configured start
would send members sign-in links to 127.0.0.1, write their SMS to files nobody reads, or run
tasks inside web requests with rate limits counted per process.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

SMTP = "django.core.mail.backends.smtp.EmailBackend"
TWILIO = "notifications.channels.sms.TwilioSmsBackend"
# Django's mail backends that deliver nothing.
_MAIL_NOWHERE = ("filebased", "console", "locmem", "dummy")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}  # noqa: S104 (a name, not a bind)


def _on(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _set(env: Mapping[str, str], name: str) -> str:
    return (env.get(name) or "").strip()


def production_problems(env: Mapping[str, str]) -> list[str]:
    """Each setting a production start lacks, as a sentence naming the variable; [] if none."""
    problems: list[str] = []

    base = _set(env, "UNIONROLL_PORTAL_BASE_URL")
    host = urlsplit(base).hostname or ""
    if not base:
        problems.append(
            "UNIONROLL_PORTAL_BASE_URL must be set: the portal's public https:// address, "
            "which every sign-in link in an SMS, e-mail or letter starts with."
        )
    elif urlsplit(base).scheme != "https" or host in _LOCAL_HOSTS or not host:
        problems.append(
            "UNIONROLL_PORTAL_BASE_URL must be the portal's public https:// address, "
            "not a local or plain-http one."
        )

    sms = _set(env, "UNIONROLL_SMS_BACKEND")
    if not sms or sms.endswith("FileSmsBackend"):
        problems.append(
            f"UNIONROLL_SMS_BACKEND must name a real SMS provider ({TWILIO}), not files."
        )
    elif sms == TWILIO:
        problems += [
            f"{name} must be set for Twilio."
            for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")
            if not _set(env, name)
        ]

    mail = _set(env, "EMAIL_BACKEND") or SMTP
    if any(f".{kind}." in mail for kind in _MAIL_NOWHERE):
        problems.append(
            "EMAIL_BACKEND must send mail (SMTP, or a provider through django-anymail), "
            "not write it to files or the console."
        )
    elif mail == SMTP:
        if not _set(env, "EMAIL_HOST"):
            problems.append("EMAIL_HOST must be set: the SMTP server that sends the notices.")
        if not (_on(env.get("EMAIL_USE_TLS")) or _on(env.get("EMAIL_USE_SSL"))):
            problems.append(
                "EMAIL_USE_TLS (or EMAIL_USE_SSL) must be on: e-mails carry sign-in links."
            )

    broker = _set(env, "CELERY_BROKER_URL")
    if not broker or broker.startswith("memory://"):
        problems.append(
            "CELERY_BROKER_URL must be set: in production tasks run in workers, never inside "
            "a web request."
        )
    if not _set(env, "REDIS_URL"):
        problems.append(
            "REDIS_URL must be set: the shared cache that every web process counts the "
            "sign-in limits in."
        )
    return problems
