"""Converters for roster values: numbers, dates, names, e-mail addresses and the BSN.

Pure functions with no Django in them, so the rules are easy to test on their own. Each converter
that can refuse a value raises ``FieldError`` with a ``reason``; the reader turns the reason into a
sentence about the column it came from.

Rosters of a million rows repeat the same dates and names over and over, so date parsing and name
keys are memoised; the caches are bounded so a file of unique values cannot grow them forever.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import operator
import re
import unicodedata
from decimal import Decimal
from typing import Any


class FieldError(ValueError):
    """A value that cannot be used. ``reason`` is a stable word the reader turns into a message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- numbers ------------------------------------------------------------------------------------

# Most values are plain ("38", "558.98", "558,98"): one regular expression settles them.
PLAIN_NUMBER = re.compile(r"-?\d{1,9}(?:[.,]\d{1,2})?", re.ASCII)
_GROUP_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})
_DIGITS = frozenset("0123456789")

# Reasons a number is refused.
NOT_A_NUMBER = "not_a_number"
TOO_MANY_DECIMALS = "too_many_decimals"

MAX_DECIMAL_PLACES = 2


def parse_decimal(text: str) -> Decimal:
    """Read an amount or a number of hours written the way payroll exports write them.

    The rules (also in docs/roster-format.md):

    - a decimal point or a decimal comma: ``1234.56``, ``1234,56``;
    - thousands separators: ``1,234.56``, ``1.234,56``, ``1 234,56``; with both a dot and a comma,
      the one that comes last is the decimal separator;
    - a separator that occurs more than once is a thousands separator (``1.234.567``);
    - a single dot or comma followed by exactly three digits, after one to three digits that do
      not start with 0, is a thousands separator: ``1.234`` and ``1,234`` are both 1234. Two
      decimals is the most any roster column allows, so this is the only reading that can be
      right; hours meant as ``38,500`` become 38500 and fail the hours check, loudly;
    - a leading minus sign, and a euro sign before or after the number, are allowed;
    - at most two decimals (cents, hundredths of an hour), otherwise ``too_many_decimals``.
    """
    if PLAIN_NUMBER.fullmatch(text):
        return Decimal(text.replace(",", "."))
    return _parse_decimal_in_full(text)


def _parse_decimal_in_full(text: str) -> Decimal:
    s = text.strip().translate(_GROUP_SPACES)
    if s.startswith("€"):
        s = s[1:].lstrip()
    elif s.endswith("€"):
        s = s[:-1].rstrip()
    sign = ""
    if s[:1] in ("-", "\u2212"):
        sign, s = "-", s[1:].lstrip()
    elif s[:1] == "+":
        s = s[1:].lstrip()
    if not s or not _DIGITS.issuperset(s.replace(".", "").replace(",", "").replace(" ", "")):
        raise FieldError(NOT_A_NUMBER)

    dots, commas, spaces = s.count("."), s.count(","), s.count(" ")
    decimal_sep: str | None = None
    group_sep: str | None = None
    if spaces:
        if dots and commas:
            raise FieldError(NOT_A_NUMBER)
        group_sep = " "
        if dots + commas > 1:
            raise FieldError(NOT_A_NUMBER)
        if dots or commas:
            decimal_sep = "." if dots else ","
    elif dots and commas:
        decimal_sep = "." if s.rfind(".") > s.rfind(",") else ","
        group_sep = "," if decimal_sep == "." else "."
        if s.count(decimal_sep) > 1:
            raise FieldError(NOT_A_NUMBER)
    elif dots + commas > 1:
        group_sep = "." if dots else ","
    elif dots or commas:
        sep = "." if dots else ","
        whole, _, fraction = s.partition(sep)
        if len(fraction) == 3 and 1 <= len(whole) <= 3 and whole[0] != "0":
            group_sep = sep
        else:
            decimal_sep = sep

    if decimal_sep is not None:
        whole, _, fraction = s.partition(decimal_sep)
        if not fraction or not fraction.isdigit():
            raise FieldError(NOT_A_NUMBER)
    else:
        whole, fraction = s, ""
    if group_sep is not None:
        groups = whole.split(group_sep)
        head, tail = groups[0], groups[1:]
        if not (1 <= len(head) <= 3 and head.isdigit()):
            raise FieldError(NOT_A_NUMBER)
        if any(len(g) != 3 or not g.isdigit() for g in tail):
            raise FieldError(NOT_A_NUMBER)
        whole = "".join(groups)
    if not whole:
        whole = "0"  # ",50" is half a euro
    if not whole.isdigit():
        raise FieldError(NOT_A_NUMBER)
    if len(fraction) > MAX_DECIMAL_PLACES:
        raise FieldError(TOO_MANY_DECIMALS)
    return Decimal(f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}")


def is_ambiguous_thousands(text: str) -> bool:
    """Whether ``text`` is ``1.234``-like: read as thousands, but maybe meant as decimals."""
    return _AMBIGUOUS_THOUSANDS.fullmatch(text.strip()) is not None


_AMBIGUOUS_THOUSANDS = re.compile(r"-?[1-9]\d{0,2}[.,]\d{3}", re.ASCII)


# --- dates --------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_DAY_FIRST_DATE = re.compile(r"(\d{1,2})([-/])(\d{1,2})\2(\d{4})", re.ASCII)

# Reasons a date is refused.
NOT_A_DATE = "not_a_date"
NO_SUCH_DATE = "no_such_date"

