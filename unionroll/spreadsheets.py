"""CSV cells a spreadsheet program opens safely (OWASP "CSV injection")."""

from __future__ import annotations

import re

# Cells that a spreadsheet would run as a formula; "-12" and "-12,50" stay numbers.
_FORMULA_START = re.compile(r"^(?:[=+@\t\r]|-(?!\d+(?:[.,]\d+)?$))")


def spreadsheet_safe(value: object) -> object:
    """A text that would start a formula gets a leading apostrophe, so it stays text; None is
    an empty cell; anything else is written as it is."""
    if isinstance(value, str) and _FORMULA_START.match(value):
        return "'" + value
    return "" if value is None else value
