"""Pure helpers that find what a bank entry says it pays: betalingskenmerken and invoice numbers.

The importer (``levies.bank.services``) looks the results up; nothing here touches the
database. A reference with a wrong check digit is never returned: it names no invoice for sure,
and a near miss must go to the unmatched queue for a person to judge, not be guessed.
"""

from __future__ import annotations

import re
from typing import Protocol

from levies.billing.payment_reference import payment_reference_normalise

# 16 digits written the two ways banks and payers write them: in one run, or in four groups of
# four with a space, dot or dash between groups ("5000 0567 8901 2345"). Any other grouping
# is not read, because a pattern that lets separators fall anywhere also finds 16 digits
# across two unrelated numbers next to each other (an invoice number and an amount), and one
# such run in eleven has a valid check digit by chance. Digits (or a grouped digit) right
# before or after mean the run is part of a longer number, so it is not a reference.
_TEXT_REFERENCE = re.compile(
    r"(?<![0-9])(?<![0-9][ .\-])"
    r"(?P<ref>[0-9]{16}|[0-9]{4}[ .\-][0-9]{4}[ .\-][0-9]{4}[ .\-][0-9]{4})"
    r"(?![ .\-]?[0-9])"
)

# Invoice numbers as printed (``2027-000123``): a year 2000-2099, a dash, six digits. Also
# accepted: a slash, dot or space for the dash, or none (``2027000123``), since payers retype
# them. A letter or digit right before (``S2027-000001`` is a state claim's reference, not an
# invoice; ``NL…2027000123`` is part of an account number) or a digit right after means it is
# part of something else.
_INVOICE_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])(?P<year>20[0-9]{2})[-/. ]?(?P<seq>[0-9]{6})(?![0-9])"
)


class _HasReferences(Protocol):
    creditor_reference: str
    remittance_text: str


def references_in(entry: _HasReferences) -> list[str]:
    """The betalingskenmerken an entry names, as 16 digits each, without repeats, in order: the
    structured creditor reference first (if it is a valid betalingskenmerk), then the valid
    16-digit references in the unstructured remittance text, left to right."""
    found: list[str] = []
    structured = payment_reference_normalise(entry.creditor_reference or "")
    if structured is not None:
        found.append(structured)
    for match in _TEXT_REFERENCE.finditer(entry.remittance_text or ""):
        reference = payment_reference_normalise(match["ref"])
        if reference is not None and reference not in found:
            found.append(reference)
    return found


def invoice_numbers_in(text: str) -> list[str]:
    """The invoice numbers in free text, as the invoices print them (``2027-000123``), without
    repeats, in the order they appear. Whether such an invoice exists is for the caller."""
    found: list[str] = []
    for match in _INVOICE_NUMBER.finditer(text or ""):
        number = f"{match['year']}-{match['seq']}"
        if number not in found:
            found.append(number)
    return found
