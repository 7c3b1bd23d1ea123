"""The BSN column (citizen service number), read only where BSN matching is switched on.

The BSN itself is never kept: an accepted one becomes its keyed hash, and a refused one is shown
masked.
"""

from __future__ import annotations

from enrolment.roster.columns.base import Refused
from enrolment.roster.fields import bsn_clean, bsn_hash, bsn_is_valid, mask_value

_INVALID_BSN = (
    "This BSN is not valid: it fails the 11-proef check. Check it against the worker's documents."
)


def bsn(text: str, secret: str) -> str:
    """A non-empty BSN (separators and a lost leading zero allowed) as its HMAC under
    ``secret``."""
    cleaned = bsn_clean(text)
    if not bsn_is_valid(cleaned):
        raise Refused("invalid_bsn", _INVALID_BSN, mask_value(cleaned))
    return bsn_hash(cleaned, secret)
