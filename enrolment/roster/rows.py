"""The row rules: what makes a roster row valid, and the ``ParsedRow`` it becomes.

``RowRules.converter`` gives the function the reading engine calls for every record. It checks
each column with its validator (``enrolment.roster.columns``) and the checks that span columns:
one pay period per file (and a period that has been worked and is not too long), the hours
within that period, a sector from the row, its site or the organisation.

This runs a million times per large roster, so the per-row functions are closures over plain
local variables, and memo dictionaries hand out the values that repeat on almost every row
(dates of birth, names, the period, the placement, amounts) without calling a validator; only a
value not met before goes through the ``_…`` methods below, which call the validator, record a
refusal and memoise what was accepted. Each memo is bounded; past it, values are checked every
time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from enrolment.roster.cells import blank
from enrolment.roster.columns import bsn as bsn_column
from enrolment.roster.columns import contact, dates, numbers, text
from enrolment.roster.columns.base import Refused
from enrolment.roster.columns.places import Placement, Places
from enrolment.roster.fields import PLAIN_NUMBER, normalise_name_key
from enrolment.roster.issues import IssueLog
from enrolment.roster.layout import Header
from enrolment.roster.periods import PeriodRules
from enrolment.roster.types import ParsedRow, ReferenceData

# Bound on each memo of raw text -> converted value; past it, values are converted every time.
MEMO_SIZE = 100_000

Convert = Callable[[int, list[Any]], ParsedRow | None]
_REFUSED = object()  # a BSN that was refused (None is a row without one)


class RowRules:
    """The rules for one roster's rows; the period they fix is ``period``."""

    def __init__(
        self,
        *,
        reference: ReferenceData,
        log: IssueLog,
        today: dt.date,
        bsn_matching: bool,
        bsn_secret: str,
        periods: PeriodRules,
    ) -> None:
        self._log = log
        self._today = today
        self._places = Places(reference)
        self._periods = periods
        self._bsn_matching = bsn_matching
        self._bsn_secret = bsn_secret
        self._organisation_sectors = reference.organisation_sector_ids
        self._only_sector = (
            reference.organisation_sector_ids[0]
            if len(reference.organisation_sector_ids) == 1
            else None
        )
        # Raw value -> converted value, for values that were accepted.
        self._names: dict[str, tuple[str, str]] = {}
        self._born: dict[Any, dt.date] = {}
        self._languages: dict[str, str] = {}
        self._placements: dict[tuple[Any, Any, Any], Placement] = {}
        self._phases: dict[str, str] = {}
        # Hours and amounts repeat a lot (38,00; a housing charge of 105,00); non-negative only.
        self._amounts: dict[str, Decimal] = {}

    @property
    def period(self) -> tuple[dt.date, dt.date] | None:
        return self._periods.period

    # --- the per-row functions -------------------------------------------------------------------

    def converter(self, header: Header) -> Convert:
        """The function from a record (row number, values) to its ParsedRow, or None when the
        row is blank or refused (the refusals recorded in the log)."""
        ix = header.positions()
        i_worker, width = ix["worker_number"], len(header.names)
        header_valid = header.valid
        log, fit = self._log, self._fit
        person, when, where, pay = (
            self._person(ix), self._periods.checker(ix), self._where(ix), self._pay(ix),
        )  # fmt: skip
        identify = self._identify(ix) if self._bsn_matching else None

        def convert(row: int, values: list[Any]) -> ParsedRow | None:
            if len(values) != width and not fit(row, values, width):
                return None
            values.append("")  # what the columns the file lacks read as (index -1)
            worker = values[i_worker].strip()
            if not worker and blank(values):
                return None
            log.rows_seen += 1
            who = person(row, values, worker)
            start, end, period_hours, in_period = when(row, values)
            placed = where(row, values)
            paid = pay(row, values, period_hours)
            hashed = identify(row, values) if identify is not None else None
            if who is None or not in_period or placed is None or paid is None:
                return None
            if hashed is _REFUSED or not header_valid:
                return None
            return ParsedRow(row, *who, start, end, *placed, *paid, hashed)

        return convert

    def _person(self, ix: dict[str, int]) -> Callable[[int, list[Any], str], tuple | None]:
        """Who the row is about: worker number, names and their keys, date of birth, contact
        details, language."""
        i_first, i_last, i_born = ix["first_name"], ix["last_name"], ix["date_of_birth"]
        i_email, i_phone, i_language = ix["email"], ix["phone"], ix["language"]
        names, born_memo, languages = self._names, self._born, self._languages
        name_of, born_of, language_of = self._name, self._date_of_birth, self._language
        worker_number, refuse = text.worker_number, self._log.refuse
        max_worker_number = text.MAX_WORKER_NUMBER
        # The contact validators' own normalisers, called inline: a refused address or number is
        # a warning (contact.INVALID_EMAIL / INVALID_PHONE), so there is nothing to raise.
        email_of, phone_of, warn = contact.normalise_email, contact.normalise_phone, self._log.warn

        def person(row: int, values: list[Any], worker: str) -> tuple | None:
            valid = True
            if not worker or len(worker) > max_worker_number:
                try:
                    worker_number(worker)
                except Refused as refused:
                    valid = refuse(row, "worker_number", refused)
            first = names.get(values[i_first]) or name_of(row, "first_name", values[i_first])
            last = names.get(values[i_last]) or name_of(row, "last_name", values[i_last])
            born = born_memo.get(values[i_born]) or born_of(row, values[i_born])
            email = values[i_email].strip() or None
            if email is not None:
                email = email_of(email)
                if email is None:
                    warn(row, contact.INVALID_EMAIL, "email")
            phone = values[i_phone].strip() or None
            if phone is not None:
                phone = phone_of(phone)
                if phone is None:
                    warn(row, contact.INVALID_PHONE, "phone")
            language = languages.get(values[i_language]) or language_of(row, values[i_language])
            if not (valid and first and last and born and language):
                return None
            return worker, first[0], last[0], first[1], last[1], born, email, phone, language

        return person

    def _where(self, ix: dict[str, int]) -> Callable[[int, list[Any]], Placement | None]:
        """Where the work was done: (hirer id, site id, sector id)."""
        i_kvk, i_site, i_sector = ix["hirer_kvk"], ix["site_code"], ix["sector"]
        placements, place = self._placements, self._place

        def where(row: int, values: list[Any]) -> Placement | None:
            key = (values[i_kvk], values[i_site], values[i_sector])
            return placements.get(key) or place(row, key)

        return where

    def _pay(self, ix: dict[str, int]) -> Callable[[int, list[Any], int | None], tuple | None]:
        """The CAO phase, hours worked, gross wages and housing deduction."""
        i_phase, i_hours = ix["cao_phase"], ix["hours_worked"]
        i_wages, i_housing = ix["gross_wages"], ix["housing_deduction"]
        phases, amounts = self._phases, self._amounts
        phase_of, hours_of, money_of = self._phase, self._hours, self._money
        max_hours, plain = numbers.MAX_HOURS, PLAIN_NUMBER.fullmatch

        def amount(raw: Any) -> Decimal | None:
            # Most amounts are plain ("558.98", "558,98"): nothing to check but the hours'
            # range (every row), and no validator to call for a value met for the first time.
            if raw.__class__ is str and plain(raw) and raw[0] != "-":
                found = Decimal(raw.replace(",", "."))
                if len(amounts) < MEMO_SIZE:
                    amounts[raw] = found
                return found
            return None

        def pay(row: int, values: list[Any], period_hours: int | None) -> tuple | None:
            phase = phases.get(values[i_phase])
            if phase is None:
                phase = phase_of(row, values[i_phase])
            raw = values[i_hours]
            hours = amounts.get(raw) or amount(raw)
            if hours is None or period_hours is None or hours > period_hours or hours > max_hours:
                hours = hours_of(row, raw, hours, period_hours)
            raw = values[i_wages]
            wages = amounts.get(raw) or amount(raw)
            if wages is None:
                wages = money_of(row, "gross_wages", raw, True)
            raw = values[i_housing]
            housing = None if raw == "" else amounts.get(raw) or amount(raw)
            if housing is None and raw != "":
                housing = money_of(row, "housing_deduction", raw, False)
            if phase is None or hours is None or wages is _REFUSED or housing is _REFUSED:
                return None
            return phase, hours, wages, housing

        return pay

    def _identify(self, ix: dict[str, int]) -> Callable[[int, list[Any]], Any]:
        """The BSN's hash, None for a row without one, _REFUSED for one not valid."""
        i_bsn, secret, refuse = ix["bsn"], self._bsn_secret, self._log.refuse

        def identify(row: int, values: list[Any]) -> Any:
            raw = values[i_bsn].strip()
            if not raw:
                return None
            try:
                return bsn_column.bsn(raw, secret)
            except Refused as refused:
                return refuse(row, "bsn", refused) or _REFUSED

        return identify

    # --- values not met before -------------------------------------------------------------------

    def _fit(self, row: int, values: list[Any], width: int) -> bool:
        """Pad a short row; refuse a long one whose extra values are not empty."""
        if len(values) < width:
            values.extend([""] * (width - len(values)))
            return True
        if any(v.strip() if v.__class__ is str else v is not None for v in values[width:]):
            self._log.rows_seen += 1
            self._log.error(
                "column_count",
                f"This row has {len(values)} values but the header has {width} columns. A value "
                "probably contains the separator without quotes around it.",
                row=row,
            )
            return False
        del values[width:]
        return True

    def _name(self, row: int, field: str, raw: str) -> tuple[str, str] | None:
        """(name, matching key), or None when refused."""
        name = raw.strip()
        try:
            text.person_name(name, "first name" if field == "first_name" else "last name")
        except Refused as refused:
            return self._log.refuse(row, field, refused) or None
        found = (name, normalise_name_key(name))
        _remember(self._names, raw, found)
        return found

    def _date_of_birth(self, row: int, raw: Any) -> dt.date | None:
        try:
            born = dates.date_of_birth(raw, self._today)
        except Refused as refused:
            return self._log.refuse(row, "date_of_birth", refused) or None
        if raw.__class__ is str:
            _remember(self._born, raw, born)
        return born

    def _language(self, row: int, raw: str) -> str | None:
        try:
            code = contact.language(raw)
        except Refused as refused:
            return self._log.refuse(row, "language", refused) or None
        if len(self._languages) < 10_000:  # a roster has a handful
            self._languages[raw] = code
        return code

    def _place(self, row: int, key: tuple[str, str, str]) -> Placement | None:
        """(hirer id, site id, sector id) from the hirer's KvK number, the site code and the
        sector; None when one of them is refused."""
        kvk_text, site_text = key[0].strip(), key[1].strip()
        places, refuse = self._places, self._log.refuse
        placement = None
        try:
            hirer_id = places.hirer(kvk_text)
        except Refused as refused:
            refuse(row, "hirer_kvk", refused)
        else:
            try:
                placement = places.site(site_text, hirer_id, kvk_text)
            except Refused as refused:
                refuse(row, "site_code", refused)
        hirer_id, site_id, sector_id = placement or (None, None, None)
        sector_named = False
        if key[2]:
            try:
                sector_id = places.sector(key[2]) or sector_id
            except Refused as refused:
                sector_named = refuse(row, "sector", refused) or True  # unknown, as reported
        if sector_id is None and not sector_named:
            if self._only_sector is not None:
                sector_id = self._only_sector
            elif placement is not None:
                self._log.fail(row, "sector", None, "sector_missing", self._sector_missing())
                return None
        if placement is None or sector_named:
            return None
        found = (hirer_id, site_id, sector_id)
        _remember(self._placements, key, found)
        return found

    def _sector_missing(self) -> str:
        if not self._organisation_sectors:
            return (
                "This row names no sector and no site, and no sector is registered for your "
                "organisation. Fill in the sector."
            )
        return (
            "This row names no sector and no site, and your organisation works in more than one "
            "sector. Fill in the sector."
        )

    def _phase(self, row: int, raw: str) -> str | None:
        phase = raw.strip()
        try:
            text.cao_phase(phase)
        except Refused as refused:
            return self._log.refuse(row, "cao_phase", refused) or None
        _remember(self._phases, raw, phase)
        return phase

    def _hours(
        self, row: int, raw: Any, hours: Decimal | None, period_hours: int | None
    ) -> Decimal | None:
        """Hours worked, ``hours`` when already read from ``raw``; None when refused."""
        try:
            if hours is None:
                hours = numbers.hours_worked(raw, period_hours)
                self._remember_amount(raw, hours)
            else:
                numbers.check_hours(raw, hours, period_hours)
        except Refused as refused:
            return self._log.refuse(row, "hours_worked", refused) or None
        return hours

    def _money(self, row: int, field: str, raw: Any, required: bool) -> Any:
        """The amount; None when empty and not required; _REFUSED when refused."""
        label = "gross wages" if field == "gross_wages" else "housing deduction"
        try:
            amount = numbers.money(raw, label, required=required)
        except Refused as refused:
            return self._log.refuse(row, field, refused) or _REFUSED
        if amount is not None:
            self._remember_amount(raw, amount)
        return amount

    def _remember_amount(self, raw: Any, amount: Decimal) -> None:
        # Only text, and only what every amount column accepts: a memo hit skips the checks
        # (but for the hours' range, checked on every row).
        if raw.__class__ is str and amount >= 0 and amount <= numbers.MAX_MONEY:
            _remember(self._amounts, raw, amount)


def _remember(memo: dict, key: Any, value: Any) -> None:
    if len(memo) < MEMO_SIZE:
        memo[key] = value
