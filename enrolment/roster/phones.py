"""Phone numbers to E.164, fast enough for a million-row roster.

``phonenumbers.parse`` plus ``is_valid_number`` costs about 40 µs a number here: 40 s for a
million rows, more than the whole ingest may take. Most roster numbers are already international
(``+48 512 345 678``) or Dutch (``06-12345678``), and for those this module does what ``parse``
would do itself: strip the separators, split off the country calling code with ``phonenumbers``'
own table, and take the rest as the national number. Validity is then decided on ``phonenumbers``'
metadata with its patterns compiled once per calling code (``_validator``), about 1 µs instead of
25. Anything unusual ("+31 (0)6…", extensions, letters, national prefixes such as Lithuania's 8)
goes through ``parse``. tests/enrolment/test_roster_converters.py compares the result with plain
``phonenumbers`` on thousands of random numbers.

Memoising validity on the first six national digits was tried and dropped: the compiled check
is faster than the memo's key building and lookups, and exact for every country, whereas the
six-digit shortcut is wrong for some (Greece tells ranges apart by the seventh digit).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumber

DEFAULT_REGION = "NL"
# Dutch numbers written without the country code: 0 and nine digits (all geographic and mobile
# numbers have nine).
_DOMESTIC_LENGTH = 10
_DEFAULT_CALLING_CODE = "31"

# Punctuation people type in phone numbers; anything else (letters, "ext", "#") takes the slow path.
_SEPARATORS = re.compile(r"[ \-.()/\u00a0]+")

_MIN_NATIONAL_LENGTH = 2  # as phonenumbers
_MAX_NATIONAL_LENGTH = 17


@dataclass(frozen=True, slots=True)
class _Country:
    """What the fast path needs about one calling code, worked out once."""

    width: int  # digits in the calling code
    plus: str  # "+48"
    valid: Callable[[str], bool]
    # national_prefix_for_parsing: parse strips it even from an international number when what
    # remains is long enough (Lithuania's 8), so numbers it matches go the slow way.
    national_prefix: re.Pattern[str] | None


# First three digits after the "+" -> the country they start with (None: no such code). Calling
# codes are prefix-free, so three digits always decide.
_countries: dict[str, _Country | None] = {}


def normalise_phone(text: str) -> str | None:
    """The number in E.164 (``+48512345678``), or None when it is not a valid phone number.

    Numbers without a country code are read as Dutch.
    """
    # Spaces and dashes are nearly all the punctuation there is; two replaces beat a regex.
    compact = text.replace(" ", "").replace("-", "")
    if not compact.isascii():
        return _slow(text)
    if compact[:1] == "+":
        body = compact[1:]
    elif compact[:2] == "00":
        body = compact[2:]
    elif (
        len(compact) == _DOMESTIC_LENGTH
        and compact[0] == "0"
        and compact[1] != "0"
        and compact.isdigit()
    ):
        body = _DEFAULT_CALLING_CODE + compact[1:]  # as if written +31…
    else:
        return _slow(text)
    if not body.isdigit():
        body = _SEPARATORS.sub("", body)
        if not body.isdigit():
            return _slow(text)
    # A calling code never starts with 0: "+31 (0)6…" and the like are left to parse.
    if len(body) <= _MIN_NATIONAL_LENGTH or body[0] == "0":
        return _slow(text)
    prefix = body[:3]
    country = _countries[prefix] if prefix in _countries else _country(prefix)
    if country is None:
        return _slow(text)  # no such calling code: parse refuses it
    national = body[country.width :]
    if (
        not _MIN_NATIONAL_LENGTH <= len(national) <= _MAX_NATIONAL_LENGTH
        or national[0] == "0"
        or (country.national_prefix is not None and country.national_prefix.match(national))
    ):
        return _slow(text)
    return country.plus + national if country.valid(national) else None


def _country(prefix: str) -> _Country | None:
    try:
        return _countries[prefix]
    except KeyError:
        pass
    found = None
    for width in (1, 2, 3):
        code = int(prefix[:width])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            region = phonenumbers.region_code_for_country_code(code)
            metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, region)
            national_prefix = metadata.national_prefix_for_parsing if metadata else None
            found = _Country(
                width=width,
                plus=f"+{code}",
                valid=_validator(code),
                national_prefix=re.compile(national_prefix) if national_prefix else None,
            )
            break
    _countries[prefix] = found
    return found


_NUMBER_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)


def _validator(country_code: int) -> Callable[[str], bool]:
    """``is_valid_number`` for one calling code, with its patterns compiled once.

    ``is_valid_number`` looks up and checks a dozen number-type descriptions through several
    layers of calls, some 25 µs a number. For a calling code with one region it decides exactly
    this: the national number matches the general description (length, then pattern) and the
    description of any one number type (that type's lengths, if it lists any, then its pattern).
    A code shared by several regions (+1, +7, +44) first picks the region: the first whose
    leading digits match, or, for a region without leading digits, which the number is valid in.
    """
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ())
    checks = []
    for region in regions:
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
        if metadata is None:
            continue
        region_check = _region_validator(metadata)
        if region_check is None:
            return _library_validator(country_code)
        leading = re.compile(metadata.leading_digits) if metadata.leading_digits else None
        checks.append((leading, region_check))
    if len(checks) == 1:
        return checks[0][1]

    def check(national: str) -> bool:
        for leading, region_check in checks:
            if leading is None:
                if region_check(national):
                    return True
            elif leading.match(national):
                return region_check(national)
        return False

    return check


def _region_validator(metadata: PhoneMetadata) -> Callable[[str], bool] | None:
    general = metadata.general_desc
    if general is None or not general.national_number_pattern:
        return lambda national: False
    if not general.possible_length:
        return None  # never seen; leave the length rules to phonenumbers
    general_pattern = re.compile(general.national_number_pattern)
    # The types that allow a length, joined into one alternation: a check is two matches.
    by_length: dict[int, re.Pattern[str]] = {}
    for length in general.possible_length:
        patterns = []
        for name in _NUMBER_TYPES:
            desc = getattr(metadata, name)
            if desc is None or not desc.national_number_pattern:
                continue
            # No lengths listed means "as the general description", which is checked too.
            if desc.possible_length and length not in desc.possible_length:
                continue
            patterns.append(f"(?:{desc.national_number_pattern})")
        if patterns:
            by_length[length] = re.compile("|".join(patterns))

    def check(national: str) -> bool:
        any_type = by_length.get(len(national))
        return (
            any_type is not None
            and general_pattern.fullmatch(national) is not None
            and any_type.fullmatch(national) is not None
        )

    return check


def _library_validator(country_code: int) -> Callable[[str], bool]:
    def check(national: str) -> bool:
        number = PhoneNumber(country_code=country_code, national_number=int(national))
        return phonenumbers.is_valid_number(number)

    return check


def _slow(text: str) -> str | None:
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
