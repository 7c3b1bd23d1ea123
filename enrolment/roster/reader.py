"""The roster reader: stream a payroll roster, validate every row, hand out the valid ones.

``RosterReader.rows()`` is a generator: it reads the file once, yields a ``ParsedRow`` for every
valid row and collects an issue for every problem as it goes, so the apply service can ``COPY``
rows into staging while the file is still being read and decide at the end (any error rejects the
file). Nothing holds the whole file; the caches that make a million rows fast are bounded.

This module is the reading engine: opening the file and its header, the records, the limits
(rows, errors), batches for COPY and handing batches to worker processes. What the rows must
hold is elsewhere: the columns and the header in ``layout``, one validator per kind of column in
``columns``, the row rules in ``rows`` and ``periods``; the worker processes in ``pool``, the
issues in ``issues``, XLSX cells in ``cells``, the COPY text in ``staging``.

The format (columns, accepted spellings, every error code) is written up in docs/roster-format.md;
keep the two in step.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from enrolment.roster.cells import blank, cell_text, typed_records
from enrolment.roster.fields import bsn_hash, bsn_is_valid, mask_value, normalise_name_key
from enrolment.roster.issues import IssueLog
from enrolment.roster.layout import COLUMNS, Header, header_key, read_header
from enrolment.roster.periods import PeriodRules
from enrolment.roster.pool import parallel_batches
from enrolment.roster.rows import Convert, RowRules
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
from enrolment.roster.staging import STAGING_NOT_NULL_TEXT, staging_csv
from enrolment.roster.types import ParsedRow, ReferenceData, RosterIssue

__all__ = [
    "COLUMNS",
    "PARALLEL_MIN_BYTES",
    "STAGING_NOT_NULL_TEXT",
    "RosterReader",
    "bsn_hash",
    "bsn_is_valid",
    "header_key",
    "mask_value",
    "normalise_name_key",
    "read_limits",
    "staging_csv",
]

# Below this size a roster is read in one process: forking costs more than it saves.
PARALLEL_MIN_BYTES = 4 * 1024 * 1024

_NUL_MESSAGE = (
    "This value holds a NUL character (a zero byte), which no name, number or date has: the "
    "file is probably damaged. Export the roster again, as CSV in UTF-8 or as .xlsx."
)


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
        self._bsn_matching = bsn_matching
        self._limits = limits or read_limits()
        self._stop_after_errors = _setting(stop_after_errors, "UNIONROLL_ROSTER_STOP_AFTER_ERRORS")
        self._log = IssueLog(max_errors)
        today = timezone.localdate()
        self._rules = RowRules(
            reference=reference,
            log=self._log,
            today=today,
            bsn_matching=bsn_matching,
            bsn_secret=bsn_secret,
            periods=PeriodRules(
                log=self._log,
                today=today,
                max_period_days=_setting(max_period_days, "UNIONROLL_ROSTER_MAX_PERIOD_DAYS"),
                allow_open_periods=_setting(
                    allow_open_periods, "UNIONROLL_ROSTER_ALLOW_OPEN_PERIODS"
                ),
            ),
        )
        self._started = False
        self._read_failed = False
        self._records_read = 0  # data records (not the header), blank ones included
        self._last_row = 0  # the row number of the last record read
        self._header: Header | None = None
        # Set once the header is read; see _open.
        self._convert_row: Convert | None = None

    # --- results ---------------------------------------------------------------------------------

    @property
    def errors(self) -> list[RosterIssue]:
        return self._log.errors

    @property
    def error_count(self) -> int:
        return self._log.error_count

    @property
    def rows_seen(self) -> int:
        return self._log.rows_seen

    @property
    def stopped(self) -> RosterIssue | None:
        """The error that stopped the reading at a limit, if one did (always reported)."""
        return self._log.stopped

    @property
    def period(self) -> tuple[dt.date, dt.date] | None:
        return self._rules.period

    @property
    def warnings(self) -> list[RosterIssue]:
        """File-level warnings, then one summary per kind of row warning (never the values)."""
        return self._log.warnings

    # --- reading ---------------------------------------------------------------------------------

    def rows(self) -> Iterator[ParsedRow]:
        """Every valid row, in file order; the issues collect on the reader as it goes."""
        self._start()
        source = self._open()
        if source is None:
            return
        try:
            yield from self._convert(self._data_records(source))
        finally:
            source.close()
        self._check_not_empty()

    def copy_batches(self, *, batch_rows: int, workers: int = 1) -> Iterator[bytes]:
        """The valid rows as ``COPY … (FORMAT csv)`` text, a batch of records at a time.

        With ``workers`` > 1 and a large CSV file, batches after the first are converted in
        forked processes (``pool``), each reading the file itself and converting every
        ``workers``-th batch, so two cores share a million rows' work; the batches, issues and
        counts come back in file order and the outcome is the same as reading in one process.
        The first batch is always read here: it fixes the file's period, against which every
        later row is checked.
        """
        self._start()
        source = self._open()
        if source is None:
            return
        records = self._data_records(source)
        parallel = (
            workers > 1
            and not source.typed
            and self._path.stat().st_size >= PARALLEL_MIN_BYTES
            and hasattr(os, "fork")
        )
        try:
            while True:
                payload, more = self._batch(records, batch_rows)
                if payload:
                    yield payload
                if not more:
                    break
                if parallel and self.period is not None:
                    source.close()
                    yield from parallel_batches(
                        _Batches(self, source, batch_rows),
                        skip=self._records_read,
                        batch_rows=batch_rows,
                        workers=workers,
                    )
                    break
        finally:
            source.close()
        self._check_not_empty()

    def abandon(self) -> None:
        """Record that reading broke off on a fault of the reader's own, not of the file's
        format; the service logs the fault. The upload is refused, never half applied."""
        self._read_failed = True
        self._log.error(
            "unreadable_file",
            f"The file could not be read past row {self._last_row}. Check the file, or export "
            "it again as CSV in UTF-8; if it keeps failing, contact the union.",
            row=self._last_row + 1,
        )

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
            self._log.error("unreadable_file", exc.message)
            return None
        ok = False
        try:
            records = source.records
            first = next(records, None)
            if first is None:
                self._log.error("empty_file", "The file is empty.")
                return None
            self._last_row, header = first
            # Nothing but blank lines is an empty file; blank lines before the data mean the
            # column names are not in row 1, which the header check reports.
            if blank(header) and all(blank(values) for _, values in records):
                self._log.error("empty_file", "The file is empty.")
                return None
            names = [cell_text(v) for v in header]
            if any("\x00" in name for name in names):
                names = [name.replace("\x00", "") for name in names]
                self._log.error("invalid_character", _NUL_MESSAGE, row=1)
            ok = self._use_header(names)
            return source if ok else None
        except READ_ERRORS as exc:
            self._read_error(exc)
            return None
        finally:
            if not ok:
                source.close()

    def _use_header(self, names: list[str]) -> bool:
        """Read the header row and set the rows' converter up for it; False when there is
        nothing to read rows with."""
        header = read_header(names, bsn_matching=self._bsn_matching)
        for issue in header.errors:
            self._log.error(issue.code, issue.message, row=issue.row, column=issue.column)
        self._log.file_warnings.extend(header.warnings)
        if not header.usable:
            return False
        self._header = header
        self._log.names = header.column_names()
        self._log.missing = header.missing
        self._convert_row = self._rules.converter(header)
        return True

    def _data_records(self, source: Source) -> Iterator[Record]:
        records = source.records
        if source.may_hold_nul:
            records = self._without_nul(records)
        if source.typed:
            return typed_records(records, self._header.kinds(), source.epoch)  # type: ignore[union-attr]
        return records

    def _without_nul(self, records: Iterator[Record]) -> Iterator[Record]:
        """Rows of a file that may hold NUL characters: each one is an error, and taken out of
        the value so that nothing with it reaches the database (whose text cannot hold it)."""
        log = self._log
        for number, values in records:
            if any("\x00" in v for v in values if v.__class__ is str):
                for i, value in enumerate(values):
                    if value.__class__ is str and "\x00" in value:
                        values[i] = value.replace("\x00", "")
                        log.error(
                            "invalid_character", _NUL_MESSAGE, row=number, column=self._column(i)
                        )
            yield number, values

    def _column(self, index: int) -> str:
        names = self._header.names if self._header is not None else []
        if index < len(names) and names[index]:
            return names[index]
        return f"column {index + 1}"

    def _convert(self, records: Iterator[Record]) -> Iterator[ParsedRow]:
        """The valid rows among ``records``, within the row and error limits."""
        convert = self._convert_row
        log = self._log
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
                parsed = convert(last_row, values)  # type: ignore[misc]
                if parsed is not None:
                    yield parsed
                elif log.error_count >= stop:
                    self._stop("too_many_errors", _too_many_errors(stop, last_row), last_row)
                    break
        except READ_ERRORS as exc:
            self._last_row = last_row
            self._read_error(exc)
        self._last_row = last_row

    def _batch(self, records: Iterator[Record], batch_rows: int) -> tuple[bytes, bool]:
        """The next ``batch_rows`` records' COPY text, and whether more may follow."""
        before = self._records_read
        rows = list(self._convert(islice(records, batch_rows)))
        more = not self._read_failed and self._records_read - before >= batch_rows
        return (staging_csv(rows) if rows else b""), more

    def _stop(self, code: str, message: str, row: int) -> None:
        """Stop reading: past a limit, reading on would only cost time and memory."""
        self._read_failed = True
        self._log.stop(code, message, row)

    def _read_error(self, exc: Exception) -> None:
        # No exact row number: text is decoded in blocks, so the row that broke is not known;
        # the message says where reading stopped.
        self._read_failed = True
        self._log.error(
            "unreadable_file",
            f"{read_error_message(exc)} Reading stopped after row {self._last_row}.",
        )

    def _check_not_empty(self) -> None:
        if self._log.rows_seen == 0 and not self._read_failed:
            self._log.error(
                "empty_file", "The file has a header row but no workers under it.", row=2
            )


