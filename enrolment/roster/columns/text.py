"""Text columns: the worker number, the first and last names, the CAO phase.

Each takes the value with its surrounding spaces already stripped (the row needs the stripped
text anyway) and gives it back unchanged when it is accepted. The limits are the field sizes of
the tables the rows end up in (enrolment.models).
"""

from __future__ import annotations

from enrolment.roster.columns.base import TOO_LONG, Refused, missing, too_long
from enrolment.roster.fields import bsn_clean, bsn_is_valid, mask_value

MAX_WORKER_NUMBER = 40
MAX_NAME = 200
MAX_CAO_PHASE = 10

_DIGITS = frozenset("0123456789")


def worker_number(text: str) -> str:
    """The worker number, as the payroll system writes it: required, at most 40 characters."""
    if not text:
        raise missing("worker number")
    if len(text) > MAX_WORKER_NUMBER:
        raise Refused(TOO_LONG, too_long(MAX_WORKER_NUMBER), text)
    return text


def person_name(text: str, label: str) -> str:
    """A first or last name (``label`` says which): required, at most 200 characters, and not
    a BSN.

    A name that is a BSN (nine digits passing the 11-proef, or eight that lost their leading
    zero) is a column mix-up that must not store a citizen service number as a name; the
    refusal shows it masked. Names are never shown back otherwise.
    """
    if not text:
        raise missing(label)
    if len(text) > MAX_NAME:
        raise Refused(TOO_LONG, too_long(MAX_NAME))
    if text[-1] in _DIGITS:
        cleaned = bsn_clean(text)
        if bsn_is_valid(cleaned):
            raise Refused(
                "bsn_in_name",
                f"The {label} is a citizen service number (BSN), not a name. Check that the "
                "columns are in the right place; Unionroll does not store BSNs.",
                mask_value(cleaned),
            )
    return text


def cao_phase(text: str) -> str:
    """The CAO phase (A, B, C, or a sector's own): optional, at most 10 characters."""
    if len(text) > MAX_CAO_PHASE:
        raise Refused(TOO_LONG, too_long(MAX_CAO_PHASE), text)
    return text
