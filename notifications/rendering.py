"""Notice texts: Django templates under templates/notifications/<kind>/, rendered in the
member's language.

Each kind has ``subject.txt`` (e-mail subject, letter heading), ``body.txt`` (e-mail and letter;
paragraphs separated by blank lines) and ``sms.txt`` (one short message). The context is built
in one place, ``notice_context``; the member portal adds ``access_link`` / ``access_code`` there
and the templates already show them when present.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from unionroll.i18n import date_text, notice_language


@dataclass(frozen=True)
class RenderedNotice:
    language: str
    # The day of sending, written in the language (a letter's date line).
    dated: str
    subject: str
    paragraphs: list[str]
    sms: str

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs) + "\n"


@dataclass(frozen=True)
class NoticeFacts:
    """What a notice says, in data: dates stay dates until the language is known."""

    first_name: str
    window_ends: dt.date | None = None
    ended_on: dt.date | None = None
    covered_from: dt.date | None = None
    void: bool = False
    # Filled by the member portal work: a sign-in link (SMS, e-mail) or a printed code (letter).
    access_link: str = ""
    access_code: str = ""
    # Anything else a kind's templates name (a visit's place, a phase). Dates and datetimes
    # are written out in the member's language when the context is built.
    extra: Mapping[str, Any] = field(default_factory=dict)


def notice_context(facts: NoticeFacts) -> dict[str, Any]:
    """The template context, in the active language."""
    return {
        "first_name": facts.first_name,
        "union": settings.UNIONROLL_UNION_NAME,
        "phone": settings.UNIONROLL_UNION_PHONE,
        "email": settings.UNIONROLL_UNION_EMAIL,
        "window_ends": date_text(facts.window_ends),
        "ended_on": date_text(facts.ended_on),
        "covered_from": date_text(facts.covered_from),
        "void": facts.void,
        "access_link": facts.access_link,
        "access_code": facts.access_code,
        **{key: _localised(value) for key, value in facts.extra.items()},
    }


def _localised(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value)
        return f"{date_text(local.date())}, {local:%H:%M}"
    if isinstance(value, dt.date):
        return date_text(value)
    return value


def notice_render(
    *, kind: str, language: str, facts: NoticeFacts, today: dt.date
) -> RenderedNotice:
    language = notice_language(language)
    with translation.override(language):
        context = notice_context(facts)
        dated = date_text(today)
        subject = _lines(render_to_string(f"notifications/{kind}/subject.txt", context))
        body = render_to_string(f"notifications/{kind}/body.txt", context)
        sms = _lines(render_to_string(f"notifications/{kind}/sms.txt", context))
    return RenderedNotice(
        language=language,
        dated=dated,
        subject=" ".join(subject),
        paragraphs=_paragraphs(body),
        sms=" ".join(sms),
    )


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _paragraphs(text: str) -> list[str]:
    # Blank lines separate paragraphs; lines inside one (a signature) stay lines.
    blocks = re.split(r"\n\s*\n", text)
    return ["\n".join(_lines(block)) for block in blocks if block.strip()]
