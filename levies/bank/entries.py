"""What a bank statement says, independent of its file format (CAMT.053 or MT940).

The parsers (``levies.bank.camt``, ``levies.bank.mt940``) build *drafts* (plain dicts of the
entry's fields) and hand them to :func:`entries_keyed`, which gives each entry its
``unique_key``. The key is what makes an import idempotent (docs/bank-statements.md):

    ``<account IBAN>|<booking date>|<bank reference>|<signed amount>``

- The amount is signed (``-12.50`` for a debit), so a credit and a debit with the same bank
  reference never collide.
- The statement id is *not* part of the key: the same entry in two overlapping statements (a
  daily and a monthly export, or two exports whose periods overlap) must give the same key.
- Without a bank reference (some MT940 exports, ``NONREF``), the reference part is
  ``h:`` + the first 32 hex digits of a SHA-256 over the entry's own fields (dates, direction,
  amount, currency, references, remittance text, counterparty) and its *occurrence*: the number
  of earlier entries in the same statement with exactly the same fields. Two identical EUR 10
  transfers from one person on one day are two payments and get keys ``…#0`` and ``…#1`` in the
  hash; an overlapping statement that covers the whole day lists them again in the same order and
  gives the same two keys. (A statement that covers only part of a booking day could shift the
  occurrence; banks export whole days.)
- A bank reference that repeats within one statement for the same date and amount (a bank that
  is sloppy with references) would make two payments one; the second and later get ``#2``,
  ``#3``… appended, again in statement order, so an overlapping statement repeats them.

The key is at most about 100 characters (IBAN 34, date 10, reference 35 or ``h:`` + 32, amount),
well inside ``BankEntry.unique_key`` (255).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from unionroll.money import round_money


class Direction(enum.StrEnum):
    """Money in (``credit``) or out (``debit``) of the union's account; equal to the strings
    ``BankEntry.Direction`` stores."""

    CREDIT = "credit"
    DEBIT = "debit"


class BankStatementError(Exception):
    """A statement file that cannot be read.

    ``message`` is a sentence for the admin who uploaded the file (what is wrong and where:
    statement, entry number, line); ``detail`` is structured (format, statement, entry, line,
    field). Neither ever holds a name, a full IBAN or remittance text: only what locates the
    problem (an IBAN's last four characters at most).
    """

    def __init__(self, message: str, detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail if detail is not None else {}


@dataclass(frozen=True)
class StatementEntry:
    """One booked entry of a statement: money that moved on the account."""

    account_iban: str
    statement_id: str
    booking_date: dt.date
    value_date: dt.date | None
    # Always positive; ``direction`` says which way it moved.
    amount: Decimal
    direction: Direction
    currency: str
    # The bank's own reference for the entry (CAMT ``AcctSvcrRef``, MT940 ``:61:`` ``//…``).
    bank_reference: str
    # The payer's end-to-end id (CAMT ``EndToEndId``, MT940 ``/EREF/`` or the ``:61:`` customer
    # reference); empty for ``NOTPROVIDED``/``NONREF``.
    end_to_end_id: str
    # The structured creditor reference as given (CAMT ``CdtrRefInf/Ref``, MT940
    # ``/REMI/STRD/CUR/…``): for Dutch banks the betalingskenmerk. Not validated here.
    creditor_reference: str
    # The unstructured remittance information (CAMT ``Ustrd`` lines joined by spaces).
    remittance_text: str
    # The other party: the payer of a credit, the payee of a debit.
    counterparty_name: str
    counterparty_iban: str
    # A reversal (CAMT ``RvslInd``, MT940 ``RC``/``RD``): a returned payment or a storno.
    reversal: bool
    # 1-based position in its statement, for messages ("entry 3 of statement …").
    position: int
    unique_key: str

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.direction is Direction.CREDIT else -self.amount


@dataclass(frozen=True)
class BankStatement:
    """One statement (one account, one period) of a file; a file may hold several."""

    # ``camt.053.001.02`` … or ``mt940``.
    format: str
    account_iban: str
    statement_id: str
    currency: str
    # Signed (negative when the account is overdrawn); None when the statement gives none.
    opening_balance: Decimal | None
    closing_balance: Decimal | None
    entries: tuple[StatementEntry, ...]
    # CAMT entries not yet booked (status PDNG/INFO): not money yet, so not read as entries.
    pending_entries: int = 0
    # Booked entries of amount zero move no money and are left out (counted here).
    zero_entries: int = field(default=0)

    @property
    def balances_agree(self) -> bool | None:
        """Whether opening balance + entries = closing balance (None without both balances).
        A truncated file or a missed entry shows up here."""
        if self.opening_balance is None or self.closing_balance is None:
            return None
        moved = sum((entry.signed_amount for entry in self.entries), Decimal("0"))
        return self.opening_balance + moved == self.closing_balance


# --- helpers the parsers share -----------------------------------------------------------------

_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_AMOUNT = re.compile(r"[0-9]{1,15}(?:\.[0-9]{0,5})?")


def iban_compact(text: str) -> str:
    """An IBAN (or other account id) without spaces, upper case."""
    return re.sub(r"\s+", "", text or "").upper()


def iban_is_valid(text: str) -> bool:
    """ISO 13616 check: move the first four characters to the end, letters to numbers, mod 97."""
    iban = iban_compact(text)
    if not _IBAN.fullmatch(iban):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def iban_tail(text: str) -> str:
    """What an error message may show of an account: its last four characters."""
    iban = iban_compact(text)
    return f"…{iban[-4:]}" if len(iban) > 4 else "…"


def amount_parse(text: str, *, where: str, detail: dict[str, Any]) -> Decimal:
    """A positive-or-zero amount in euros and cents from ``123.45`` (callers turn MT940's
    decimal comma into a point). Refuses signs, exponents, thousands separators and fractions
    of a cent: a bank amount is exact, and guessing would change money."""
    text = (text or "").strip()
    if not text:
        raise BankStatementError(f"{where} has no amount.", {**detail, "field": "amount"})
    if not _AMOUNT.fullmatch(text):
        raise BankStatementError(
            f"{where} has an amount that is not a number: {text[:20]!r}.",
            {**detail, "field": "amount"},
        )
    try:
        amount = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only plain decimals
        raise BankStatementError(
            f"{where} has an amount that is not a number.", {**detail, "field": "amount"}
        ) from None
    if amount != round_money(amount):
        raise BankStatementError(
            f"{where} has an amount with fractions of a cent: {text[:20]!r}.",
            {**detail, "field": "amount"},
        )
    return round_money(amount)


def _amount_text(amount: Decimal, direction: str) -> str:
    return f"{'-' if direction == Direction.DEBIT else ''}{amount:.2f}"


_HASHED_FIELDS = (
    "account_iban",
    "booking_date",
    "value_date",
    "direction",
    "amount",
    "currency",
    "end_to_end_id",
    "creditor_reference",
    "remittance_text",
    "counterparty_name",
    "counterparty_iban",
    "reversal",
)


def _content_hash(draft: dict[str, Any], occurrence: int) -> str:
    # A unit separator between fields, so "ab" + "c" and "a" + "bc" hash differently.
    parts = [str(draft.get(name) if draft.get(name) is not None else "") for name in _HASHED_FIELDS]
    parts.append(str(occurrence))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def entries_keyed(drafts: list[dict[str, Any]]) -> tuple[StatementEntry, ...]:
    """StatementEntry objects for one statement's drafts, in order, each with its unique key
    (module docstring: the rules for missing and repeated bank references)."""
    entries: list[StatementEntry] = []
    seen_content: Counter[str] = Counter()
    seen_keys: Counter[str] = Counter()
    for position, draft in enumerate(drafts, start=1):
        prefix = f"{draft['account_iban']}|{draft['booking_date'].isoformat()}"
        amount = _amount_text(draft["amount"], draft["direction"])
        reference = draft["bank_reference"]
        if not reference:
            content = _content_hash(draft, 0)
            reference = "h:" + _content_hash(draft, seen_content[content])
            seen_content[content] += 1
        key = f"{prefix}|{reference}|{amount}"
        seen_keys[key] += 1
        if seen_keys[key] > 1:
            key = f"{key}#{seen_keys[key]}"
        entries.append(StatementEntry(**draft, position=position, unique_key=key))
    return tuple(entries)
