"""Where a roster's errors and warnings collect while it is read.

One ``IssueLog`` per reader: the engine records file-level problems and stops in it, the row
rules record what the column validators refuse. It keeps at most ``max_errors`` errors (but
counts them all), and summarises row warnings per kind with the first row numbers, never the
values. A forked reading process fills a log of its own per batch and sends ``batch_outcome()``;
the importing process ``merge``s it, so the outcome is the same as reading in one process.
"""

from __future__ import annotations

from typing import Any

from enrolment.roster.columns.base import REQUIRED, Refused
from enrolment.roster.columns.contact import INVALID_EMAIL, INVALID_PHONE
from enrolment.roster.types import RosterIssue

# Row numbers listed in a summarised warning; the count says how many there are in all.
WARNING_ROWS_LISTED = 20

_WARNING_TEXT = {
    INVALID_EMAIL: lambda n: (
        "1 e-mail address could not be used and was left out"
        if n == 1
        else f"{n} e-mail addresses could not be used and were left out"
    ),
    INVALID_PHONE: lambda n: (
        "1 phone number could not be used and was left out"
        if n == 1
        else f"{n} phone numbers could not be used and were left out"
    ),
}


class IssueLog:
    """A reader's errors, warnings and counts."""

    def __init__(self, max_errors: int) -> None:
        self.max_errors = max_errors
        self.errors: list[RosterIssue] = []
        self.error_count = 0
        self.rows_seen = 0
        # The error that stopped the reading at a limit, if one did (always reported).
        self.stopped: RosterIssue | None = None
        self.file_warnings: list[RosterIssue] = []
        # code -> [count, first row numbers, column]
        self.row_warnings: dict[str, list[Any]] = {}
        # From the header: field -> the file's name for it, and the required columns it lacks.
        self.names: dict[str, str] = {}
        self.missing: set[str] = set()

    # --- recording -------------------------------------------------------------------------------

    def error(
        self, code: str, message: str, *, row: int | None = None, column: str | None = None
    ) -> None:
        self.error_count += 1
        if len(self.errors) < self.max_errors:
            self.errors.append(RosterIssue(code=code, message=message, row=row, column=column))

    def fail(self, row: int, field: str, value: str | None, code: str, message: str) -> bool:
        """Record a row error; returns False so a caller can write ``valid = log.fail(…)``."""
        self.error_count += 1
        if len(self.errors) < self.max_errors:
            self.errors.append(
                RosterIssue(
                    code=code,
                    message=message,
                    row=row,
                    column=self.names.get(field, field),
                    value=value,
                )
            )
        return False

    def refuse(self, row: int, field: str, refused: Refused) -> bool:
        """Record what a column validator refused; False, as ``fail``.

        A required value is missing from every row of a file that lacks its column, which the
        header check reported once: that is not repeated for each row.
        """
        if refused.code == REQUIRED and field in self.missing:
            return False
        return self.fail(row, field, refused.shown, refused.code, refused.message)

    def warn(self, row: int, code: str, field: str) -> None:
        entry = self.row_warnings.get(code)
        if entry is None:
            entry = self.row_warnings[code] = [0, [], self.names.get(field, field)]
        entry[0] += 1
        if len(entry[1]) < WARNING_ROWS_LISTED:
            entry[1].append(row)

    def stop(self, code: str, message: str, row: int) -> None:
        """The error reading stopped at; always kept, even past max_errors: it says why the
        list ends where it does."""
        self.error_count += 1
        self.stopped = RosterIssue(code=code, message=message, row=row)
        self.errors.append(self.stopped)

    # --- results ---------------------------------------------------------------------------------

    @property
    def warnings(self) -> list[RosterIssue]:
        """File-level warnings, then one summary per kind of row warning (never the values)."""
        summaries = []
        for code, (count, rows, column) in self.row_warnings.items():
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
        return [*self.file_warnings, *summaries]

    # --- batches read in another process ---------------------------------------------------------

    def start_batch(self) -> None:
        """Forget the counts and issues so far: a forked process reports each batch's own."""
        self.errors, self.error_count, self.rows_seen = [], 0, 0
        self.row_warnings = {}

    def batch_outcome(self) -> dict[str, Any]:
        return {
            "rows_seen": self.rows_seen,
            "errors": self.errors,
            "error_count": self.error_count,
            "warnings": self.row_warnings,
            "stopped": self.stopped,
        }

    def merge(self, outcome: dict[str, Any]) -> None:
        """Add a batch's outcome from another process, as if the batch had been read here."""
        self.rows_seen += outcome["rows_seen"]
        self.error_count += outcome["error_count"]
        self.errors.extend(outcome["errors"][: max(0, self.max_errors - len(self.errors))])
        if outcome["stopped"] is not None:
            self.stopped = outcome["stopped"]
            if self.stopped not in self.errors:
                self.errors.append(self.stopped)
        for code, (count, rows, column) in outcome["warnings"].items():
            entry = self.row_warnings.setdefault(code, [0, [], column])
            entry[0] += count
            entry[1].extend(rows[: max(0, WARNING_ROWS_LISTED - len(entry[1]))])
