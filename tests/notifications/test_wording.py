"""What the notices say about leaving, as native readers read it, in each of the six languages.

The opt-out window is no deadline to leave: a member can leave at any time, and up to and
including the window's last day it is as if they had never been a member. Nobody is told that
"nothing was charged for them" (they never pay). Ukrainian and Bulgarian write the polite "you"
with a capital; Polish uses no forms that address only men (or only women).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polib
import pytest

from notifications.catalogs import LANGUAGES
from notifications.models import Notice
from notifications.rendering import NoticeFacts, RenderedNotice, notice_render

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 20)
WINDOW_ENDS = dt.date(2027, 1, 3)
# The welcome SMS should stay one message before the personal link is added to it.
SMS_MAX = 300

# "You can leave at any time", in each language (the SMS may say it more briefly).
AT_ANY_TIME = {
    "en": ("at any time",),
    "nl": ("op elk moment", "altijd"),
    "pl": ("w każdej chwili",),
    "ro": ("oricând",),
    "uk": ("будь-коли",),
    "bg": ("по всяко време",),
}
# "On or before 3 January 2027": the window's last day still counts.
ON_OR_BEFORE = {
    "en": "on or before 3 January 2027",
    "nl": "uiterlijk op 3 januari 2027",
    "pl": "najpóźniej 3 stycznia 2027",
    "ro": "cel târziu pe 3 ianuarie 2027",
    "uk": "не пізніше 3 січня 2027",
    "bg": "до 3 януари 2027 включително",
}
# "(It is) as if you had never been a member."
NEVER_A_MEMBER = {
    "en": "as if you had never been a member",
    "nl": "alsof je nooit lid bent geweest",
    "pl": "jakby Twojego członkostwa nigdy nie było",
    "ro": "ca și cum nu ai fi fost niciodată membru",
    "uk": "Ви ніколи не були членом",
    "bg": "никога не сте били член",
}
# The old wording: "you can leave until <date>" (read as a last chance to leave at all) and
# "nothing is / was / will have been charged for you".
OLD_WORDING = {
    "en": ("leave until", "leave the union until", "no later than", "charged"),
    "nl": ("opzeggen tot en met", "niets voor je", "niets voor betaald"),
    "pl": ("zrezygnować do ", "zrezygnować ze związku do ", "nie zapłaci", "nic za Ciebie"),
    "ro": ("ieși până la", "ieși din sindicat până la", "nu se plătește", "nu s-a plătit"),
    "uk": ("вийти до ", "вийти з профспілки до ", "нічого не платить", "нічого не сплачено"),
    "bg": ("можете да напуснете до", "синдиката до", "никой нищо не плаща", "не е платено"),  # noqa: RUF001
}

# The polite pronoun in lower case, as a whole word (Cyrillic letters on neither side).
_NOT_LETTER = r"(?<![\w'’-])"  # noqa: RUF001 (an apostrophe inside a word)
_END = r"(?![\w'’-])"  # noqa: RUF001
LOWERCASE_POLITE = {
    "uk": re.compile(
        _NOT_LETTER + r"(ви|вас|вам|вами|ваш|ваша|ваше|ваші|вашого|вашої|вашому|вашим|вашій|"
        r"вашу|ваших|вашими)" + _END
    ),
    "bg": re.compile(
        _NOT_LETTER
        + r"(ви|вие|вас|вам|ваш|ваша|ваше|ваши|вашия|вашият|вашата|вашето|вашите)"
        + _END
    ),
}
CAPITAL_POLITE = re.compile(r"(?<!\w)(Ви|Вас|Вам|Ваш\w*|Вие)(?!\w)")  # noqa: RUF001
# Polish forms that fit only a man (or only a woman): past tense "-łeś/-łaś", conditional
# "-łbyś/-łabyś", "jakbyś/gdybyś/żebyś/abyś" (always with a gendered "był/była"), and
# adjectives about the reader.
POLISH_GENDERED = re.compile(
    r"\w+(łeś|łaś|łbyś|łabyś)\b|\b(jak|gdy|że|a)byś\b"
    r"|\b(zalogowany|zalogowana|zapisany|zapisana|pewien|pewna|pewny|gotowy|gotowa)\b",
)
# The polite capitals of the Polish catalogue: "Ci", "Cię", "Ciebie", "Twój", ...
POLISH_LOWERCASE_YOU = re.compile(
    r"\b(ci|cię|ciebie|tobie|tobą|twój|twoja|twoje|twojego|twojej|twojemu|twoim|twoją|twoi|"
    r"twoich|twoimi)\b"
)

WINDOW = NoticeFacts(first_name="Ana", window_ends=WINDOW_ENDS)
EVERY_BRANCH = [
    (
        Notice.Kind.WELCOME,
        NoticeFacts(
            first_name="Ana",
            window_ends=WINDOW_ENDS,
            access_link="https://example.org/my/",
            access_code="K7QX-M4PA",
        ),
    ),
    (Notice.Kind.WELCOME, NoticeFacts(first_name="Ana")),
    (Notice.Kind.WINDOW_CLOSING, WINDOW),
    (Notice.Kind.OPT_OUT, NoticeFacts(first_name="Ana", void=True)),
    (Notice.Kind.OPT_OUT, NoticeFacts(first_name="Ana", ended_on=dt.date(2027, 2, 1))),
    (Notice.Kind.OPT_IN, NoticeFacts(first_name="Ana", covered_from=dt.date(2027, 2, 1))),
    (Notice.Kind.CONTACT_CHANGED, NoticeFacts(first_name="Ana", extra={"field": "phone"})),
    (Notice.Kind.CONTACT_CHANGED, NoticeFacts(first_name="Ana", extra={"field": "email"})),
]


def _render(kind: str, language: str, facts: NoticeFacts) -> RenderedNotice:
    return notice_render(kind=kind, language=language, facts=facts, today=TODAY)


def _all_text(rendered: RenderedNotice) -> str:
    return "\n".join([rendered.subject, rendered.body, rendered.sms])


def _msgstrs(language: str) -> list[str]:
    catalogue = polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))
    texts = []
    for entry in catalogue:
        if entry.obsolete:
            continue
        texts += list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
    return texts


# --- The opt-out window: leave at any time; until the date, as if never a member -----------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_welcome_says_leaving_is_possible_at_any_time_and_void_on_or_before_the_date(language):
    rendered = _render(Notice.Kind.WELCOME, language, WINDOW)

    for text in (rendered.body, rendered.sms):
        assert any(phrase in text for phrase in AT_ANY_TIME[language]), text
        assert ON_OR_BEFORE[language] in text, text
        assert NEVER_A_MEMBER[language] in text, text


@pytest.mark.parametrize("language", LANGUAGES)
def test_welcome_without_a_window_says_at_any_time_and_names_no_date(language):
    rendered = _render(Notice.Kind.WELCOME, language, NoticeFacts(first_name="Ana"))

    for text in (rendered.body, rendered.sms):
        assert any(phrase in text for phrase in AT_ANY_TIME[language]), text
        assert "2027" not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_window_closing_says_at_any_time_and_void_on_or_before_the_date(language):
    rendered = _render(Notice.Kind.WINDOW_CLOSING, language, WINDOW)

    for text in (rendered.body, rendered.sms):
        assert any(phrase in text for phrase in AT_ANY_TIME[language]), text
        assert ON_OR_BEFORE[language] in text, text
        assert NEVER_A_MEMBER[language] in text, text
    assert "3" in rendered.subject and "2027" in rendered.subject


@pytest.mark.parametrize("language", LANGUAGES)
def test_opt_out_in_time_confirms_it_is_as_if_never_a_member(language):
    rendered = _render(Notice.Kind.OPT_OUT, language, NoticeFacts(first_name="Ana", void=True))

    assert NEVER_A_MEMBER[language] in rendered.body
    assert NEVER_A_MEMBER[language].split()[-1] in rendered.sms  # "member", "lid", "было", ...


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_notice_says_leave_until_or_charged(language):
    for kind, facts in EVERY_BRANCH:
        text = _all_text(_render(kind, language, facts))

        for old in OLD_WORDING[language]:
            assert old.casefold() not in text.casefold(), (kind, old)


@pytest.mark.parametrize("language", LANGUAGES)
def test_sms_about_leaving_stays_short_before_the_link(language):
    for kind, facts in [
        (Notice.Kind.WELCOME, WINDOW),
        (Notice.Kind.WELCOME, NoticeFacts(first_name="Ana")),
        (Notice.Kind.WINDOW_CLOSING, WINDOW),
        (Notice.Kind.OPT_OUT, NoticeFacts(first_name="Ana", void=True)),
    ]:
        sms = _render(kind, language, facts).sms

        assert len(sms) < SMS_MAX, (kind, len(sms), sms)


# --- Polite capitals (Ukrainian, Bulgarian) and forms for everyone (Polish) ----------------------


@pytest.mark.parametrize("language", ["uk", "bg"])
def test_ukrainian_and_bulgarian_notices_write_the_polite_you_with_a_capital(language):
    texts = {kind: _all_text(_render(kind, language, facts)) for kind, facts in EVERY_BRANCH}

    for kind, text in texts.items():
        assert LOWERCASE_POLITE[language].findall(text) == [], kind
    assert CAPITAL_POLITE.search(texts[Notice.Kind.WELCOME])
    assert CAPITAL_POLITE.search(texts[Notice.Kind.CONTACT_CHANGED])


@pytest.mark.parametrize("language", ["uk", "bg"])
def test_ukrainian_and_bulgarian_catalogues_write_the_polite_you_with_a_capital(language):
    # The portal's texts too: every message of the catalogue.
    found = {
        text: LOWERCASE_POLITE[language].findall(text)
        for text in _msgstrs(language)
        if LOWERCASE_POLITE[language].search(text)
    }

    assert found == {}


def test_the_lowercase_check_finds_a_lowercase_pronoun_and_leaves_other_words_alone():
    assert LOWERCASE_POLITE["uk"].findall("Ми надіслали вам посилання на ваш телефон.") == [
        "вам",
        "ваш",
    ]
    assert LOWERCASE_POLITE["bg"].findall("Изпращаме ви линк. Вие решавате.") == ["ви"]
    # Words that merely contain the letters are not pronouns.
    assert LOWERCASE_POLITE["uk"].findall("Вийти, вихід, вважатиметься, свої") == []
    assert LOWERCASE_POLITE["bg"].findall("Въпроси, вид, навреме, живи") == []


def test_polish_notices_address_everyone_and_write_you_with_a_capital():
    for kind, facts in EVERY_BRANCH:
        text = _all_text(_render(kind, "pl", facts))

        assert POLISH_GENDERED.findall(text) == [], kind
        assert POLISH_LOWERCASE_YOU.findall(text) == [], kind


def test_polish_catalogue_addresses_everyone_and_writes_you_with_a_capital():
    texts = _msgstrs("pl")

    assert [t for t in texts if POLISH_GENDERED.search(t)] == []
    assert [t for t in texts if POLISH_LOWERCASE_YOU.search(t)] == []


def test_the_polish_checks_find_the_forms_the_readers_flagged():
    for flagged in (
        "Zrezygnowałeś ze związku.",
        "jakbyś nigdy nie był członkiem",
        "w których ostatnio pracowałeś",
        "Nie jesteś zalogowany.",
        "Czy jesteś pewien?",
    ):
        assert POLISH_GENDERED.search(flagged), flagged
    assert POLISH_LOWERCASE_YOU.search("Wysyłamy ci link na twój telefon.")
    assert not POLISH_GENDERED.search("Twoje członkostwo zakończyło się. Pytania? Zadzwoń.")
