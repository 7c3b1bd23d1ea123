"""What an invoice, credit note or state claim says, as plain frozen values.

The renderers in this package know nothing about models: a service reads the database, builds one
of these, and hands it over. Each value checks on construction what a printed document must never
get wrong (the total is the sum of its lines, the payment reference has its check digit), so a
bug upstream fails loudly instead of printing a wrong invoice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from levies.billing.payment_reference import payment_reference_is_valid
from unionroll.money import ZERO, round_money

DocumentKind = Literal["invoice", "credit_note"]
INVOICE: DocumentKind = "invoice"
CREDIT_NOTE: DocumentKind = "credit_note"


def _require_cents(amount: Decimal, what: str) -> None:
    if not isinstance(amount, Decimal) or round_money(amount) != amount:
        raise ValueError(f"{what} must be a Decimal with at most two decimal places")


@dataclass(frozen=True)
class Party:
    """An organisation on a document: the union, a paying agency or hirer, the state funder."""

    name: str
    address_lines: tuple[str, ...] = ()
    kvk: str | None = None
    iban: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "address_lines", tuple(self.address_lines))


@dataclass(frozen=True)
class DocumentLine:
    """One invoice line: the members (or workers) at one site in one CAO phase and what they
    cost. ``members`` is None when the count is below the minimum group size and is printed
    as "< count_fewer_than"."""

    site: str
    cao_phase: str
    members: int | None
    amount: Decimal
    description: str = ""
    count_fewer_than: int | None = None

    def __post_init__(self) -> None:
        _require_cents(self.amount, "line amount")
        if self.members is None and self.count_fewer_than is None:
            raise ValueError("a line without a count must say what it is fewer than")
        if self.members is not None and self.members < 0:
            raise ValueError("members must not be negative")


@dataclass(frozen=True)
class InvoiceDocument:
    """An invoice (a payer owes the union) or a credit note (the union owes the payer).

    Amounts are printed as given: a credit note's lines and total are normally negative.
    An invoice must have a due date; a credit note has none, since nobody pays it.
    """

    kind: DocumentKind
    number: str
    issue_date: date
    union: Party
    payer: Party
    period_start: date
    period_end: date
    lines: tuple[DocumentLine, ...]
    total: Decimal
    due_date: date | None = None
    payment_reference: str | None = None
    notes: tuple[str, ...] = ()
    # What the lines count: "members", "workers" (a scheme charging every covered worker) or
    # "people" (both kinds of line on one invoice).
    count_of: str = "members"

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.lines))
        if self.count_of not in ("members", "workers", "people"):
            raise ValueError("count_of must be 'members', 'workers' or 'people'")
        object.__setattr__(self, "notes", tuple(self.notes))
        if self.kind not in (INVOICE, CREDIT_NOTE):
            raise ValueError("kind must be 'invoice' or 'credit_note'")
        if self.kind == INVOICE and self.due_date is None:
            raise ValueError("an invoice needs a due date")
        if self.kind == CREDIT_NOTE and self.due_date is not None:
            raise ValueError("a credit note has no due date")
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        _require_cents(self.total, "total")
        if sum((line.amount for line in self.lines), ZERO) != self.total:
            raise ValueError("total is not the sum of the lines")
        if self.payment_reference is not None and not payment_reference_is_valid(
            self.payment_reference
        ):
            raise ValueError("payment_reference is not a valid betalingskenmerk")
        if self.kind == INVOICE and self.payment_reference is None:
            raise ValueError("an invoice needs a payment reference")
        if self.kind == INVOICE and not self.union.iban:
            raise ValueError("an invoice needs the union's IBAN to be paid")

    @property
    def is_credit_note(self) -> bool:
        return self.kind == CREDIT_NOTE


@dataclass(frozen=True)
class StateClaimRow:
    """The state's share for one payer in one sector: how many members, how much money.

    Counts and organisations only: a claim never names or identifies a worker.
    """

    sector: str
    payer: str
    payer_kvk: str
    members: int
    amount: Decimal

    def __post_init__(self) -> None:
        _require_cents(self.amount, "claim amount")
        if self.members < 0:
            raise ValueError("members must not be negative")


@dataclass(frozen=True)
class SectorTotal:
    sector: str
    members: int
    amount: Decimal


@dataclass(frozen=True)
class StateClaimDocument:
    """The union's claim on the state funder for the state's share of one period's levies.

    Totals are derived from the rows rather than passed in, so they cannot disagree with them.
    """

    reference: str
    issue_date: date
    period_start: date
    period_end: date
    union: Party
    funder: Party
    rows: tuple[StateClaimRow, ...]
    due_date: date | None = None
    payment_reference: str | None = None
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", tuple(self.rows))
        object.__setattr__(self, "notes", tuple(self.notes))
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        if self.payment_reference is not None and not payment_reference_is_valid(
            self.payment_reference
        ):
            raise ValueError("payment_reference is not a valid betalingskenmerk")

    @property
    def total_members(self) -> int:
        return sum(row.members for row in self.rows)

    @property
    def total_amount(self) -> Decimal:
        return sum((row.amount for row in self.rows), ZERO)

    def sector_totals(self) -> list[SectorTotal]:
        """One total per sector, in the order the sectors first appear in the rows."""
        return [
            SectorTotal(
                sector=sector,
                members=sum(row.members for row in rows),
                amount=sum((row.amount for row in rows), ZERO),
            )
            for sector, rows in _group_by_sector(self.rows)
        ]


def _group_by_sector(
    rows: Iterable[StateClaimRow],
) -> list[tuple[str, list[StateClaimRow]]]:
    groups: dict[str, list[StateClaimRow]] = {}
    for row in rows:
        groups.setdefault(row.sector, []).append(row)
    return list(groups.items())


def rows_by_sector(doc: StateClaimDocument) -> list[tuple[str, list[StateClaimRow]]]:
    """The claim's rows grouped by sector, sectors in order of first appearance."""
    return _group_by_sector(doc.rows)
