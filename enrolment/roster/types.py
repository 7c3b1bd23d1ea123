"""Shapes shared by the roster reader (parsing, per-row validation) and the apply service."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class RosterIssue:
    """One error or warning, in words a payroll clerk understands.

    ``row`` is the spreadsheet row number (header = row 1), ``column`` the column as named in the
    file's header. ``value`` is the offending text, masked where it could be a BSN; never set it
    for warnings that would echo personal data back needlessly.
    """

    code: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "message": self.message,
            "value": self.value,
        }


class ParsedRow(NamedTuple):
    """A valid roster row, converted. Column order matches the staging table, so a row is
    written to the staging ``COPY`` as it is."""

    row_number: int
    worker_number: str
    first_name: str
    last_name: str
    first_name_key: str
    last_name_key: str
    date_of_birth: dt.date
    email: str | None
    phone: str | None  # E.164
    language: str
    period_start: dt.date
    period_end: dt.date
    hirer_id: int | None
    site_id: int | None
    sector_id: int
    cao_phase: str
    hours_worked: Decimal
    gross_wages: Decimal
    housing_deduction: Decimal | None
    bsn_hash: str | None


@dataclass(frozen=True, slots=True)
class ReferenceData:
    """What a roster may refer to, loaded once per upload (small: sectors, hirers, sites)."""

    organisation_id: int
    # Sector code -> sector id, for every known sector.
    sectors: dict[str, int]
    # The uploading organisation's own sector ids; used when a row names no sector and no site.
    organisation_sector_ids: tuple[int, ...]
    # Hirer KvK -> hirer organisation id.
    hirers: dict[str, int]
    # (hirer id, site code) -> (site id, sector id)
    sites: dict[tuple[int, str], tuple[int, int]]
    # site code -> [(hirer id, site id, sector id)], to resolve a site given without a hirer KvK.
    sites_by_code: dict[str, list[tuple[int, int, int]]] = field(default_factory=dict)
