"""Where a row's work was done: the hirer's KvK number, the site code, the sector.

These columns refer to what is registered (``ReferenceData``, loaded once per upload), so their
validator is a small class over case-insensitive lookups built from it.
"""

from __future__ import annotations

from enrolment.roster.columns.base import Refused
from enrolment.roster.types import ReferenceData

UNKNOWN_HIRER = "unknown_hirer"
UNKNOWN_SITE = "unknown_site"
KVK_LENGTH = 8

_UNKNOWN_SECTOR = "There is no sector with this code."

# (hirer id, site id, the site's sector id); any of them None where the row does not say.
Placement = tuple[int | None, int | None, int | None]


class Places:
    """The hirers, sites and sectors a roster may name, looked up as a clerk writes them."""

    def __init__(self, reference: ReferenceData) -> None:
        self._hirers = reference.hirers
        self._sectors = {code.casefold(): pk for code, pk in reference.sectors.items()}
        self._sites = {(h, code.casefold()): v for (h, code), v in reference.sites.items()}
        by_code: dict[str, list[tuple[int, int, int]]] = {}
        for code, entries in reference.sites_by_code.items():
            by_code.setdefault(code.casefold(), []).extend(entries)
        self._sites_by_code = by_code

    def hirer(self, kvk_text: str) -> int | None:
        """The hirer with this KvK number (stripped text); None for an empty one.

        Spaces and dots are allowed, and leading zeros a spreadsheet dropped are put back.
        """
        if not kvk_text:
            return None
        kvk = kvk_text.replace(" ", "").replace(".", "")
        if kvk.isascii() and kvk.isdigit() and len(kvk) < KVK_LENGTH:
            kvk = kvk.zfill(KVK_LENGTH)  # a spreadsheet took the column for numbers
        hirer_id = self._hirers.get(kvk)
        if hirer_id is not None:
            return hirer_id
        if len(kvk) == KVK_LENGTH and kvk.isascii() and kvk.isdigit():
            message = (
                f"No hirer with KvK number {kvk} is registered. Check the number, or ask "
                "the union to register the hirer."
            )
        else:
            message = f"'{kvk_text}' is not a KvK number; a KvK number has 8 digits."
        raise Refused(UNKNOWN_HIRER, message, kvk_text)

    def site(self, site_text: str, hirer_id: int | None, kvk_text: str) -> Placement:
        """The placement a site code (stripped text) names, at the hirer when there is one.

        Without a hirer, a code that only one hirer's site has is enough.
        """
        if not site_text:
            return hirer_id, None, None
        code = site_text.casefold()
        if hirer_id is not None:
            found = self._sites.get((hirer_id, code))
            if found is None:
                raise Refused(
                    UNKNOWN_SITE,
                    f"The hirer with KvK number {kvk_text} has no site with the code "
                    f"'{site_text}'.",
                    site_text,
                )
            return hirer_id, found[0], found[1]
        candidates = self._sites_by_code.get(code, ())
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            message = (
                f"More than one hirer has a site with the code '{site_text}'. Fill in the "
                "hirer's KvK number so the right one is used."
            )
        else:
            message = f"No site with the code '{site_text}' is registered."
        raise Refused(UNKNOWN_SITE, message, site_text)

    def sector(self, raw: str) -> int:
        """The sector id, by code in any case; 0 for an empty value."""
        text = raw.strip()
        if not text:
            return 0
        found = self._sectors.get(text.casefold())
        if found is None:
            raise Refused("unknown_sector", _UNKNOWN_SECTOR, text)
        return found