class _Batches:
    """A reader as the worker processes of ``pool`` use it (see ``pool.BatchReading``)."""

    def __init__(self, reader: RosterReader, opened: Source, batch_rows: int) -> None:
        self._reader = reader
        self._opened = opened
        self._batch_rows = batch_rows

    def reopen(self) -> tuple[Iterator[Record], Any]:
        reader = self._reader
        source = csv_source_reopen(reader._path, self._opened)
        next(source.records)  # the header, read by the parent
        return reader._data_records(source), source.close

    def skip(self, records: Iterator[Record], count: int) -> int:
        reader = self._reader
        done = 0
        for reader._last_row, _ in islice(records, count):
            done += 1
        return done

    def read_batch(self, records: Iterator[Record]) -> tuple[bytes, bool]:
        self._reader._log.start_batch()
        return self._reader._batch(records, self._batch_rows)

    def batch_outcome(self) -> dict[str, Any]:
        reader = self._reader
        return {
            **reader._log.batch_outcome(),
            "read_failed": reader._read_failed,
            "last_row": reader._last_row,
        }

    def merge(self, outcome: dict[str, Any]) -> None:
        self._reader._log.merge(outcome)
        if outcome["read_failed"]:
            self._reader._read_failed = True

    def stops_after(self, outcome: dict[str, Any]) -> bool:
        reader = self._reader
        if outcome["read_failed"]:
            return True
        if reader.error_count >= reader._stop_after_errors:
            row = outcome["last_row"]
            reader._stop("too_many_errors", _too_many_errors(reader._stop_after_errors, row), row)
            return True
        return False


def read_limits() -> ReadLimits:
    """The limits a roster file is read within, from the ``UNIONROLL_ROSTER_*`` settings."""
    return ReadLimits(
        max_bytes=settings.UNIONROLL_ROSTER_MAX_BYTES,
        max_uncompressed_bytes=settings.UNIONROLL_ROSTER_MAX_UNCOMPRESSED_BYTES,
        max_rows=settings.UNIONROLL_ROSTER_MAX_ROWS,
        max_shared_strings_bytes=settings.UNIONROLL_ROSTER_MAX_SHARED_STRINGS_BYTES,
    )


def _setting(value: Any, name: str) -> Any:
    return value if value is not None else getattr(settings, name)


def _too_many_errors(limit: int, row: int) -> str:
    return (
        f"Too many errors: reading stopped at row {row:,} after {limit:,} errors, and the rest "
        "of the file was not checked. Fix these errors (often one column is wrong in every "
        "row) and send the file again."
    )
