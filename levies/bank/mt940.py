"""SWIFT MT940 customer statements, as Dutch banks export them (ABN AMRO, ING, Rabobank).

The field layouts come from the ``mt-940`` package: its ``:61:`` and balance patterns
(``mt940.tags.Statement().re``, ``FinalOpeningBalance().re``) are used as published. Its
``parse()`` is not: it reports a broken line as a ``RuntimeError`` without a line number and
logs the line's content at ERROR level (names and remittance text in our logs); it silently
merges a ``:61:`` without a transaction type code into the previous transaction; it accepts
``1,2,3`` as an amount; and it leaves the Dutch ``:86:`` sub-fields (``/IBAN/``, ``/NAME/``,
``/REMI/``, ``/EREF/``) unparsed. So this module splits the file into tags itself (keeping line
numbers for messages), matches each against the package's pattern, converts amounts strictly,
and reads ``:86:``.

What is read (docs/bank-statements.md): ``:20:`` (statement reference), ``:25:`` (account),
``:28C:`` (statement number, the statement id when present), ``:60F:``/``:60M:`` (opening
balance and currency, required), each ``:61:`` with the ``:86:`` that follows it, and
``:62F:``/``:62M:`` (closing balance). SWIFT envelope lines (``{1:…}``, ``-}``) and bank headers
before the first ``:20:`` are skipped; other tags (``:13D:``, ``:64:``, ``:65:``, ``:NS:``,
``:90C:``…) are ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import mt940.tags

from levies.bank.entries import (
    BankStatement,
    BankStatementError,
    Direction,
    amount_parse,
    entries_keyed,
    iban_compact,
    iban_is_valid,
)

FORMAT = "mt940"
_TAG_LINE = re.compile(r":(?P<tag>[0-9]{2}[A-Z]?|NS):(?P<value>.*)")
_STATEMENT_LINE = mt940.tags.Statement().re
_BALANCE = mt940.tags.FinalOpeningBalance().re
_MT940_AMOUNT = re.compile(r"[0-9]+,[0-9]*")
# Customer references that mean "none" (the reference is in :86: or nowhere).
_NO_REFERENCE = {"", "NONREF", "NOTPROVIDED"}
# Dutch structured :86: sub-fields (ABN AMRO, ING, Rabobank "SEPA" layouts).
_SUBFIELD = re.compile(
    r"/(TRTP|IBAN|BIC|NAME|REMI|EREF|CSID|MARF|ORDP|BENM|ID|ADDR|CNTP|PREF|RTRN|ISDT|ULTC|ULTD"
    r"|ULTB|PURP|SVCL|EXCH|CHGS|OCMT)/"
)
# MT940 :86: lines are at most 65 characters; banks wrap long text at exactly that width,
# mid-word, so a full line continues the next without a space.
_LINE_WIDTH = 65


def looks_like_mt940(text: str) -> bool:
    """A ``:20:`` line and one of the statement's other tags: MT940 (well formed or not)."""
    return re.search(r"(?m)^:20:", text) is not None and (
        re.search(r"(?m)^:(25|28C?|60[FM]?|61|62[FM]?):", text) is not None
    )


@dataclass
class _Tag:
    line: int
    tag: str
    lines: list[str] = field(default_factory=list)

    @property
    def value(self) -> str:
        return "\n".join(self.lines)


def _tags(text: str) -> list[_Tag]:
    tags: list[_Tag] = []
    current: _Tag | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        match = _TAG_LINE.match(line)
        if match:
            current = _Tag(line=number, tag=match["tag"], lines=[match["value"]])
            tags.append(current)
        elif line.startswith(("-}", "{")) or line == "-":
            # The SWIFT envelope (blocks 1-5) and the end-of-message marker.
            current = None
        elif current is not None:
            current.lines.append(line)
    return tags


def mt940_parse(text: str) -> list[BankStatement]:
    """The statements of MT940 text (raises BankStatementError on what cannot be read)."""
    tags = _tags(text)
    blocks: list[list[_Tag]] = []
    for tag in tags:
        if tag.tag == "20":
            blocks.append([])
        if blocks:
            blocks[-1].append(tag)
    if not blocks:
        raise BankStatementError(
            "The file is not a CAMT.053 or MT940 statement.", {"format": "unknown"}
        )
    return [_statement(block, index) for index, block in enumerate(blocks, start=1)]


