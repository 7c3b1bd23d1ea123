"""How amounts, dates and numbers look on a document: the Dutch way, for Dutch payers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from unionroll.money import round_money

EN_DASH = "\u2013"


def format_euro(amount: Decimal) -> str:
    """``€ 1.234,56``: euro sign, dots between thousands, a decimal comma; ``€ -12,50`` below 0."""
    cents = round_money(amount)
    sign = "-" if cents < 0 else ""
    whole, fraction = f"{abs(cents):.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"€ {sign}{grouped},{fraction}"


def format_date(day: date) -> str:
    """``01-04-2027``: day-month-year, as Dutch documents print dates."""
    return day.strftime("%d-%m-%Y")


def format_period(start: date, end: date) -> str:
    return f"{format_date(start)} {EN_DASH} {format_date(end)}"


def format_iban(iban: str) -> str:
    """``NL91 ABNA 0417 1643 00``: the IBAN in groups of four, the way banks print it."""
    compact = "".join(iban.split()).upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def format_count(count: int) -> str:
    """``1.234``: dots between thousands."""
    return f"{count:,}".replace(",", ".")
