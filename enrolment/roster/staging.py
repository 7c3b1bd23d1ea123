"""Valid rows as the text ``COPY roster_staging`` reads."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from enrolment.roster.types import ParsedRow

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
