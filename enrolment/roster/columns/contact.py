"""Contact columns: e-mail address, phone number, language.

An e-mail address or phone number that cannot be used is left out of the row rather than
refusing it: the refusal's code is the code of a warning, summarised per file
(``enrolment.roster.issues``). An unknown language is an error.
"""

from __future__ import annotations

from enrolment.roster.columns.base import Refused
from enrolment.roster.fields import normalise_email
from enrolment.roster.languages import ISO_639_1
from enrolment.roster.phones import normalise_phone

DEFAULT_LANGUAGE = "en"
INVALID_EMAIL = "invalid_email"
INVALID_PHONE = "invalid_phone"

_UNKNOWN_LANGUAGE = (
    "This is not a language code. Use the two-letter ISO 639-1 code, for example pl, ro, bg, "
    "uk, nl or en."
)


def email(text: str) -> str:
    """A non-empty e-mail address, in lower case. Refused: the warning ``invalid_email``."""
    address = normalise_email(text)
    if address is None:
        raise Refused(INVALID_EMAIL, "This e-mail address cannot be used.")
    return address


def phone(text: str) -> str:
    """A non-empty phone number, in E.164; one without a country code is read as Dutch.
    Refused: the warning ``invalid_phone``."""
    number = normalise_phone(text)
    if number is None:
        raise Refused(INVALID_PHONE, "This phone number cannot be used.")
    return number


def language(raw: str) -> str:
    """The ISO 639-1 code; English for an empty value.

    ``pl-PL`` and ``pl_PL`` are what some systems store: the language is the first part.
    """
    text = raw.strip().lower()
    if not text:
        return DEFAULT_LANGUAGE
    primary = text.replace("_", "-").split("-", 1)[0]
    if primary not in ISO_639_1:
        raise Refused("unknown_language", _UNKNOWN_LANGUAGE, raw.strip())
    return primary