def _statement(block: list[_Tag], index: int) -> BankStatement:
    by_tag: dict[str, _Tag] = {}
    for tag in block:
        by_tag.setdefault(tag.tag, tag)
    number = by_tag.get("28C") or by_tag.get("28")
    reference = by_tag["20"].value.strip()
    statement_id = (number.value.strip() if number else "") or reference or f"#{index}"
    statement_id = statement_id[:35]
    where = f"Statement {statement_id} (line {block[0].line})"
    detail: dict[str, Any] = {"format": FORMAT, "statement": statement_id, "line": block[0].line}
    if "25" not in by_tag:
        raise BankStatementError(f"{where} names no account (:25:).", detail)
    opening_tag = by_tag.get("60F") or by_tag.get("60M") or by_tag.get("60")
    if opening_tag is None:
        raise BankStatementError(f"{where} has no opening balance (:60F:).", detail)
    opening, currency = _balance(opening_tag)
    closing_tag = by_tag.get("62F") or by_tag.get("62M") or by_tag.get("62")
    closing = _balance(closing_tag)[0] if closing_tag else None
    account = _account(by_tag["25"].value, currency)

    drafts: list[dict[str, Any]] = []
    zero = 0
    last_draft: dict[str, Any] | None = None
    for position, tag in enumerate(block):
        if tag.tag == "61":
            draft = _statement_line(tag, account=account, statement_id=statement_id)
            draft["currency"] = currency
            if draft["amount"] == 0:
                zero += 1
                last_draft = None
            else:
                drafts.append(draft)
                last_draft = draft
        elif tag.tag == "86" and last_draft is not None and block[position - 1].tag == "61":
            _details(last_draft, tag.lines)
        elif tag.tag != "86":
            last_draft = None
    return BankStatement(
        format=FORMAT,
        account_iban=account,
        statement_id=statement_id,
        currency=currency,
        opening_balance=opening,
        closing_balance=closing,
        entries=entries_keyed(drafts),
        zero_entries=zero,
    )


def _account(value: str, currency: str) -> str:
    # ":25:NL91ABNA0417164300", ING's ":25:NL91ABNA0417164300EUR", Rabobank's
    # ":25:NL91ABNA0417164300 EUR", or "BIC/account" from some banks.
    compact = iban_compact(value.split("/")[-1])
    if iban_is_valid(compact):
        return compact
    if currency and compact.endswith(currency) and iban_is_valid(compact[: -len(currency)]):
        return compact[: -len(currency)]
    return compact


def _balance(tag: _Tag) -> tuple[Any, str]:
    match = _BALANCE.match(tag.value.strip())
    if match is None:
        raise BankStatementError(
            f"line {tag.line}: the balance (:{tag.tag}:) cannot be read; it must be C or D, a "
            "date (YYMMDD), a currency and an amount.",
            {"format": FORMAT, "line": tag.line, "field": "balance"},
        )
    where = f"line {tag.line}: the balance (:{tag.tag}:)"
    amount = _amount(match["amount"], where=where, line=tag.line)
    _date(match["year"], match["month"], match["day"], line=tag.line)
    return (-amount if match["status"].upper() == "D" else amount), match["currency"].upper()


def _amount(text: str, *, where: str, line: int) -> Any:
    detail = {"format": FORMAT, "line": line, "field": "amount"}
    if not _MT940_AMOUNT.fullmatch(text or ""):
        raise BankStatementError(
            f"{where} has an amount that is not a number: {(text or '')[:20]!r}.", detail
        )
    return amount_parse(text.replace(",", "."), where=where, detail=detail)


def _date(year: str, month: str, day: str, *, line: int) -> dt.date:
    # SWIFT's two-digit years: the statements we read are from this century.
    try:
        return dt.date(2000 + int(year), int(month), int(day))
    except ValueError:
        raise BankStatementError(
            f"line {line}: the date {year}{month}{day} is not a valid date (YYMMDD).",
            {"format": FORMAT, "line": line, "field": "date"},
        ) from None


