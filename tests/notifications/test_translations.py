from __future__ import annotations

import datetime as dt
from pathlib import Path

import polib
import pytest

from notifications.catalogs import LANGUAGES, catalogue_problems
from notifications.models import Notice
from notifications.rendering import NoticeFacts, notice_render

ROOT = Path(__file__).resolve().parents[2]
EVERY_BRANCH = [
    # (kind, facts): each {% if %} branch of each template at least once.
    (
        Notice.Kind.WELCOME,
        NoticeFacts(
            first_name="Ana",
            window_ends=dt.date(2026, 12, 20),
            access_link="https://example.org/s/abc",
            access_code="K7P-2QX",
        ),
    ),
    (Notice.Kind.WELCOME, NoticeFacts(first_name="Ana")),
    (Notice.Kind.OPT_OUT, NoticeFacts(first_name="Ana", void=True)),
    (Notice.Kind.OPT_OUT, NoticeFacts(first_name="Ana", ended_on=dt.date(2027, 1, 5))),
    (Notice.Kind.OPT_IN, NoticeFacts(first_name="Ana", covered_from=dt.date(2027, 1, 5))),
    (Notice.Kind.WINDOW_CLOSING, NoticeFacts(first_name="Ana", window_ends=dt.date(2026, 12, 20))),
    (Notice.Kind.CONTACT_CHANGED, NoticeFacts(first_name="Ana", extra={"field": "phone"})),
    (Notice.Kind.CONTACT_CHANGED, NoticeFacts(first_name="Ana", extra={"field": "email"})),
]


def test_every_message_is_translated_in_all_six_languages():
    assert catalogue_problems() == []


def test_the_check_finds_an_empty_a_missing_and_an_english_translation(tmp_path):
    for lang in LANGUAGES:
        source = ROOT / "locale" / lang / "LC_MESSAGES" / "django.po"
        target = tmp_path / "locale" / lang / "LC_MESSAGES" / "django.po"
        target.parent.mkdir(parents=True)
        target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    polish = polib.pofile(str(tmp_path / "locale/pl/LC_MESSAGES/django.po"))
    polish.find("Welcome to the union").msgstr = ""
    polish.find("Kind regards,").msgstr = "Kind regards,"
    polish.remove(polish.find("You can leave again at any time."))
    polish.save()

    problems = catalogue_problems(tmp_path)

    assert "pl: no translation for 'Welcome to the union'" in problems
    assert "pl: English left untranslated: 'Kind regards,'" in problems
    assert "pl: message missing from the catalogue: 'You can leave again at any time.'" in problems


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_no_line_of_any_notice_is_left_in_english(language):
    # Catches a template message that never made it into the catalogues: Django would show
    # the English text. Lines that are only data (the union's name) are the same everywhere.
    for kind, facts in EVERY_BRANCH:
        english = notice_render(kind=kind, language="en", facts=facts, today=dt.date(2026, 11, 20))
        other = notice_render(
            kind=kind, language=language, facts=facts, today=dt.date(2026, 11, 20)
        )
        english_lines = {line for p in english.paragraphs for line in p.splitlines()}
        other_lines = {line for p in other.paragraphs for line in p.splitlines()}
        shared = english_lines & other_lines
        assert shared <= {"Bond voor Uitzendkrachten (demo)"}, (kind, shared)
        assert other.subject != english.subject
        assert other.sms != english.sms


def test_access_link_and_code_are_shown_when_the_portal_provides_them():
    facts = EVERY_BRANCH[0][1]

    rendered = notice_render(
        kind="welcome", language="pl", facts=facts, today=dt.date(2026, 11, 20)
    )

    assert "https://example.org/s/abc" in rendered.body
    assert "Twój osobisty kod to K7P-2QX." in rendered.body
    assert "https://example.org/s/abc" in rendered.sms
