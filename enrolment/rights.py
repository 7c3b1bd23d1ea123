"""What a member's rights are, in their language: the readers (``rights_for`` for one member,
``rights_general`` for the public pages) and the loader of the content the system ships with
(``rights_texts_load``).

The content is data, not code: ``RightsText`` rows that union admins edit and extend with new
dated versions in the admin. The initial content lives in ``enrolment/rights_content/<lang>.json``
(one file per language) and is loaded by migration 0010 and by ``manage.py rights_texts_load``.
Loading only inserts texts that are missing; it never changes a text that is already there, so an
admin's edit survives every later load.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from enrolment.models import MinimumWageRate, MinimumWageYouthShare, RightsText
from enrolment.selectors import minimum_hourly_wage
from unionroll.exceptions import Invalid
from unionroll.i18n import FALLBACK_LANGUAGE, notice_language
from unionroll.money import round_money

CONTENT_DIR = Path(__file__).resolve().parent / "rights_content"

# The order a member reads the topics in: money first, then what happens when things go wrong.
TOPIC_ORDER = [
    RightsText.Topic.MINIMUM_WAGE,
    RightsText.Topic.HOLIDAY_PAY,
    RightsText.Topic.DEDUCTIONS,
    RightsText.Topic.SICK_PAY,
    RightsText.Topic.PHASES,
    RightsText.Topic.HELP,
]
PHASES = ("A", "B", "C")

MINIMUM_WAGE_PLACEHOLDER = "{minimum_wage}"
AGE_PLACEHOLDER = "{age}"
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True)
class RightsSection:
    topic: str
    title: str
    paragraphs: list[str]


def rights_for(
    *, sector_id: int, phase: str, language: str, on: dt.date, age: int
) -> list[RightsSection]:
    """The rights texts a member reads on ``on``: one section per topic, in reading order.

    Per topic the text is chosen in this order of preference: in the member's language (English
    only if their language has no text for the topic yet); for their sector over the general
    one; for their agency phase over the one for every phase; then the newest ``valid_from``
    that is not after ``on``. A specific text keeps its place until an admin adds a newer
    version of that same specific text: a sector text is a decision of the union for that
    sector, not something a general update should silently replace.
    """
    language = notice_language(language)
    phase = (phase or "").strip().upper()
    candidates = RightsText.objects.filter(
        Q(sector_id=sector_id) | Q(sector__isnull=True),
        language__in={language, FALLBACK_LANGUAGE},
        phase__in={phase, ""},
        valid_from__lte=on,
    )
    best: dict[str, RightsText] = {}
    for text in candidates:
        current = best.get(text.topic)
        if current is None or _preference(text, language) > _preference(current, language):
            best[text.topic] = text

    hourly = minimum_hourly_wage(age=age, on=on)
    sections = []
    for topic in TOPIC_ORDER:
        text = best.get(topic)
        if text is None:
            continue
        sections.append(
            RightsSection(
                topic=text.topic,
                title=text.title,
                paragraphs=_fill(
                    _paragraphs(text.body), language=text.language, hourly=hourly, age=age
                ),
            )
        )
    return sections


def _preference(text: RightsText, language: str) -> tuple[bool, bool, bool, dt.date]:
    return (
        text.language == language,
        text.sector_id is not None,
        text.phase != "",
        text.valid_from,
    )


def _paragraphs(body: str) -> list[str]:
    parts = (part.strip() for part in _PARAGRAPH_BREAK.split(body.replace("\r\n", "\n")))
    return [part for part in parts if part]


def _fill(paragraphs: list[str], *, language: str, hourly: Decimal | None, age: int) -> list[str]:
    """Put the member's minimum wage and age into the text.

    Without an amount (a worker under the youngest age in the table, or a day before the first
    stored rate) a paragraph that would show it is replaced, once, by a sentence saying we cannot
    show it: an empty or made-up amount would be worse than none.
    """
    filled: list[str] = []
    for paragraph in paragraphs:
        if MINIMUM_WAGE_PLACEHOLDER in paragraph:
            if hourly is None:
                unknown = minimum_wage_unknown_text(language)
                if unknown not in filled:
                    filled.append(unknown)
                continue
            paragraph = paragraph.replace(MINIMUM_WAGE_PLACEHOLDER, money_text(hourly, language))
        filled.append(paragraph.replace(AGE_PLACEHOLDER, str(age)))
    return filled


def money_text(amount: Decimal, language: str) -> str:
    """An amount in euros as the language writes it: "€14.71" in English, "€ 14,71" elsewhere.

    Only hourly amounts are shown, so there is no thousands separator to get right.
    """
    digits = f"{amount:.2f}"
    if language == "en":
        return f"€{digits}"
    return f"€ {digits.replace('.', ',')}"


def minimum_wage_unknown_text(language: str) -> str:
    """The sentence shown instead of an amount we do not have (kept with the shipped content,
    so every wording about rights sits in one place per language)."""
    sentences = _unknown_sentences()
    return sentences.get(language) or sentences[FALLBACK_LANGUAGE]


@cache
def _unknown_sentences() -> dict[str, str]:
    return {
        code: _read(CONTENT_DIR / f"{code}.json")["minimum_wage_unknown"]
        for code, _ in settings.LANGUAGES
        if (CONTENT_DIR / f"{code}.json").exists()
    }


# --- The general texts, for everyone (the public rights pages) ---------------------------------

# Where the minimum wage table goes among a general section's paragraphs.
WAGE_TABLE = None


@dataclass(frozen=True)
class MinimumWageRow:
    """One line of the table: the hourly minimum wage from ``age`` (and up, for the last line;
    ``age`` None: every age, when no youth shares are stored)."""

    age: int | None
    and_older: bool
    hourly: Decimal


@dataclass(frozen=True)
class MinimumWageTable:
    valid_from: dt.date
    rows: list[MinimumWageRow]


@dataclass(frozen=True)
class PhasePart:
    phase: str
    language: str
    paragraphs: list[str]


@dataclass(frozen=True)
class GeneralRightsSection:
    """A topic as anyone reads it: no age, no sector, no phase of their own. ``paragraphs`` may
    hold ``WAGE_TABLE`` where the minimum wage table belongs; the phases topic carries the text
    of each phase in ``phases``. ``language`` is the text's own (English when the language has
    no text for the topic yet), so the page can mark it."""

    topic: str
    title: str
    language: str
    paragraphs: list[str | None]
    phases: list[PhasePart]


def minimum_wage_table(*, on: dt.date) -> MinimumWageTable | None:
    """The hourly minimum wage per age on ``on``, youngest first: each age with a youth share,
    then the full rate from the age after the oldest share (21). Amounts are computed as
    ``minimum_hourly_wage`` computes them, so the table and a member's own page agree. None
    before the first stored rate."""
    rate = MinimumWageRate.objects.filter(valid_from__lte=on).order_by("-valid_from").first()
    if rate is None:
        return None
    shares = list(MinimumWageYouthShare.objects.order_by("age"))
    rows = [
        MinimumWageRow(
            age=share.age,
            and_older=False,
            hourly=round_money(rate.hourly * share.percent / 100),
        )
        for share in shares
    ]
    rows.append(
        MinimumWageRow(
            age=shares[-1].age + 1 if shares else None, and_older=True, hourly=rate.hourly
        )
    )
    return MinimumWageTable(valid_from=rate.valid_from, rows=rows)


def rights_general(*, language: str, on: dt.date) -> list[GeneralRightsSection]:
    """The general (all-sector) rights texts valid on ``on`` in ``language``, one section per
    topic in reading order, with every phase's text under the phases topic.

    Per topic and phase the newest text valid on ``on`` in the language is chosen, English when
    the language has none yet (as ``rights_for`` does). Texts written for one sector are never
    shown here: they are that sector's members' own. A paragraph that would name a member's
    age or minimum wage is replaced by the place of the table (``WAGE_TABLE``), once.
    """
    language = notice_language(language)
    candidates = RightsText.objects.filter(
        sector__isnull=True,
        language__in={language, FALLBACK_LANGUAGE},
        phase__in={"", *PHASES},
        valid_from__lte=on,
    )
    best: dict[tuple[str, str], RightsText] = {}
    for text in candidates:
        key = (text.topic, text.phase)
        current = best.get(key)
        if current is None or _preference(text, language) > _preference(current, language):
            best[key] = text

    sections = []
    for topic in TOPIC_ORDER:
        text = best.get((topic, ""))
        if text is None:
            continue
        phases = []
        if topic == RightsText.Topic.PHASES:
            phases = [
                PhasePart(
                    phase=phase,
                    language=part.language,
                    paragraphs=_without_placeholders(_paragraphs(part.body)),
                )
                for phase in PHASES
                if (part := best.get((topic, phase))) is not None
            ]
        sections.append(
            GeneralRightsSection(
                topic=text.topic,
                title=text.title,
                language=text.language,
                paragraphs=_with_table_place(
                    _paragraphs(text.body),
                    wanted=topic == RightsText.Topic.MINIMUM_WAGE,
                ),
                phases=phases,
            )
        )
    return sections


def _has_placeholder(paragraph: str) -> bool:
    return MINIMUM_WAGE_PLACEHOLDER in paragraph or AGE_PLACEHOLDER in paragraph


def _without_placeholders(paragraphs: list[str]) -> list[str]:
    return [paragraph for paragraph in paragraphs if not _has_placeholder(paragraph)]


def _with_table_place(paragraphs: list[str], *, wanted: bool) -> list[str | None]:
    """The paragraphs without the personal ones; the table (if ``wanted``) where the first of
    those stood, else after the text."""
    result: list[str | None] = []
    for paragraph in paragraphs:
        if not _has_placeholder(paragraph):
            result.append(paragraph)
        elif wanted and WAGE_TABLE not in result:
            result.append(WAGE_TABLE)
    if wanted and WAGE_TABLE not in result:
        result.append(WAGE_TABLE)
    return result


# --- Loading the shipped content ---------------------------------------------------------------


def rights_texts_load(*, path: Path | str | None = None) -> int:
    """Insert the shipped rights texts that are not in the database yet; return how many.

    ``path`` is a directory of ``<lang>.json`` files or one such file (default: the shipped
    content). A text counts as present when a row with the same topic, language, sector (none),
    phase and valid_from exists, whatever its title and body say: loading never overwrites what
    a union admin wrote. Running it twice inserts nothing the second time.
    """
    texts = rights_content_read(path=path)
    with transaction.atomic():
        return rights_texts_insert_missing(model=RightsText, texts=texts)


def rights_content_read(*, path: Path | str | None = None) -> list[dict[str, Any]]:
    """The texts in the content files, one dict per text with the model's field names."""
    root = Path(path) if path is not None else CONTENT_DIR
    files = sorted(root.glob("*.json")) if root.is_dir() else [root]
    known_languages = {code for code, _ in settings.LANGUAGES}
    texts = []
    for file in files:
        content = _read(file)
        language = content.get("language")
        if language not in known_languages:
            raise Invalid(
                "rights_content_invalid",
                "A rights content file names a language the system does not offer.",
                {"file": file.name, "language": language},
            )
        for number, item in enumerate(content.get("texts", []), start=1):
            if item.get("topic") not in RightsText.Topic.values or item.get("phase", "") not in (
                "",
                *PHASES,
            ):
                raise Invalid(
                    "rights_content_invalid",
                    "A rights text has an unknown topic or phase.",
                    {"file": file.name, "text": number},
                )
            texts.append(
                {
                    "topic": item["topic"],
                    "language": language,
                    "phase": item.get("phase", ""),
                    "valid_from": dt.date.fromisoformat(item["valid_from"]),
                    "title": item["title"],
                    "body": "\n\n".join(item["body"]),
                }
            )
    return texts


def rights_texts_insert_missing(*, model: type, texts: list[dict[str, Any]]) -> int:
    """Insert the general (every-sector) ``texts`` whose key is not taken yet.

    Takes the model class so that migration 0010 can pass its historical model. The unique
    constraint (with NULLs not distinct) makes a concurrent load skip rather than duplicate.
    """
    existing = set(
        model.objects.filter(sector__isnull=True).values_list(
            "topic", "language", "phase", "valid_from"
        )
    )
    missing = [
        model(sector=None, **text)
        for text in texts
        if (text["topic"], text["language"], text["phase"], text["valid_from"]) not in existing
    ]
    model.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def _read(file: Path) -> dict[str, Any]:
    with file.open(encoding="utf-8") as handle:
        return json.load(handle)