def _statement_line(tag: _Tag, *, account: str, statement_id: str) -> dict[str, Any]:
    value = tag.value.strip()
    match = _STATEMENT_LINE.match(value)
    if match is None:
        raise BankStatementError(
            f"line {tag.line}: the statement line (:61:) cannot be read; it must start with a "
            "value date (YYMMDD), an optional booking date (MMDD), C, D, RC or RD, and an amount.",
            {"format": FORMAT, "line": tag.line, "field": "statement_line"},
        )
    value_date = _date(match["year"], match["month"], match["day"], line=tag.line)
    booking_date = value_date
    if (match["entry_month"] or "").strip() and (match["entry_day"] or "").strip():
        booking_date = _entry_date(value_date, match["entry_month"], match["entry_day"], tag.line)
    status = match["status"].upper()
    where = f"line {tag.line}: the statement line (:61:)"
    customer_reference = (match["customer_reference"] or "").strip()
    return {
        "account_iban": account,
        "statement_id": statement_id,
        "booking_date": booking_date,
        "value_date": value_date,
        "amount": _amount(match["amount"], where=where, line=tag.line),
        # RC is the reversal of a credit: money out. RD the reversal of a debit: money in.
        "direction": Direction.CREDIT if status in ("C", "RD") else Direction.DEBIT,
        "reversal": status.startswith("R"),
        "bank_reference": _reference(match["bank_reference"]),
        # The customer reference (:61:) until :86: gives an /EREF/.
        "end_to_end_id": _reference(customer_reference),
        "creditor_reference": "",
        "remittance_text": "",
        "counterparty_name": "",
        "counterparty_iban": "",
    }


def _reference(text: str | None) -> str:
    text = (text or "").strip()
    return "" if text.upper() in _NO_REFERENCE else text


def _entry_date(value_date: dt.date, month: str, day: str, line: int) -> dt.date:
    """The booking date (MMDD) in the year that puts it nearest the value date: a payment
    valued on 31 December can be booked on 2 January."""
    candidates = []
    for year in (value_date.year - 1, value_date.year, value_date.year + 1):
        try:
            candidates.append(dt.date(year, int(month), int(day)))
        except ValueError:
            continue
    if not candidates:
        raise BankStatementError(
            f"line {line}: the booking date {month}{day} is not a valid date (MMDD).",
            {"format": FORMAT, "line": line, "field": "date"},
        )
    return min(candidates, key=lambda date: abs((date - value_date).days))


def _joined(lines: list[str]) -> str:
    text = ""
    for index, line in enumerate(lines):
        if index and len(lines[index - 1]) < _LINE_WIDTH:
            text += " "
        text += line
    return text.strip()


def _details(draft: dict[str, Any], lines: list[str]) -> None:
    """Fill the draft from its ``:86:`` (Dutch structured sub-fields, else free text)."""
    text = _joined(lines)
    parts = _SUBFIELD.split(text)
    if len(parts) < 3:
        draft["remittance_text"] = text
        return
    fields: dict[str, str] = {}
    for name, value in zip(parts[1::2], parts[2::2], strict=True):
        # First occurrence wins: /ORDP//NAME/… (Rabobank) names the ordering party first.
        fields.setdefault(name, value.strip().strip("/").strip())
    if "CNTP" in fields:
        # ING: /CNTP/<account>/<BIC>/<name>/<city>/
        account, _, rest = fields["CNTP"].partition("/")
        fields.setdefault("IBAN", account)
        _bic, _, rest = rest.partition("/")
        fields.setdefault("NAME", rest.partition("/")[0])
    remittance = fields.get("REMI", "")
    structured = re.match(r"STRD/(?:CUR|ISO)/(?P<ref>[^/]+)", remittance)
    if structured:
        draft["creditor_reference"] = structured["ref"].strip()
        draft["remittance_text"] = ""
    else:
        draft["remittance_text"] = re.sub(r"^USTD//?", "", remittance).strip().strip("/").strip()
    draft["end_to_end_id"] = _reference(fields.get("EREF")) or draft["end_to_end_id"]
    draft["counterparty_name"] = fields.get("NAME", "")
    draft["counterparty_iban"] = iban_compact(fields.get("IBAN", ""))
