"""Languages and dates as members read them: the language a text is written in, dates in words.

Used by every face that speaks to a member (notices, the portal, rights texts), so it lives in
the core and imports no app.
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.utils import dateformat, translation

FALLBACK_LANGUAGE = "en"


def notice_language(code: str | None) -> str:
    """The member's language if it is one of ours ("pl", "PL", "pl-PL" -> "pl"), else English."""
    base = re.split(r"[-_]", (code or "").strip().lower())[0]
    return base if base in {c for c, _ in settings.LANGUAGES} else FALLBACK_LANGUAGE


# Day, month in words, year: no "10/12" that readers from different countries read differently.
# "E" is the month as it stands after a number in Polish and Ukrainian ("10 grudnia").
# Django's own DATE_FORMATs are not used: the Ukrainian one ends in an abbreviation for "year"
# (a double full stop at the end of a sentence), and its Romanian and Bulgarian month names are
# capitalised.
DATE_FORMATS = {"en": "j F Y", "nl": "j F Y", "pl": "j E Y", "ro": "j F Y", "uk": "j E Y"}
DEFAULT_DATE_FORMAT = "j F Y"


def date_text(value: dt.date | None) -> str:
    """A date as the active language writes it: "10 grudnia 2026", "10 decembrie 2026"."""
    if value is None:
        return ""
    language = translation.get_language() or FALLBACK_LANGUAGE
    text = dateformat.format(value, DATE_FORMATS.get(language, DEFAULT_DATE_FORMAT))
    # Month names are written in lower case in all six languages but English.
    return text if language == "en" else text.lower()


def language_names(codes: list[str]) -> list[str]:
    """Language codes as the active language names them ("pl" -> "Pools" in Dutch, "polski" in
    Polish); codes Django does not know are left out. Language names are capitalised only in
    English and Dutch."""
    names = []
    for code in codes:
        try:
            names.append(str(translation.get_language_info(code)["name_translated"]))
        except KeyError:
            continue
    if (translation.get_language() or FALLBACK_LANGUAGE) not in ("en", "nl"):
        names = [name[:1].lower() + name[1:] for name in names]
    return names
