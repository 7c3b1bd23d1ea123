"""The roster reader: stream a payroll roster, validate every row, hand out the valid ones.

``RosterReader.rows()`` is a generator: it reads the file once, yields a ``ParsedRow`` for every
valid row and collects an issue for every problem as it goes, so the apply service can ``COPY``
rows into staging while the file is still being read and decide at the end (any error rejects the
file). Nothing holds the whole file; the caches that make a million rows fast are bounded.

The format (columns, accepted spellings, every error code) is written up in docs/roster-format.md;
keep the two in step.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import math
import os
import pickle
import signal
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from openpyxl.utils.datetime import from_excel

from enrolment.roster.fields import (
    NO_SUCH_DATE,
    PLAIN_NUMBER,
    TOO_MANY_DECIMALS,
    FieldError,
    bsn_clean,
    bsn_hash,
    bsn_is_valid,
    is_ambiguous_thousands,
    mask_value,
    normalise_email,
    normalise_name_key,
    parse_date,
    parse_decimal,
)
from enrolment.roster.languages import ISO_639_1
from enrolment.roster.phones import normalise_phone
from enrolment.roster.sources import (
    READ_ERRORS,
    ReadLimits,
    Record,
    Source,
    UnreadableFile,
    csv_source_reopen,
    open_source,
    read_error_message,
)
from enrolment.roster.types import ParsedRow, ReferenceData, RosterIssue
from unionroll.money import round_money

__all__ = [
    "COLUMNS",
    "RosterReader",
    "bsn_hash",
    "bsn_is_valid",
    "header_key",
    "mask_value",
    "normalise_name_key",
]

DEFAULT_LANGUAGE = "en"
# Row numbers listed in a summarised warning; the count says how many there are in all.
WARNING_ROWS_LISTED = 20

# Field sizes of the tables the rows end up in (enrolment.models).
_MAX_LENGTH = {"worker_number": 40, "first_name": 200, "last_name": 200, "cao_phase": 10}
_MAX_HOURS = Decimal("999999.99")
_MAX_MONEY = Decimal("999999999999.99")
_OLDEST_AGE_YEARS = 120
# Bound on each memo of raw text -> converted value; past it, values are converted every time.
_MEMO_SIZE = 100_000
_UNSET = object()


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    dutch: str
    label: str  # how a message names it: "The {label} is missing."
    required: bool = False
    kind: str = "text"  # "text", "date" or "number": how an XLSX cell is converted


COLUMNS: tuple[Column, ...] = (
    Column("worker_number", "personeelsnummer", "worker number", required=True),
    Column("first_name", "voornaam", "first name", required=True),
    Column("last_name", "achternaam", "last name", required=True),
    Column("date_of_birth", "geboortedatum", "date of birth", required=True, kind="date"),
    Column("email", "e-mail", "e-mail address"),
    Column("phone", "telefoon", "phone number"),
    Column("language", "taal", "language"),
    Column("period_start", "periode begin", "period start", required=True, kind="date"),
    Column("period_end", "periode eind", "period end", required=True, kind="date"),
    Column("hirer_kvk", "inlener kvk", "hirer's KvK number"),
    Column("site_code", "locatie", "site code"),
    Column("sector", "sector", "sector"),
    Column("cao_phase", "fase", "CAO phase"),
    Column("hours_worked", "uren", "hours worked", required=True, kind="number"),
    Column("gross_wages", "brutoloon", "gross wages", required=True, kind="number"),
    Column("housing_deduction", "huisvesting", "housing deduction", kind="number"),
    Column("bsn", "bsn", "BSN"),
)
_BY_FIELD = {c.field: c for c in COLUMNS}


def header_key(text: str) -> str:
    """Header text as compared with column names: case, spaces, ``_``, ``-``, ``.`` ignored."""
    folded = text.replace("\ufeff", "").casefold()
    return "".join(c for c in folded if c.isalnum())


_HEADER_ALIASES: dict[str, str] = {}
for _column in COLUMNS:
    _HEADER_ALIASES[header_key(_column.field)] = _column.field
    _HEADER_ALIASES[header_key(_column.dutch)] = _column.field


# --- staging text and worker messages ---------------------------------------------------------

# Below this size a roster is read in one process: forking costs more than it saves.
PARALLEL_MIN_BYTES = 4 * 1024 * 1024

# The staging columns that are NOT NULL text: an empty value in them is the empty string.
STAGING_NOT_NULL_TEXT = (
    "worker_number",
    "first_name",
    "last_name",
    "first_name_key",
    "last_name_key",
    "cao_phase",
)


def staging_csv(rows: Sequence[ParsedRow]) -> bytes:
    """Rows as CSV for ``COPY roster_staging FROM STDIN (FORMAT csv, FORCE_NOT_NULL …)``.

    The csv module quotes what needs quoting (separators, quotes, line breaks in a name) and
    writes None as an unquoted empty value, which COPY reads as NULL; dates, numbers and
    Decimals are written by ``str``, which PostgreSQL reads back exactly.
    """
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


_LENGTH = struct.Struct("!Q")


def _send(out: Any, message: tuple[str, bytes, Any]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_LENGTH.pack(len(data)))
    out.write(data)
    out.flush()


def _receive(pipe: Any) -> tuple[str, bytes, Any]:
    head = pipe.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise RuntimeError("A roster reading process stopped unexpectedly.")
    (size,) = _LENGTH.unpack(head)
    data = pipe.read(size)
    if len(data) < size:
        raise RuntimeError("A roster reading process stopped unexpectedly.")
    return pickle.loads(data)  # noqa: S301 (our own forked child, over our own pipe)


class RosterReader:
    """Parse and validate one roster file. Read ``rows()`` to the end, then the issues."""

    def __init__(
        self,
        path: Path,
        *,
        reference: ReferenceData,
        bsn_matching: bool,
        bsn_secret: str,
        max_errors: int = 10_000,
        limits: ReadLimits | None = None,
        stop_after_errors: int | None = None,
        max_period_days: int | None = None,
        allow_open_periods: bool | None = None,
    ) -> None:
        """``max_errors`` errors are kept; reading stops at ``stop_after_errors`` errors. The
        limits and period rules default to the ``UNIONROLL_ROSTER_*`` settings."""
        if bsn_matching and not bsn_secret:
            raise ImproperlyConfigured("BSN matching needs a secret to key the hash with.")
        self._path = Path(path)
        self._reference = reference
        self._bsn_matching = bsn_matching
        self._bsn_secret = bsn_secret
        self._max_errors = max_errors
        self._limits = limits or read_limits()
        self._stop_after_errors = (
            stop_after_errors
            if stop_after_errors is not None
            else settings.UNIONROLL_ROSTER_STOP_AFTER_ERRORS
        )
        self._max_period_days = (
            max_period_days
            if max_period_days is not None
            else settings.UNIONROLL_ROSTER_MAX_PERIOD_DAYS
        )
        self._allow_open_periods = (
            allow_open_periods
            if allow_open_periods is not None
            else settings.UNIONROLL_ROSTER_ALLOW_OPEN_PERIODS
        )
        self._today = timezone.localdate()

        self.errors: list[RosterIssue] = []
        self.error_count = 0
        self.rows_seen = 0
        self.period: tuple[dt.date, dt.date] | None = None
        # The error that stopped the reading at a limit, if one did (always reported).
        self.stopped: RosterIssue | None = None
        self._file_warnings: list[RosterIssue] = []
        # code -> [count, first row numbers, column]
        self._row_warnings: dict[str, list[Any]] = {}
        self._started = False
        self._read_failed = False
        self._records_read = 0  # data records (not the header), blank ones included
        self._last_row = 0  # the row number of the last record read
        # Set from the header by _read_header.
        self._missing: set[str] = set()
        self._names: dict[str, str] = {}
        self._index: dict[str, int] = {}
        self._kinds: list[str] = []
        self._width = 0
        self._header_ok = True
        self._header_names: list[str] = []

        self._sectors = {code.casefold(): pk for code, pk in reference.sectors.items()}
        self._sites = {(h, code.casefold()): v for (h, code), v in reference.sites.items()}
        by_code: dict[str, list[tuple[int, int, int]]] = {}
        for code, entries in reference.sites_by_code.items():
            by_code.setdefault(code.casefold(), []).extend(entries)
        self._sites_by_code = by_code
        self._languages: dict[str, str] = {}

    # --- results ---------------------------------------------------------------------------------

    @property
    def warnings(self) -> list[RosterIssue]:
        """File-level warnings, then one summary per kind of row warning (never the values)."""
        summaries = []
        for code, (count, rows, column) in self._row_warnings.items():
            listed = ", ".join(str(r) for r in rows)
            if count > len(rows):
                listed += ", …"
            summaries.append(
                RosterIssue(
                    code=code,
                    message=_WARNING_TEXT[code](count) + f" ({'row' if count == 1 else 'rows'} "
                    f"{listed}).",
                    column=column,
                )
            )
        return [*self._file_warnings, *summaries]

    # --- reading ---------------------------------------------------------------------------------

    def rows(self) -> Iterator[ParsedRow]:
        """Every valid row, in file order; the issues collect on the reader as it goes."""
        self._start()
        source = self._open()
        if source is None:
            return
        try:
            yield from self._convert(self._data_records(source), self._converter())
        finally:
            source.close()
        self._check_not_empty()

    def copy_batches(self, *, batch_rows: int, workers: int = 1) -> Iterator[bytes]:
        """The valid rows as ``COPY … (FORMAT csv)`` text, a batch of records at a time.

        With ``workers`` > 1 and a large CSV file, batches after the first are converted in
        forked processes, each reading the file itself and converting every ``workers``-th
        batch, so two cores share a million rows' work; the batches, issues and counts come
        back in file order and the outcome is the same as reading in one process. The first
        batch is always read here: it fixes the file's period, against which every later row
        is checked.
        """
        self._start()
        source = self._open()
        if source is None:
            return
        records = self._data_records(source)
        convert = self._converter()
        parallel = (
            workers > 1
            and not source.typed
            and self._path.stat().st_size >= PARALLEL_MIN_BYTES
            and hasattr(os, "fork")
        )
        try:
            while True:
                before = self._records_read
                rows = list(self._convert(islice(records, batch_rows), convert))
                if rows:
                    yield staging_csv(rows)
                if self._read_failed or self._records_read - before < batch_rows:
                    break
                if parallel and self.period is not None:
                    source.close()
                    yield from self._parallel_batches(source, convert, batch_rows, workers)
                    break
        finally:
            source.close()
        self._check_not_empty()

    def _start(self) -> None:
        if self._started:
            raise RuntimeError("A roster can be read once; make a new reader to read it again.")
        self._started = True

    def _open(self) -> Source | None:
        """Open the file and read its header; None (with the reason recorded) when there are
        no rows to read."""
        try:
            source = open_source(self._path, self._limits)
        except UnreadableFile as exc:
            self._error("unreadable_file", exc.message)
            return None
        ok = False
        try:
            records = source.records
            first = next(records, None)
            if first is None:
                self._error("empty_file", "The file is empty.")
                return None
            self._last_row, header = first
            # Nothing but blank lines is an empty file; blank lines before the data mean the
            # column names are not in row 1, which the header check below reports.
            if _blank(header) and all(_blank(values) for _, values in records):
                self._error("empty_file", "The file is empty.")
                return None
            names = [_cell_text(v) for v in header]
            if any("\x00" in name for name in names):
                names = [name.replace("\x00", "") for name in names]
                self._error("invalid_character", _nul_message, row=1)
            ok = self._read_header(names)
            return source if ok else None
        except READ_ERRORS as exc:
            self._read_error(exc)
            return None
        finally:
            if not ok:
                source.close()

    def _data_records(self, source: Source) -> Iterator[Record]:
        records = source.records
        if source.may_hold_nul:
            records = self._without_nul(records)
        if source.typed:
            return self._typed_records(records, source.epoch)
        return records

    def _without_nul(self, records: Iterator[Record]) -> Iterator[Record]:
        """Rows of a file that may hold NUL characters: each one is an error, and taken out of
        the value so that nothing with it reaches the database (whose text cannot hold it)."""
        for number, values in records:
            if any("\x00" in v for v in values if v.__class__ is str):
                for i, value in enumerate(values):
                    if value.__class__ is str and "\x00" in value:
                        values[i] = value.replace("\x00", "")
                        self.error_count += 1
                        if len(self.errors) < self._max_errors:
                            self.errors.append(
                                RosterIssue(
                                    code="invalid_character",
                                    message=_nul_message,
                                    row=number,
                                    column=self._column_name(i),
                                )
                            )
            yield number, values

    def _column_name(self, index: int) -> str:
        if index < len(self._header_names) and self._header_names[index]:
            return self._header_names[index]
        return f"column {index + 1}"

    def _convert(
        self, records: Iterator[Record], convert: Callable[[int, list[Any]], ParsedRow | None]
    ) -> Iterator[ParsedRow]:
        last_row = self._last_row
        max_rows = self._limits.max_rows
        stop = self._stop_after_errors
        try:
            for last_row, values in records:
                if last_row > max_rows:
                    self._stop(
                        "too_many_rows",
                        f"The file has more than {max_rows:,} rows; reading stopped at row "
                        f"{last_row:,}. Split the roster into smaller files.",
                        last_row,
                    )
                    break
                self._records_read += 1
                parsed = convert(last_row, values)
                if parsed is not None:
                    yield parsed
                elif self.error_count >= stop:
                    self._stop("too_many_errors", _too_many_errors(stop, last_row), last_row)
                    break
        except READ_ERRORS as exc:
            self._last_row = last_row
            self._read_error(exc)
        self._last_row = last_row

    def _stop(self, code: str, message: str, row: int) -> None:
        """Stop reading: past a limit, reading on would only cost time and memory."""
        self._read_failed = True
        self.error_count += 1
        # Always kept, even past max_errors: it says why the list ends where it does.
        self.stopped = RosterIssue(code=code, message=message, row=row)
        self.errors.append(self.stopped)

    def abandon(self) -> None:
        """Record that reading broke off on a fault of the reader's own, not of the file's
        format; the service logs the fault. The upload is refused, never half applied."""
        self._read_failed = True
        self._error(
            "unreadable_file",
            f"The file could not be read past row {self._last_row}. Check the file, or export "
            "it again as CSV in UTF-8; if it keeps failing, contact the union.",
            row=self._last_row + 1,
        )

    def _read_error(self, exc: Exception) -> None:
        # No exact row number: text is decoded in blocks, so the row that broke is not known;
        # the message says where reading stopped.
        self._read_failed = True
        self._error(
            "unreadable_file",
            f"{read_error_message(exc)} Reading stopped after row {self._last_row}.",
        )

    def _check_not_empty(self) -> None:
        if self.rows_seen == 0 and not self._read_failed:
            self._error("empty_file", "The file has a header row but no workers under it.", row=2)

    # --- reading in several processes ------------------------------------------------------------

    def _parallel_batches(
        self,
        opened: Source,
        convert: Callable[[int, list[Any]], ParsedRow | None],
        batch_rows: int,
        workers: int,
    ) -> Iterator[bytes]:
        skip = self._records_read
        children: list[tuple[int, Any]] = []
        try:
            for index in range(workers):
                read_end, write_end = os.pipe()
                pid = os.fork()
                if pid == 0:  # the worker: never returns into the caller's frames
                    code = 1
                    try:
                        os.close(read_end)
                        with os.fdopen(write_end, "wb") as out:
                            self._work(out, opened, convert, skip, batch_rows, index, workers)
                        code = 0
                    finally:
                        # No atexit handlers, no finalizers: the parent's database connection
                        # and files are shared and stay the parent's.
                        os._exit(code)
                os.close(write_end)
                children.append((pid, os.fdopen(read_end, "rb")))
            batch = 0
            while True:
                _, pipe = children[batch % workers]
                kind, payload, meta = _receive(pipe)
                if kind == "end":
                    return
                self._merge(meta)
                if payload:
                    yield payload
                if meta["read_failed"]:
                    return
                if self.error_count >= self._stop_after_errors:
                    row = meta["last_row"]
                    self._stop(
                        "too_many_errors", _too_many_errors(self._stop_after_errors, row), row
                    )
                    return
                batch += 1
        finally:
            for pid, pipe in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                pipe.close()

    def _work(
        self,
        out: Any,
        opened: Source,
        convert: Callable[[int, list[Any]], ParsedRow | None],
        skip: int,
        batch_rows: int,
        index: int,
        workers: int,
    ) -> None:
        source = csv_source_reopen(self._path, opened)
        try:
            next(source.records)  # the header, read by the parent
            records = self._data_records(source)
            if self._skip(records, skip) < skip:
                _send(out, ("end", b"", None))
                return
            batch = 0
            while True:
                if batch % workers != index:
                    if self._skip(records, batch_rows) < batch_rows:
                        break
                    batch += 1
                    continue
                self.errors, self.error_count, self.rows_seen = [], 0, 0
                self._row_warnings = {}
                before = self._records_read
                rows = list(self._convert(islice(records, batch_rows), convert))
                meta = {
                    "rows_seen": self.rows_seen,
                    "errors": self.errors,
                    "error_count": self.error_count,
                    "warnings": self._row_warnings,
                    "read_failed": self._read_failed,
                    "last_row": self._last_row,
                    "stopped": self.stopped,
                }
                _send(out, ("batch", staging_csv(rows) if rows else b"", meta))
                if self._read_failed or self._records_read - before < batch_rows:
                    break
                batch += 1
        except READ_ERRORS:
            pass  # met while skipping: the worker that owns that batch reports it
        finally:
            source.close()
        _send(out, ("end", b"", None))

    def _skip(self, records: Iterator[Record], count: int) -> int:
        """Pass over up to ``count`` records (another process converts them); how many there
        were."""
        done = 0
        for self._last_row, _ in islice(records, count):
            done += 1
        return done

    def _merge(self, meta: dict[str, Any]) -> None:
        self.rows_seen += meta["rows_seen"]
        self.error_count += meta["error_count"]
        self.errors.extend(meta["errors"][: max(0, self._max_errors - len(self.errors))])
        if meta["stopped"] is not None:
            self.stopped = meta["stopped"]
            if self.stopped not in self.errors:
                self.errors.append(self.stopped)
        for code, (count, rows, column) in meta["warnings"].items():
            entry = self._row_warnings.setdefault(code, [0, [], column])
            entry[0] += count
            entry[1].extend(rows[: max(0, WARNING_ROWS_LISTED - len(entry[1]))])
        if meta["read_failed"]:
            self._read_failed = True

    # --- header ----------------------------------------------------------------------------------

    def _read_header(self, header: list[str]) -> bool:
        """Map columns; record file-level issues. False when there is nothing to read rows with."""
        names = [h.replace("\ufeff", "").strip() for h in header]
        index: dict[str, int] = {}
        unknown: list[str] = []
        ok = True
        for i, name in enumerate(names):
            if not name:
                continue
            field = _HEADER_ALIASES.get(header_key(name))
            if field is None:
                unknown.append(name)
            elif field in index:
                first = names[index[field]]
                self._error(
                    "duplicate_column",
                    f"The columns '{first}' and '{name}' both hold the "
                    f"{_BY_FIELD[field].label}. Keep one of them.",
                    row=1,
                    column=name,
                )
                ok = False
            else:
                index[field] = i
        if not index:
            self._error(
                "unreadable_file",
                "The first row does not hold the column names this roster needs "
                "(worker_number, first_name, last_name, date_of_birth, period_start, period_end, "
                "hours_worked, gross_wages, or their Dutch names). See the roster format.",
                row=1,
            )
            return False
        for column in COLUMNS:
            if column.required and column.field not in index:
                self._missing.add(column.field)
                self._error(
                    "missing_column",
                    f"There is no column for the {column.label}. Add a column named "
                    f"'{column.field}' (or '{column.dutch}').",
                    row=1,
                    column=column.field,
                )
        if unknown:
            quoted = ", ".join(f"'{n}'" for n in unknown)
            self._file_warnings.append(
                RosterIssue(
                    code="unknown_columns",
                    message=(
                        f"The column {quoted} is not used and was ignored."
                        if len(unknown) == 1
                        else f"The columns {quoted} are not used and were ignored."
                    ),
                    row=1,
                )
            )
        if "bsn" in index and not self._bsn_matching:
            name = names[index.pop("bsn")]
            self._file_warnings.append(
                RosterIssue(
                    code="bsn_ignored",
                    message=(
                        f"The column '{name}' was ignored: Unionroll does not use citizen "
                        "service numbers (BSN). You can leave the column out."
                    ),
                    row=1,
                    column=name,
                )
            )
        self._header_ok = ok
        self._header_names = names
        self._width = len(names)
        self._names = {field: names[i] for field, i in index.items()}
        # A column the file does not have reads as the empty value appended to every row.
        self._index = {c.field: index.get(c.field, -1) for c in COLUMNS}
        self._kinds = ["text"] * len(names)
        for field, i in index.items():
            self._kinds[i] = _BY_FIELD[field].kind
        return True

    # --- one row ---------------------------------------------------------------------------------

    def _converter(self) -> Callable[[int, list[Any]], ParsedRow | None]:
        """The per-row function, with everything it needs bound as locals.

        This runs a million times per large roster, so it is one closure over plain local
        variables and memo dictionaries (dates, hirer/site pairs, sectors and languages repeat on
        almost every row) rather than a chain of method calls; the rare paths (a value that does
        not parse, an error) go through the methods below.
        """
        ix = self._index
        i_worker, i_first, i_last, i_born = (
            ix["worker_number"], ix["first_name"], ix["last_name"], ix["date_of_birth"],
        )  # fmt: skip
        i_email, i_phone, i_language = ix["email"], ix["phone"], ix["language"]
        i_start, i_end = ix["period_start"], ix["period_end"]
        i_kvk, i_site, i_sector, i_phase = (
            ix["hirer_kvk"], ix["site_code"], ix["sector"], ix["cao_phase"],
        )  # fmt: skip
        i_hours, i_wages, i_housing, i_bsn = (
            ix["hours_worked"], ix["gross_wages"], ix["housing_deduction"], ix["bsn"],
        )  # fmt: skip
        width = self._width
        header_valid = self._header_ok and not self._missing
        today = self._today
        oldest_year = today.year - _OLDEST_AGE_YEARS
        max_worker, max_name, max_phase = (
            _MAX_LENGTH["worker_number"], _MAX_LENGTH["first_name"], _MAX_LENGTH["cao_phase"],
        )  # fmt: skip
        bsn_matching, bsn_secret = self._bsn_matching, self._bsn_secret
        only_sector = (
            self._reference.organisation_sector_ids[0]
            if len(self._reference.organisation_sector_ids) == 1
            else None
        )
        # Raw text -> converted value, for values that converted without a problem.
        dates: dict[str, dt.date] = {}
        languages = self._languages
        placements: dict[tuple[str, str], tuple[int | None, int | None, int | None]] = {}
        # Hours and amounts repeat a lot (38,00; a housing charge of 105,00); non-negative only.
        amounts: dict[Any, Decimal] = {}
        sectors: dict[str, int] = {}
        plain_number = PLAIN_NUMBER.fullmatch
        name_key = normalise_name_key
        fail, required, warn = self._fail, self._required, self._warn
        date_of, number_of, money_of = self._date, self._number, self._money

        # The file's period once known, as the very date objects the date memo hands out.
        p_start: Any = _UNSET
        p_end: Any = _UNSET
        p_hours = 0
        p_refused = False  # the period itself was refused (reported once, at its first row)
        period_problem = self._period_problem
        digits = _DIGITS
        name_is_bsn = self._name_is_bsn

        def convert(row: int, values: list[Any]) -> ParsedRow | None:
            nonlocal p_start, p_end, p_hours, p_refused
            if len(values) != width and not self._fit(row, values):
                return None
            values.append("")  # what the columns the file lacks read as (index -1)
            worker_number = values[i_worker].strip()
            if not worker_number and _blank(values):
                return None
            self.rows_seen += 1
            valid = header_valid

            if not worker_number:
                valid = required(row, "worker_number")
            elif len(worker_number) > max_worker:
                valid = fail(row, "worker_number", worker_number, "too_long", _too_long(max_worker))
            first_name = values[i_first].strip()
            if not first_name:
                valid = required(row, "first_name")
            elif len(first_name) > max_name:
                valid = fail(row, "first_name", None, "too_long", _too_long(max_name))
            elif first_name[-1] in digits and name_is_bsn(row, "first_name", first_name):
                valid = False
            last_name = values[i_last].strip()
            if not last_name:
                valid = required(row, "last_name")
            elif len(last_name) > max_name:
                valid = fail(row, "last_name", None, "too_long", _too_long(max_name))
            elif last_name[-1] in digits and name_is_bsn(row, "last_name", last_name):
                valid = False

            raw = values[i_born]
            born = dates.get(raw)
            if born is None:
                born = date_of(row, "date_of_birth", raw, personal=True)
                if born is None:
                    valid = False
                elif raw.__class__ is str and len(dates) < _MEMO_SIZE:
                    dates[raw] = born
            if born is not None:
                if born > today:
                    valid = fail(row, "date_of_birth", None, "invalid_date", _dob_future)
                elif born.year < oldest_year:
                    valid = fail(row, "date_of_birth", None, "invalid_date", _dob_too_old)

            email = values[i_email].strip() or None
            if email is not None:
                email = normalise_email(email)
                if email is None:
                    warn(row, "invalid_email", "email")
            phone = values[i_phone].strip() or None
            if phone is not None:
                phone = normalise_phone(phone)
                if phone is None:
                    warn(row, "invalid_phone", "phone")

            raw = values[i_language]
            language = languages.get(raw)
            if language is None:
                language = self._language(raw)
            if not language:
                valid = fail(row, "language", raw.strip(), "unknown_language", _unknown_language)

            raw = values[i_start]
            start = dates.get(raw)
            if start is None:
                start = date_of(row, "period_start", raw)
                if start is not None and raw.__class__ is str and len(dates) < _MEMO_SIZE:
                    dates[raw] = start
            raw = values[i_end]
            end = dates.get(raw)
            if end is None:
                end = date_of(row, "period_end", raw)
                if end is not None and raw.__class__ is str and len(dates) < _MEMO_SIZE:
                    dates[raw] = end
            if start is p_start and end is p_end:
                period_hours = p_hours  # the usual case: the file's period, memoised dates
            elif start is None or end is None:
                valid = False
                period_hours = None
            elif end < start:
                valid = fail(row, "period_end", _shown(raw), "period_order", _period_order)
                period_hours = None
            else:
                period_hours = ((end - start).days + 1) * 24
                if self.period is None:
                    self.period = (start, end)
                    p_start, p_end, p_hours = start, end, period_hours
                    p_refused = period_problem(row, start, end, values[i_start], values[i_end])
                elif self.period != (start, end):
                    valid = fail(
                        row,
                        "period_start",
                        _shown(values[i_start]),
                        "multiple_periods",
                        self._other_period(start, end),
                    )
            # A refused period (reported once, at its first row) makes every row for it invalid.
            if p_refused and (start, end) == self.period:
                valid = False

            key = (values[i_kvk], values[i_site])
            placement = placements.get(key)
            if placement is None:
                placement = self._placement(row, key[0].strip(), key[1].strip())
                if placement is None:
                    valid = False
                elif len(placements) < _MEMO_SIZE:
                    placements[key] = placement
            hirer_id, site_id, sector_id = placement or (None, None, None)

            sector_named = False
            raw = values[i_sector]
            if raw:
                found = sectors.get(raw)
                if found is None:
                    found = self._sector(row, raw)
                    if found is not None and len(sectors) < _MEMO_SIZE:
                        sectors[raw] = found
                if found is None:
                    valid = False
                    sector_named = True  # unknown, and reported as such
                elif found:
                    sector_id = found
            if sector_id is None and not sector_named:
                if only_sector is not None:
                    sector_id = only_sector
                elif placement is not None:
                    valid = fail(row, "sector", None, "sector_missing", self._sector_missing())

            cao_phase = values[i_phase].strip()
            if len(cao_phase) > max_phase:
                valid = fail(row, "cao_phase", cao_phase, "too_long", _too_long(max_phase))

            raw = values[i_hours]
            hours = amounts.get(raw)
            if hours is None:
                if raw.__class__ is str and plain_number(raw) and raw[0] != "-":
                    hours = Decimal(raw.replace(",", "."))
                    if len(amounts) < _MEMO_SIZE:
                        amounts[raw] = hours
                else:
                    hours = number_of(row, "hours_worked", raw, required=True)
            if hours is None:
                valid = False
            elif hours < 0:
                valid = fail(
                    row, "hours_worked", _shown(raw), "hours_out_of_range", _hours_negative
                )
            elif (period_hours is not None and hours > period_hours) or hours > _MAX_HOURS:
                valid = fail(
                    row,
                    "hours_worked",
                    _shown(raw),
                    "hours_out_of_range",
                    _hours_too_many(raw, hours, period_hours),
                )

            raw = values[i_wages]
            wages = amounts.get(raw)
            if wages is None:
                if raw.__class__ is str and plain_number(raw) and raw[0] != "-":
                    wages = Decimal(raw.replace(",", "."))
                    if len(amounts) < _MEMO_SIZE:
                        amounts[raw] = wages
                else:
                    wages = money_of(row, "gross_wages", raw, required=True)
                    if wages is None:
                        valid = False
            raw = values[i_housing]
            if raw == "":
                housing = None
            else:
                housing = amounts.get(raw)
                if housing is None:
                    if raw.__class__ is str and plain_number(raw) and raw[0] != "-":
                        housing = Decimal(raw.replace(",", "."))
                        if len(amounts) < _MEMO_SIZE:
                            amounts[raw] = housing
                    else:
                        housing = money_of(row, "housing_deduction", raw, required=False)
                        if housing is None and _shown(raw):
                            valid = False

            hashed = None
            if bsn_matching:
                bsn = values[i_bsn].strip()
                if bsn:
                    bsn = bsn_clean(bsn)
                    if bsn_is_valid(bsn):
                        hashed = bsn_hash(bsn, bsn_secret)
                    else:
                        valid = fail(row, "bsn", mask_value(bsn), "invalid_bsn", _invalid_bsn)

            if not valid:
                return None
            return ParsedRow(
                row,
                worker_number,
                first_name,
                last_name,
                name_key(first_name),
                name_key(last_name),
                born,
                email,
                phone,
                language,
                start,
                end,
                hirer_id,
                site_id,
                sector_id,
                cao_phase,
                hours,
                wages,
                housing,
                hashed,
            )

        return convert

    def _period_problem(
        self, row: int, start: dt.date, end: dt.date, raw_start: Any, raw_end: Any
    ) -> bool:
        """Whether the file's period is refused (the error recorded): a roster is for a pay
        period that has been worked, and a pay period is a week, four weeks or a month."""
        today = self._today
        if start > today:
            self._fail(
                row,
                "period_start",
                _shown(raw_start),
                "period_in_future",
                f"The period starts on {start:%d-%m-%Y}, which is in the future. Send a roster "
                "for a pay period that has been worked.",
            )
            return True
        days = (end - start).days + 1
        if days > self._max_period_days:
            self._fail(
                row,
                "period_end",
                _shown(raw_end),
                "period_too_long",
                f"The period from {start:%d-%m-%Y} to {end:%d-%m-%Y} is {days} days; a pay "
                f"period may be at most {self._max_period_days} days. Send each pay period in a "
                "file of its own.",
            )
            return True
        if end >= today and not self._allow_open_periods:
            self._fail(
                row,
                "period_end",
                _shown(raw_end),
                "period_not_ended",
                f"The period ends on {end:%d-%m-%Y}, so it is not over yet. Send the roster once "
                "the pay period has ended.",
            )
            return True
        return False

    def _name_is_bsn(self, row: int, field: str, name: str) -> bool:
        """Whether a name is a BSN (nine digits passing the 11-proef, or eight that lost their
        leading zero): a column mix-up that must not store a citizen service number as a name.
        The error shows the value masked."""
        cleaned = bsn_clean(name)
        if not bsn_is_valid(cleaned):
            return False
        self._fail(
            row,
            field,
            mask_value(cleaned),
            "bsn_in_name",
            f"The {_BY_FIELD[field].label} is a citizen service number (BSN), not a name. Check "
            "that the columns are in the right place; Unionroll does not store BSNs.",
        )
        return True

    def _fit(self, row: int, values: list[Any]) -> bool:
        """Pad a short row; refuse a long one whose extra values are not empty."""
        width = self._width
        if len(values) < width:
            values.extend([""] * (width - len(values)))
            return True
        if any(v.strip() if v.__class__ is str else v is not None for v in values[width:]):
            self.rows_seen += 1
            self._error(
                "column_count",
                f"This row has {len(values)} values but the header has {width} columns. A value "
                "probably contains the separator without quotes around it.",
                row=row,
            )
            return False
        del values[width:]
        return True

    # --- values ----------------------------------------------------------------------------------

    def _date(self, row: int, field: str, value: Any, *, personal: bool = False) -> dt.date | None:
        if value.__class__ is not str:
            return value  # already a date (XLSX)
        text = value.strip()
        if not text:
            self._required(row, field)
            return None
        try:
            return parse_date(text)
        except FieldError as exc:
            shown = None if personal else text
            if exc.reason == NO_SUCH_DATE:
                message = _no_such_date(_BY_FIELD[field].label)
            else:
                message = _not_a_date(_BY_FIELD[field].label)
            self._fail(row, field, shown, "invalid_date", message)
            return None

    def _number(self, row: int, field: str, value: Any, *, required: bool) -> Decimal | None:
        if value.__class__ is not str:
            return value  # already a Decimal (XLSX), rounded to cents
        text = value.strip()
        if not text:
            if required:
                self._required(row, field)
            return None
        try:
            return parse_decimal(text)
        except FieldError as exc:
            label = _BY_FIELD[field].label
            if exc.reason == TOO_MANY_DECIMALS:
                message = (
                    f"'{text}' has more than two decimals. Write hours with at most two "
                    "decimals, for example 38,25 or 38.25."
                    if field == "hours_worked"
                    else f"'{text}' has more than two decimals. Write the {label} in euros and "
                    "cents, for example 1234,56 or 1234.56."
                )
            else:
                message = (
                    f"'{text}' is not a number. Write the {label} like 1234,56 or 1.234,56 "
                    "(or 1234.56, 1,234.56)."
                )
            self._fail(row, field, text, "invalid_number", message)
            return None

    def _money(self, row: int, field: str, value: Any, *, required: bool) -> Decimal | None:
        amount = self._number(row, field, value, required=required)
        if amount is None:
            return None
        if amount < 0:
            self._fail(
                row,
                field,
                _shown(value),
                "negative_amount",
                f"The {_BY_FIELD[field].label} cannot be negative.",
            )
            return None
        if amount > _MAX_MONEY:
            self._fail(
                row,
                field,
                _shown(value),
                "invalid_number",
                f"The {_BY_FIELD[field].label} is too large to be an amount in euros.",
            )
            return None
        return amount

    def _language(self, raw: str) -> str:
        """The ISO 639-1 code, or "" when there is none; memoised (a roster has a handful)."""
        text = raw.strip().lower()
        if not text:
            code = DEFAULT_LANGUAGE
        else:
            # "pl-PL" and "pl_PL" are what some systems store; the language is the first part.
            primary = text.replace("_", "-").split("-", 1)[0]
            code = primary if primary in ISO_639_1 else ""
        if len(self._languages) < 10_000:
            self._languages[raw] = code
        return code

    def _placement(
        self, row: int, kvk_text: str, site_text: str
    ) -> tuple[int | None, int | None, int | None] | None:
        """(hirer id, site id, the site's sector id), or None when an error was recorded."""
        hirer_id = None
        if kvk_text:
            kvk = kvk_text.replace(" ", "").replace(".", "")
            if kvk.isascii() and kvk.isdigit() and len(kvk) < 8:
                kvk = kvk.zfill(8)  # a spreadsheet took the column for numbers
            hirer_id = self._reference.hirers.get(kvk)
            if hirer_id is None:
                if len(kvk) == 8 and kvk.isascii() and kvk.isdigit():
                    message = (
                        f"No hirer with KvK number {kvk} is registered. Check the number, or ask "
                        "the union to register the hirer."
                    )
                else:
                    message = f"'{kvk_text}' is not a KvK number; a KvK number has 8 digits."
                self._fail(row, "hirer_kvk", kvk_text, "unknown_hirer", message)
                return None
        if not site_text:
            return hirer_id, None, None
        code = site_text.casefold()
        if hirer_id is not None:
            found = self._sites.get((hirer_id, code))
            if found is None:
                self._fail(
                    row,
                    "site_code",
                    site_text,
                    "unknown_site",
                    f"The hirer with KvK number {kvk_text} has no site with the code "
                    f"'{site_text}'.",
                )
                return None
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
        self._fail(row, "site_code", site_text, "unknown_site", message)
        return None

    def _sector(self, row: int, raw: str) -> int | None:
        """The sector id; 0 for a blank value; None when unknown (the error is recorded)."""
        text = raw.strip()
        if not text:
            return 0
        found = self._sectors.get(text.casefold())
        if found is None:
            self._fail(row, "sector", text, "unknown_sector", _unknown_sector)
        return found

    def _typed_records(self, records: Iterator[Record], epoch: Any) -> Iterator[Record]:
        """XLSX cells -> text, or a date / Decimal where the column wants one and has one.

        Cells right of the last column name are dropped: in a workbook they are notes beside
        the table, not a sign of a value split at a separator as in CSV.
        """
        kinds = self._kinds
        for number, values in records:
            out = []
            for value, kind in zip(values, kinds, strict=False):
                if value.__class__ is str:
                    out.append(value)
                elif kind == "date":
                    out.append(_cell_date(value, epoch))
                elif kind == "number":
                    out.append(_cell_number(value))
                else:
                    out.append(_cell_text(value))
            yield number, out

    # --- issues ----------------------------------------------------------------------------------

    def _error(
        self, code: str, message: str, *, row: int | None = None, column: str | None = None
    ) -> None:
        self.error_count += 1
        if len(self.errors) < self._max_errors:
            self.errors.append(RosterIssue(code=code, message=message, row=row, column=column))

    def _fail(self, row: int, field: str, value: str | None, code: str, message: str) -> bool:
        """Record a row error; returns False so a caller can write ``valid = self._fail(…)``."""
        self.error_count += 1
        if len(self.errors) < self._max_errors:
            self.errors.append(
                RosterIssue(
                    code=code,
                    message=message,
                    row=row,
                    column=self._names.get(field, field),
                    value=value,
                )
            )
        return False

    def _required(self, row: int, field: str) -> bool:
        # A column missing from the header was reported once, not once per row.
        if field not in self._missing:
            label = _BY_FIELD[field].label
            self._fail(row, field, None, "required", f"The {label} is missing.")
        return False

    def _warn(self, row: int, code: str, field: str) -> None:
        entry = self._row_warnings.get(code)
        if entry is None:
            entry = self._row_warnings[code] = [0, [], self._names.get(field, field)]
        entry[0] += 1
        if len(entry[1]) < WARNING_ROWS_LISTED:
            entry[1].append(row)

    def _other_period(self, start: dt.date, end: dt.date) -> str:
        first_start, first_end = self.period  # type: ignore[misc]
        return (
            f"This row is for the period {start:%d-%m-%Y} to {end:%d-%m-%Y}, but the file is for "
            f"{first_start:%d-%m-%Y} to {first_end:%d-%m-%Y} (its first row). A roster covers "
            "one pay period: send each period in a file of its own."
        )

    def _sector_missing(self) -> str:
        if not self._reference.organisation_sector_ids:
            return (
                "This row names no sector and no site, and no sector is registered for your "
                "organisation. Fill in the sector."
            )
        return (
            "This row names no sector and no site, and your organisation works in more than one "
            "sector. Fill in the sector."
        )


# --- helpers ------------------------------------------------------------------------------------


def _blank(values: list[Any]) -> bool:
    return not any(v.strip() if v.__class__ is str else v is not None for v in values)


def _shown(value: Any) -> str:
    return value.strip() if value.__class__ is str else str(value)


def _cell_text(value: Any) -> str:
    if value.__class__ is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Integer-looking numbers are worker or phone numbers: no "123.0", no "1.2e+16".
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _cell_date(value: Any, epoch: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A date in a cell formatted as a number: Excel's day count.
        try:
            converted = from_excel(value, epoch) if epoch is not None else from_excel(value)
        except (ValueError, OverflowError, TypeError):
            return _cell_text(value)
        if isinstance(converted, dt.datetime):
            return converted.date()
        if isinstance(converted, dt.date):
            return converted
    return _cell_text(value)


def _cell_number(value: Any) -> Any:
    if isinstance(value, bool):
        return _cell_text(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return _cell_text(value)
        # repr gives the shortest text that is this float, so 2.675 rounds half-up to 2.68
        # as the clerk sees it in Excel, not to 2.67 as its binary value would.
        amount = Decimal(repr(value))
        if abs(amount) > _MAX_MONEY:
            return amount  # refused as too large; rounding it could overflow the context
        return round_money(amount)
    return _cell_text(value)


_WARNING_TEXT = {
    "invalid_email": lambda n: (
        "1 e-mail address could not be used and was left out"
        if n == 1
        else f"{n} e-mail addresses could not be used and were left out"
    ),
    "invalid_phone": lambda n: (
        "1 phone number could not be used and was left out"
        if n == 1
        else f"{n} phone numbers could not be used and were left out"
    ),
}


def _too_long(limit: int) -> str:
    return f"This value is longer than the {limit} characters it may have."


_DIGITS = frozenset("0123456789")
_nul_message = (
    "This value holds a NUL character (a zero byte), which no name, number or date has: the "
    "file is probably damaged. Export the roster again, as CSV in UTF-8 or as .xlsx."
)


def _too_many_errors(limit: int, row: int) -> str:
    return (
        f"Too many errors: reading stopped at row {row:,} after {limit:,} errors, and the rest "
        "of the file was not checked. Fix these errors (often one column is wrong in every "
        "row) and send the file again."
    )


def read_limits() -> ReadLimits:
    """The limits a roster file is read within, from the ``UNIONROLL_ROSTER_*`` settings."""
    return ReadLimits(
        max_bytes=settings.UNIONROLL_ROSTER_MAX_BYTES,
        max_uncompressed_bytes=settings.UNIONROLL_ROSTER_MAX_UNCOMPRESSED_BYTES,
        max_rows=settings.UNIONROLL_ROSTER_MAX_ROWS,
        max_shared_strings_bytes=settings.UNIONROLL_ROSTER_MAX_SHARED_STRINGS_BYTES,
    )


_dob_future = "The date of birth lies in the future."
_dob_too_old = f"The date of birth is more than {_OLDEST_AGE_YEARS} years ago."
_period_order = "The period ends before it starts."
_unknown_language = (
    "This is not a language code. Use the two-letter ISO 639-1 code, for example pl, ro, bg, "
    "uk, nl or en."
)
_unknown_sector = "There is no sector with this code."
_hours_negative = "Hours worked cannot be negative."
_invalid_bsn = (
    "This BSN is not valid: it fails the 11-proef check. Check it against the worker's documents."
)


def _not_a_date(label: str) -> str:
    return (
        f"The {label} is not a date that can be read. Write dates as 2026-03-31, "
        "31-03-2026 or 31/03/2026."
    )


def _no_such_date(label: str) -> str:
    return f"The {label} is not a real date: check the day and the month."


def _hours_too_many(value: Any, hours: Decimal, period_hours: int | None) -> str:
    if period_hours is None:
        message = "This is more hours than can be recorded."
    else:
        message = f"{hours} hours is more than the {period_hours} hours in the whole period."
    if value.__class__ is str and is_ambiguous_thousands(value):
        message += (
            " A dot or comma followed by three digits is read as a thousands separator; "
            "write 38,50 for 38 and a half hours."
        )
    return message
