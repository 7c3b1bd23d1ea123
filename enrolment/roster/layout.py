"""The roster's columns, and how a file's header row maps onto them.

What each column is called (in English and in Dutch), how a message names it, whether it is
required and how an XLSX cell in it is converted; and ``read_header``, which finds the columns
in a header row and says what is wrong with it. The column list is written up in
docs/roster-format.md; keep the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from enrolment.roster.types import RosterIssue


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
BY_FIELD = {c.field: c for c in COLUMNS}


def header_key(text: str) -> str:
    """Header text as compared with column names: case, spaces, ``_``, ``-``, ``.`` ignored."""
    folded = text.replace("\ufeff", "").casefold()
    return "".join(c for c in folded if c.isalnum())


HEADER_ALIASES: dict[str, str] = {}
for _column in COLUMNS:
    HEADER_ALIASES[header_key(_column.field)] = _column.field
    HEADER_ALIASES[header_key(_column.dutch)] = _column.field


@dataclass(slots=True)
class Header:
    """A file's header row, read: where each column is, and what is wrong with the header."""

    names: list[str]  # the header's cells, as the file names its columns
    # Field -> position, for the columns the file has and the reader uses.
    index: dict[str, int] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)  # required columns the file lacks
    duplicated: bool = False  # two columns hold the same field: no row can be valid
    # Whether there are rows to read at all: the header names at least one column.
    usable: bool = True
    errors: list[RosterIssue] = field(default_factory=list)
    warnings: list[RosterIssue] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """Whether a row can be valid: no column duplicated, none required missing."""
        return not self.duplicated and not self.missing

    def positions(self) -> dict[str, int]:
        """Field -> position for every column; -1 (the empty value the reader appends to every
        row) for a column the file does not have."""
        return {c.field: self.index.get(c.field, -1) for c in COLUMNS}

    def column_names(self) -> dict[str, str]:
        """Field -> the column's name in this file."""
        return {f: self.names[i] for f, i in self.index.items()}

    def kinds(self) -> list[str]:
        """How each position's XLSX cells are converted."""
        kinds = ["text"] * len(self.names)
        for f, i in self.index.items():
            kinds[i] = BY_FIELD[f].kind
        return kinds


def read_header(cells: list[str], *, bsn_matching: bool) -> Header:
    """Map a header row's cells to columns, with the file-level errors and warnings it earns."""
    header = Header([h.replace("\ufeff", "").strip() for h in cells])
    unknown = _map_columns(header)
    if not header.index:
        header.usable = False
        header.errors.append(
            RosterIssue(
                code="unreadable_file",
                message="The first row does not hold the column names this roster needs "
                "(worker_number, first_name, last_name, date_of_birth, period_start, "
                "period_end, hours_worked, gross_wages, or their Dutch names). See the roster "
                "format.",
                row=1,
            )
        )
        return header
    for column in COLUMNS:
        if column.required and column.field not in header.index:
            header.missing.add(column.field)
            header.errors.append(
                RosterIssue(
                    code="missing_column",
                    message=f"There is no column for the {column.label}. Add a column named "
                    f"'{column.field}' (or '{column.dutch}').",
                    row=1,
                    column=column.field,
                )
            )
    if unknown:
        header.warnings.append(_unknown_columns(unknown))
    if "bsn" in header.index and not bsn_matching:
        name = header.names[header.index.pop("bsn")]
        header.warnings.append(
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
    return header


def _map_columns(header: Header) -> list[str]:
    """Fill in ``header.index``, recording duplicated columns; the names of unknown ones."""
    unknown: list[str] = []
    names = header.names
    for i, name in enumerate(names):
        if not name:
            continue
        field_ = HEADER_ALIASES.get(header_key(name))
        if field_ is None:
            unknown.append(name)
        elif field_ in header.index:
            first = names[header.index[field_]]
            header.errors.append(
                RosterIssue(
                    code="duplicate_column",
                    message=f"The columns '{first}' and '{name}' both hold the "
                    f"{BY_FIELD[field_].label}. Keep one of them.",
                    row=1,
                    column=name,
                )
            )
            header.duplicated = True
        else:
            header.index[field_] = i
    return unknown


def _unknown_columns(unknown: list[str]) -> RosterIssue:
    quoted = ", ".join(f"'{n}'" for n in unknown)
    return RosterIssue(
        code="unknown_columns",
        message=(
            f"The column {quoted} is not used and was ignored."
            if len(unknown) == 1
            else f"The columns {quoted} are not used and were ignored."
        ),
        row=1,
    )
