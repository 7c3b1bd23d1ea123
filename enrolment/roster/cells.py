"""XLSX cells as the row rules read them: text, or a date / Decimal where the column wants one.

A workbook's cells are typed (numbers, dates, booleans), a CSV's are text. Each cell is converted
by its column (``layout.Column.kind``), never by a guess: a worker number typed as a number is
still text, a date column's number is Excel's day count.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from openpyxl.utils.datetime import from_excel

from enrolment.roster.columns.numbers import MAX_MONEY
from enrolment.roster.sources import Record
from unionroll.money import round_money


def typed_records(records: Iterator[Record], kinds: list[str], epoch: Any) -> Iterator[Record]:
    """XLSX cells -> text, or a date / Decimal where the column wants one and has one.

    Cells right of the last column name are dropped: in a workbook they are notes beside
    the table, not a sign of a value split at a separator as in CSV.
    """
    for number, values in records:
        out = []
        for value, kind in zip(values, kinds, strict=False):
            if value.__class__ is str:
                out.append(value)
            elif kind == "date":
                out.append(cell_date(value, epoch))
            elif kind == "number":
                out.append(cell_number(value))
            else:
                out.append(cell_text(value))
        yield number, out


def blank(values: list[Any]) -> bool:
    """Whether a record holds nothing but empty cells."""
    return not any(v.strip() if v.__class__ is str else v is not None for v in values)


def cell_text(value: Any) -> str:
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


def cell_date(value: Any, epoch: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A date in a cell formatted as a number: Excel's day count.
        try:
            converted = from_excel(value, epoch) if epoch is not None else from_excel(value)
        except (ValueError, OverflowError, TypeError):
            return cell_text(value)
        if isinstance(converted, dt.datetime):
            return converted.date()
        if isinstance(converted, dt.date):
            return converted
    return cell_text(value)


def cell_number(value: Any) -> Any:
    if isinstance(value, bool):
        return cell_text(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return cell_text(value)
        # repr gives the shortest text that is this float, so 2.675 rounds half-up to 2.68
        # as the clerk sees it in Excel, not to 2.67 as its binary value would.
        amount = Decimal(repr(value))
        if abs(amount) > MAX_MONEY:
            return amount  # refused as too large; rounding it could overflow the context
        return round_money(amount)
    return cell_text(value)
