"""The Dutch *betalingskenmerk*: a 16-digit structured payment reference with a check digit.

A payer who quotes the betalingskenmerk on a bank transfer lets the union match the payment to
its invoice without reading free text. The 16-digit form is ``C`` + 15 digits, where ``C`` is a
check digit over the 15 digits that follow (Betaalvereniging Nederland, "Specificaties
betalingskenmerk"):

- each of the 15 digits gets a weight, counted from the rightmost digit: 2, 4, 8, 5, 10, 9, 7, 3,
  6, 1, then the same again;
- ``C = 11 - (sum of digit x weight) mod 11``, where 10 is written as 1 and 11 as 0.

The weights are the powers of two modulo 11 (2**1 .. 2**10), which is why they repeat after ten.
Because 11 is prime and no weight is 0 mod 11, changing one of the 15 digits always changes the
remainder; but the "10 is written as 1" rule folds remainders 1 and 10 onto the same check digit
1, so a single mistyped digit that moves the remainder from 1 to 10 (or back) goes unnoticed.
Banks accept that; matching code must still compare the whole reference, never trust the check
digit alone.
"""

from __future__ import annotations

import re

LENGTH = 16
PAYLOAD_LENGTH = LENGTH - 1
WEIGHTS = (2, 4, 8, 5, 10, 9, 7, 3, 6, 1)

# Separators people type or banks print between groups: spaces (also non-breaking), dots, dashes.
_SEPARATORS = re.compile(r"[\s.\-]+")
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_SEQUENCE_DIGITS = 10


def payment_reference_check_digit(payload: str) -> int:
    """The check digit for 15 payload digits (the betalingskenmerk without its first digit)."""
    if len(payload) != PAYLOAD_LENGTH or not payload.isascii() or not payload.isdigit():
        raise ValueError("payload must be 15 ASCII digits")
    total = sum(
        int(digit) * WEIGHTS[position % len(WEIGHTS)]
        for position, digit in enumerate(reversed(payload))
    )
    check = 11 - total % 11
    if check == 10:
        return 1
    if check == 11:
        return 0
    return check


def payment_reference_for(number: int) -> str:
    """The 16-digit betalingskenmerk whose 15 payload digits are ``number``, zero-padded.

    The same number always gives the same reference, and different numbers give different
    references, so a unique number per invoice gives a unique reference per invoice.
    """
    if not 0 <= number < 10**PAYLOAD_LENGTH:
        raise ValueError("number must be between 0 and 10**15 - 1")
    payload = f"{number:0{PAYLOAD_LENGTH}d}"
    return f"{payment_reference_check_digit(payload)}{payload}"


def payment_reference_for_invoice(*, year: int, sequence: int, series: int = 0) -> str:
    """The betalingskenmerk for document ``sequence`` of ``year`` in numbering ``series``.

    Payload layout: 4-digit year, 1-digit series (e.g. 0 invoices, 1 credit notes if they are
    numbered separately), 10-digit sequence, so invoice ``2027-000123`` gets payload
    ``202700000000123`` and the reference can be read back by a person at the bank.
    """
    if not 1000 <= year <= 9999:
        raise ValueError("year must have four digits")
    if not 0 <= series <= 9:
        raise ValueError("series must be a single digit")
    if not 0 < sequence < 10**_SEQUENCE_DIGITS:
        raise ValueError("sequence must be positive and fit in ten digits")
    return payment_reference_for((year * 10 + series) * 10**_SEQUENCE_DIGITS + sequence)


def payment_reference_normalise(text: str) -> str | None:
    """The 16 digits of a betalingskenmerk as typed (``5000 0567 8901 2345``), or None."""
    digits = _SEPARATORS.sub("", text)
    if not _SIXTEEN_DIGITS.fullmatch(digits):
        return None
    if int(digits[0]) != payment_reference_check_digit(digits[1:]):
        return None
    return digits


def payment_reference_is_valid(text: str) -> bool:
    """Whether ``text`` is a 16-digit betalingskenmerk with a correct check digit.

    Spaces, dots and dashes between digits are ignored, as people type them in groups.
    """
    return payment_reference_normalise(text) is not None


def payment_reference_format(reference: str) -> str:
    """The reference in groups of four digits (``5000 0567 8901 2345``), the way banks print it."""
    digits = payment_reference_normalise(reference)
    if digits is None:
        raise ValueError("not a valid 16-digit payment reference")
    return " ".join(digits[i : i + 4] for i in range(0, LENGTH, 4))