# Dates of birth are the most varied column: a few tens of thousands of distinct values even in a
# million rows. Past this size the cache starts again rather than growing.
_DATE_CACHE_SIZE = 100_000
_date_cache: dict[str, dt.date | str] = {}


def parse_date(text: str) -> dt.date:
    """Read ``YYYY-MM-DD``, ``DD-MM-YYYY`` or ``DD/MM/YYYY`` (day and month may be one digit).

    Two-digit years are refused: ``01-02-03`` could be any of three dates.
    """
    found = _date_cache.get(text)
    if found is None:
        found = _parse_date_uncached(text)
        if len(_date_cache) >= _DATE_CACHE_SIZE:
            _date_cache.clear()
        _date_cache[text] = found
    if isinstance(found, str):
        raise FieldError(found)
    return found


def _parse_date_uncached(text: str) -> dt.date | str:
    match = _ISO_DATE.fullmatch(text)
    if match:
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    else:
        match = _DAY_FIRST_DATE.fullmatch(text)
        if not match:
            return NOT_A_DATE
        day, month, year = int(match[1]), int(match[3]), int(match[4])
    try:
        return dt.date(year, month, day)
    except ValueError:
        return NO_SUCH_DATE


# --- names --------------------------------------------------------------------------------------

# Letters that Unicode does not decompose into a base letter plus an accent, so NFKD alone would
# keep them. Keys are lower-case: the text is case-folded first.
_NAME_FOLD = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ħ": "h",
        "\u0131": "i",  # dotless i (Turkish)
        "ŀ": "l",
        "ŧ": "t",
        "ŋ": "n",
        "ĸ": "k",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
    }
)
_NOT_ASCII_ALNUM = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=65_536)
def normalise_name_key(text: str) -> str:
    """The matching key of a name: "Łukasz" -> "lukasz", "Wróbel-Nowak" -> "wrobelnowak".

    Case-folded, accents removed (also from letters such as ł, ø, ß that do not decompose), and
    everything that is not a letter or digit dropped (spaces, hyphens, apostrophes, dots), so the
    spellings different payroll systems produce (``Ștefan``, ``Ştefan``, ``Stefan``) meet.
    Letters of other scripts (Cyrillic, Greek) are kept, case-folded.
    """
    folded = text.casefold()
    if folded.isascii():
        return _NOT_ASCII_ALNUM.sub("", folded)
    decomposed = unicodedata.normalize("NFKD", folded.translate(_NAME_FOLD))
    # Combining accents are not alphanumeric, so this drops them along with the punctuation.
    return "".join(c for c in decomposed if c.isalnum())


# --- e-mail -------------------------------------------------------------------------------------

# Deliberately strict (ASCII, a dot in the domain, no quoted local parts): an address that only an
# RFC lawyer would accept is more likely a typing error than a mailbox someone reads.
_EMAIL = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}",
    re.ASCII,
)


def normalise_email(text: str) -> str | None:
    """The address in lower case, or None when it cannot be used."""
    if len(text) > 254:
        return None
    address = text.lower()
    if _EMAIL.fullmatch(address) is None or address.index("@") > 64:
        return None
    return address


# --- BSN ----------------------------------------------------------------------------------------

_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)
# The weighted sum over the ASCII codes of the digits is off by 48 ("0") times the weights' sum.
_BSN_OFFSET = ord("0") * sum(_BSN_WEIGHTS)


def bsn_is_valid(text: str) -> bool:
    """The 11-proef: nine digits, weighted 9..2 and -1 for the last, summing to a multiple of 11."""
    if len(text) != 9 or not (text.isascii() and text.isdigit()) or text == "000000000":
        return False
    return (sum(map(operator.mul, text.encode(), _BSN_WEIGHTS)) - _BSN_OFFSET) % 11 == 0


def bsn_clean(text: str) -> str:
    """Drop separators (``1234.56.782``) and restore a leading zero lost by a spreadsheet.

    BSNs issued with eight digits are written with a leading zero for the 11-proef, and a
    spreadsheet that took the column for numbers drops it.
    """
    digits = text
    if not text.isdigit():
        digits = text.replace(" ", "").replace(".", "").replace("-", "")
    if len(digits) == 8 and digits.isascii() and digits.isdigit():
        return "0" + digits
    return digits


def bsn_hash(bsn: str, secret: str) -> str:
    """HMAC-SHA256 of the BSN under the server secret, as 64 hex digits. Never store the BSN."""
    # HMAC by its definition (RFC 2104) on precomputed pad states: copying two hash states is
    # a third of the cost of hmac.new per row, which shows at a million rows.
    inner, outer = _hmac_pads(secret)
    inner = inner.copy()
    inner.update(bsn.encode())
    outer = outer.copy()
    outer.update(inner.digest())
    return outer.hexdigest()


_SHA256_BLOCK = 64
_IPAD = bytes(b ^ 0x36 for b in range(256))
_OPAD = bytes(b ^ 0x5C for b in range(256))


@functools.lru_cache(maxsize=4)
def _hmac_pads(secret: str) -> tuple[Any, Any]:
    key = secret.encode()
    if len(key) > _SHA256_BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_SHA256_BLOCK, b"\0")
    return hashlib.sha256(key.translate(_IPAD)), hashlib.sha256(key.translate(_OPAD))


def mask_value(text: str) -> str:
    """A value with nothing of it left: one asterisk per character."""
    return "*" * len(text)
