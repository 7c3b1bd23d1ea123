"""Small roster files for tests, written the way payroll exports look."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from unionroll.synthetic import HEADER

# The columns a typical export has, in the order the synthetic generator writes them.
COLUMNS = list(HEADER)

PERIOD = {"period_start": "2026-11-02", "period_end": "2026-11-08"}


def worker(n: int, **overrides: Any) -> dict[str, Any]:
    """A plausible row for worker ``n``; override any column."""
    row = {
        "worker_number": f"{n:06d}",
        "first_name": ["Łukasz", "Ioana", "Georgi", "Agnieszka", "Mihai"][n % 5],
        "last_name": ["Wróbel", "Popescu", "Dimitrov", "Kowalczyk", "Ștefănescu"][n % 5] + str(n),
        "date_of_birth": "1990-05-17",
        "email": "",
        "phone": "",
        "language": ["pl", "ro", "bg", "pl", "ro"][n % 5],
        "hirer_kvk": "",
        "site_code": "",
        "sector": "",
        "cao_phase": "A",
        "hours_worked": "38,00",
        "gross_wages": "558,98",
        **PERIOD,
    }
    row.update(overrides)
    return row


def write_roster(
    path: Path, rows: list[dict[str, Any]], *, columns: list[str] | None = None, delimiter=";"
) -> Path:
    columns = columns or COLUMNS
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, delimiter=delimiter, extrasaction="ignore")
        w.writeheader()
        for row in rows:
            w.writerow(row)
    return path
