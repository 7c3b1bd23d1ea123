"""A workplace visit's place and note as each member reads them.

An admin gives the place and the note in one or more of three ways:

- a **phrase** from the short lists below ("Canteen", "You can come in your break."), translated
  in all six catalogues, so every member reads it in their own language;
- a text **per language** (``place_translations`` / ``note_translations``: {language: text});
- the **plain text** (``place`` / ``note``), written in ``plain_language`` (Dutch unless said
  otherwise): what a member reads when there is no text in their language, with a line saying
  that this part is not yet translated.

A member's place is the phrase, then their language's text (or the plain text); a note is the
phrases, then the text. The same rules serve the portal, the notices (from the snapshot a notice
keeps) and the admin's list of languages still missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import pgettext_lazy

from unionroll.i18n import notice_language

# Keys are stored on the visit and in notices' snapshots: never rename one; add new ones.
PLACE_PHRASES = {
    "main_entrance": pgettext_lazy("visit place", "Main entrance"),
    "canteen": pgettext_lazy("visit place", "Canteen"),
    "car_park": pgettext_lazy("visit place", "Car park"),
    "break_room": pgettext_lazy("visit place", "Break room"),
    "gate": pgettext_lazy("visit place", "At the gate"),
    "reception": pgettext_lazy("visit place", "Reception"),
    "bus_stop": pgettext_lazy("visit place", "At the bus stop"),
}
NOTE_PHRASES = {
    "payslip": pgettext_lazy(
        "visit note", "Bring your payslip if you have questions about your pay."
    ),
    "contract": pgettext_lazy("visit note", "Bring your contract if you have questions about it."),
    "break": pgettext_lazy("visit note", "You can come in your break."),
    "shift": pgettext_lazy("visit note", "You can also come before or after your shift."),
    "housing": pgettext_lazy("visit note", "You can also ask us about your housing."),
    "private": pgettext_lazy("visit note", "What you tell us stays between us."),
    "coffee": pgettext_lazy("visit note", "There is free coffee and tea."),
}
PLAIN_LANGUAGE_DEFAULT = "nl"


@dataclass(frozen=True)
class VisitText:
    """One part (place or note) as a member reading ``language`` sees it."""

    language: str
    # The chosen phrases, translated into ``language``.
    phrases: tuple[str, ...]
    # The member's language's own text, else the plain text ("" if neither).
    free: str
    # The language ``free`` is written in.
    free_language: str
    separator: str

    @property
    def untranslated(self) -> bool:
        """The member reads the plain text in another language: say so."""
        return bool(self.free) and self.free_language != self.language

    @property
    def phrase_text(self) -> str:
        return " ".join(self.phrases) if self.separator == " " else ", ".join(self.phrases)

    @property
    def text(self) -> str:
        return self.separator.join(part for part in (self.phrase_text, self.free) if part)

    def __bool__(self) -> bool:
        return bool(self.phrases or self.free)

    def __str__(self) -> str:
        return self.text


def visit_text_source(visit: Any) -> dict[str, Any]:
    """The texts of a WorkplaceVisit, as notices keep them in their snapshot."""
    return {
        "place": visit.place,
        "place_phrase": visit.place_phrase,
        "place_translations": dict(visit.place_translations or {}),
        "note": visit.note,
        "note_phrases": list(visit.note_phrases or []),
        "note_translations": dict(visit.note_translations or {}),
        "plain_language": visit.plain_language,
    }


def _part(source: Mapping[str, Any], part: str, language: str) -> VisitText:
    if part == "place":
        keys = [source.get("place_phrase") or ""]
        phrases, separator = PLACE_PHRASES, ", "
    else:
        keys = list(source.get("note_phrases") or [])
        phrases, separator = NOTE_PHRASES, " "
    with translation.override(language):
        translated = tuple(str(phrases[key]) for key in keys if key in phrases)
    own = ((source.get(f"{part}_translations") or {}).get(language) or "").strip()
    if own:
        free, free_language = own, language
    else:
        free = (source.get(part) or "").strip()
        free_language = source.get("plain_language") or PLAIN_LANGUAGE_DEFAULT
    return VisitText(language, translated, free, free_language, separator)


def visit_place(source: Mapping[str, Any], language: str) -> VisitText:
    return _part(source, "place", language)


def visit_note(source: Mapping[str, Any], language: str) -> VisitText:
    return _part(source, "note", language)


def visit_missing_languages(
    source: Mapping[str, Any], languages: list[str]
) -> dict[str, list[str]]:
    """For each of ``languages`` whose readers would get the plain text of the place or the
    note (not written in their language): which parts ("place", "note")."""
    missing: dict[str, list[str]] = {}
    for language in languages:
        parts = [part for part in ("place", "note") if _part(source, part, language).untranslated]
        if parts:
            missing[language] = parts
    return missing


def language_label(code: str) -> str:
    """A language as its readers write it ("Polski"): for the admin's list of languages."""
    return dict(settings.LANGUAGES).get(code, code)


class LazyVisitText:
    """A place or note named in whatever language is active when a notice is rendered, with
    whitespace collapsed to one line (the notice templates' lines)."""

    def __init__(self, source: Mapping[str, Any], part: str) -> None:
        self.source = source
        self.part = part

    def _now(self) -> VisitText:
        return _part(self.source, self.part, notice_language(translation.get_language()))

    @property
    def untranslated(self) -> bool:
        return self._now().untranslated

    def __bool__(self) -> bool:
        return bool(self._now())

    def __str__(self) -> str:
        return " ".join(self._now().text.split())
