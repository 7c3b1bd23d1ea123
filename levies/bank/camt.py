"""ISO 20022 CAMT.053 (bank-to-customer statement), any version from ``camt.053.001.02`` on.

Read with the standard library's ElementTree, not ``pycamt`` (evaluated at 1.1.1, not a dependency):

- it puts the structured creditor reference and the first unstructured line under the same key
  (``RemittanceInformation``), so a betalingskenmerk cannot be told from free text that looks
  like one;
- its transactions carry no statement id, so a file with several statements loses which
  statement (and which account, for multi-account files) an entry belongs to;
- it turns debit balances into ``float`` and its amounts stay strings, and a missing
  ``GrpHdr/MsgId`` or malformed XML surfaces as a raw ``AttributeError``/lxml traceback;
- it accepts any XML with a ``Stmt`` element, reads pending (``PDNG``) entries as if booked,
  and a batch entry's transactions all share the entry's bank reference (the unique key would
  make them one payment).

Safety: a DOCTYPE is refused before the tree is built (:func:`_refuse_doctype`), so no entity,
internal or external, is ever declared, let alone expanded or fetched. defusedxml is not a
dependency; this is the one check it would add for our use.

What is read (docs/bank-statements.md): per ``Stmt`` the ``Id``, ``Acct/Id/IBAN`` (or
``Othr/Id``), ``Acct/Ccy``, balances ``OPBD`` (else ``PRCD``) and ``CLBD``; per booked ``Ntry``
the amount and currency, ``CdtDbtInd``, ``RvslInd``, ``BookgDt``, ``ValDt``, ``AcctSvcrRef``;
per transaction (``NtryDtls/TxDtls``) ``Refs/EndToEndId``, ``Refs/AcctSvcrRef``, the debtor (for a
credit) or creditor (for a debit) name and IBAN, ``RmtInf/Ustrd`` and
``RmtInf/Strd/CdtrRefInf/Ref`` (``Ntry/AddtlNtryInf`` stands in for the text of a single entry
that has no remittance information). A batch entry with several transactions becomes one
StatementEntry per transaction, each with its own amount.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any
from xml.parsers import expat

from levies.bank.entries import (
    BankStatement,
    BankStatementError,
    Direction,
    amount_parse,
    entries_keyed,
    iban_compact,
)

NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:camt.053.001."
_NAMESPACE = re.compile(r"\{(urn:iso:std:iso:20022:tech:xsd:(camt\.\d{3}\.\d{3}\.\d{2,}))\}(.+)")
_BOOKED = "BOOK"


class _DoctypeFound(Exception):
    pass


def _refuse_doctype(data: bytes) -> None:
    """Parse once with expat, refusing any DOCTYPE (and so any entity declaration) the moment
    it starts, before expat reads what it declares; report malformed XML with its position."""

    def refuse(*_args: object) -> None:
        raise _DoctypeFound

    # With namespace processing, like ElementTree's own parse, so both agree on what is well
    # formed (an unbound prefix is an error here too).
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
    except _DoctypeFound:
        raise BankStatementError(
            "The XML file declares a document type (DOCTYPE). Bank statements never do, and "
            "such files are refused for safety.",
            {"format": "xml", "reason": "doctype"},
        ) from None
    except expat.ExpatError as exc:
        raise _malformed(exc.lineno, exc.offset, expat.ErrorString(exc.code)) from None
    except (LookupError, ValueError):
        # An encoding Python does not know (<?xml encoding="…"?>).
        raise BankStatementError(
            "The XML file declares a character encoding that cannot be read.",
            {"format": "xml", "reason": "encoding"},
        ) from None


def _malformed(line: int, column: int, reason: str) -> BankStatementError:
    return BankStatementError(
        f"The XML is malformed at line {line}, column {column}: {reason}.",
        {"format": "xml", "line": line, "column": column},
    )


def is_camt(root_tag: str) -> bool:
    return root_tag.startswith("{" + NAMESPACE_PREFIX)


def camt_parse(data: bytes) -> list[BankStatement]:
    """The statements of a CAMT.053 file (raises BankStatementError for anything else)."""
    _refuse_doctype(data)
    try:
        root = ET.fromstring(data)  # noqa: S314 - DOCTYPE refused above, so no entities exist
    except ET.ParseError as exc:  # pragma: no cover - the check above parsed the same bytes
        line, column = exc.position
        raise _malformed(line, column, "not well-formed") from None
    match = _NAMESPACE.fullmatch(root.tag)
    if match is None or not is_camt(root.tag) or match.group(3) != "Document":
        found = match.group(2) if match else "another kind of XML"
        raise BankStatementError(
            f"The file is XML but not a CAMT.053 bank statement (it is {found}).",
            {"format": "xml", "found": found},
        )
    reader = _Reader(namespace=match.group(1), version=match.group(2))
    return reader.statements(root)


def _text(element: ET.Element | None) -> str:
    if element is None or element.text is None:
        return ""
    return element.text.strip()


def _no_placeholder(reference: str) -> str:
    # What a payer's bank writes when the payer gave no end-to-end id.
    return "" if reference.upper() == "NOTPROVIDED" else reference


class _Reader:
    def __init__(self, *, namespace: str, version: str) -> None:
        self.ns = namespace
        self.version = version

    def _path(self, path: str) -> str:
        return "/".join(
            step if step in (".", "..", "*") else f"{{{self.ns}}}{step}" for step in path.split("/")
        )

    def find(self, element: ET.Element, path: str) -> ET.Element | None:
        return element.find(self._path(path))

    def findall(self, element: ET.Element, path: str) -> list[ET.Element]:
        return element.findall(self._path(path))

    def text(self, element: ET.Element, path: str) -> str:
        return _text(self.find(element, path))

    # --- statements ----------------------------------------------------------------------------

    def statements(self, root: ET.Element) -> list[BankStatement]:
        statements = self.findall(root, "BkToCstmrStmt/Stmt")
        if not statements:
            raise BankStatementError(
                "The CAMT.053 file holds no statement (no BkToCstmrStmt/Stmt).",
                {"format": self.version},
            )
        return [self.statement(stmt, index) for index, stmt in enumerate(statements, start=1)]

    def statement(self, stmt: ET.Element, index: int) -> BankStatement:
        statement_id = self.text(stmt, "Id")[:35] or f"#{index}"
        where = f"Statement {statement_id}"
        detail: dict[str, Any] = {"format": self.version, "statement": statement_id}
        account = iban_compact(
            self.text(stmt, "Acct/Id/IBAN") or self.text(stmt, "Acct/Id/Othr/Id")
        )
        if not account:
            raise BankStatementError(f"{where} names no account (Acct/Id).", detail)
        balances = self.balances(stmt, where=where, detail=detail)
        drafts: list[dict[str, Any]] = []
        pending = zero = 0
        for number, entry in enumerate(self.findall(stmt, "Ntry"), start=1):
            status = self.text(entry, "Sts/Cd") or self.text(entry, "Sts")
            if status and status != _BOOKED:
                pending += 1
                continue
            for draft in self.entry(
                entry,
                account=account,
                statement_id=statement_id,
                where=f"Entry {number} of statement {statement_id}",
                detail={**detail, "entry": number},
            ):
                if draft["amount"] == 0:
                    zero += 1
                else:
                    drafts.append(draft)
        currencies = {draft["currency"] for draft in drafts}
        currency = self.text(stmt, "Acct/Ccy") or balances["currency"] or ""
        if not currency and len(currencies) == 1:
            currency = next(iter(currencies))
        return BankStatement(
            format=self.version,
            account_iban=account,
            statement_id=statement_id,
            currency=currency,
            opening_balance=balances["opening"],
            closing_balance=balances["closing"],
            entries=entries_keyed(drafts),
            pending_entries=pending,
            zero_entries=zero,
        )

    def balances(self, stmt: ET.Element, *, where: str, detail: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Decimal] = {}
        currency = ""
        for balance in self.findall(stmt, "Bal"):
            code = self.text(balance, "Tp/CdOrPrtry/Cd")
            if code not in ("OPBD", "PRCD", "CLBD") or code in found:
                continue
            amount_element = self.find(balance, "Amt")
            amount = amount_parse(
                _text(amount_element),
                where=f"The {code} balance of {where.lower()}",
                detail={**detail, "balance": code},
            )
            if self.text(balance, "CdtDbtInd") == "DBIT":
                amount = -amount
            found[code] = amount
            if amount_element is not None:
                currency = currency or amount_element.get("Ccy", "")
        return {
            "opening": found.get("OPBD", found.get("PRCD")),
            "closing": found.get("CLBD"),
            "currency": currency,
        }

    # --- entries -------------------------------------------------------------------------------

    def entry(
        self,
        entry: ET.Element,
        *,
        account: str,
        statement_id: str,
        where: str,
        detail: dict[str, Any],
    ) -> list[dict[str, Any]]:
        amount_element = self.find(entry, "Amt")
        amount = amount_parse(_text(amount_element), where=where, detail=detail)
        currency = (amount_element.get("Ccy", "") if amount_element is not None else "").upper()
        if not currency:
            raise BankStatementError(f"{where} has no currency.", {**detail, "field": "currency"})
        indicator = self.text(entry, "CdtDbtInd")
        if indicator not in ("CRDT", "DBIT"):
            raise BankStatementError(
                f"{where} does not say whether it is a credit or a debit (CdtDbtInd).",
                {**detail, "field": "direction"},
            )
        direction = Direction.CREDIT if indicator == "CRDT" else Direction.DEBIT
        booking_date = self.date(entry, "BookgDt", where=where, detail=detail, required=True)
        value_date = self.date(entry, "ValDt", where=where, detail=detail, required=False)
        common = {
            "account_iban": account,
            "statement_id": statement_id,
            "booking_date": booking_date,
            "value_date": value_date,
            "direction": direction,
            "currency": currency,
            "reversal": self.text(entry, "RvslInd").lower() in ("true", "1"),
        }
        entry_reference = self.text(entry, "AcctSvcrRef")
        transactions = self.findall(entry, "NtryDtls/TxDtls")
        if len(transactions) <= 1:
            details = self.details(transactions[0] if transactions else None, direction)
            if not details["remittance_text"] and not details["creditor_reference"]:
                # Some banks describe the entry only here (costs, interest, ING's CAMT).
                details["remittance_text"] = self.text(entry, "AddtlNtryInf")
            return [
                {
                    **common,
                    **details,
                    "amount": amount,
                    "bank_reference": entry_reference or details["bank_reference"],
                }
            ]
        # A batch: one booking, several payments. Each needs its own amount, and together
        # they must make the booking (else the file contradicts itself).
        drafts = []
        for number, transaction in enumerate(transactions, start=1):
            part_where = f"Transaction {number} of {where[0].lower()}{where[1:]}"
            part_detail = {**detail, "transaction": number}
            part_amount = amount_parse(
                self.transaction_amount(transaction), where=part_where, detail=part_detail
            )
            details = self.details(transaction, direction)
            reference = details["bank_reference"] or (
                f"{entry_reference}/{number}" if entry_reference else ""
            )
            drafts.append({**common, **details, "amount": part_amount, "bank_reference": reference})
        total = sum((draft["amount"] for draft in drafts), Decimal("0"))
        if total != amount:
            raise BankStatementError(
                f"The transactions of {where[0].lower()}{where[1:]} add up to {total:.2f}, "
                f"not to the entry's {amount:.2f}.",
                {**detail, "field": "amount"},
            )
        return drafts

    def transaction_amount(self, transaction: ET.Element) -> str:
        # camt.053.001.08 and later: TxDtls/Amt; .02 to .04: AmtDtls/TxAmt or AmtDtls/InstdAmt.
        for path in ("Amt", "AmtDtls/TxAmt/Amt", "AmtDtls/InstdAmt/Amt"):
            text = self.text(transaction, path)
            if text:
                return text
        return ""

    def details(self, transaction: ET.Element | None, direction: Direction) -> dict[str, Any]:
        if transaction is None:
            return {
                "bank_reference": "",
                "end_to_end_id": "",
                "creditor_reference": "",
                "remittance_text": "",
                "counterparty_name": "",
                "counterparty_iban": "",
            }
        party, party_account = (
            ("Dbtr", "DbtrAcct") if direction is Direction.CREDIT else ("Cdtr", "CdtrAcct")
        )
        # .001.08 wraps the party in Pty (Dbtr/Pty/Nm); earlier versions have Dbtr/Nm.
        name = self.text(transaction, f"RltdPties/{party}/Nm") or self.text(
            transaction, f"RltdPties/{party}/Pty/Nm"
        )
        iban = self.text(transaction, f"RltdPties/{party_account}/Id/IBAN")
        unstructured = [
            _text(line) for line in self.findall(transaction, "RmtInf/Ustrd") if _text(line)
        ]
        structured = [
            _text(ref)
            for ref in self.findall(transaction, "RmtInf/Strd/CdtrRefInf/Ref")
            if _text(ref)
        ]
        return {
            "bank_reference": self.text(transaction, "Refs/AcctSvcrRef"),
            "end_to_end_id": _no_placeholder(self.text(transaction, "Refs/EndToEndId")),
            "creditor_reference": structured[0] if structured else "",
            "remittance_text": " ".join(unstructured),
            "counterparty_name": name,
            "counterparty_iban": iban_compact(iban),
        }

    def date(
        self,
        entry: ET.Element,
        path: str,
        *,
        where: str,
        detail: dict[str, Any],
        required: bool,
    ) -> dt.date | None:
        # Dt is a date; DtTm a date-time whose date part is the bank's booking day.
        text = self.text(entry, f"{path}/Dt") or self.text(entry, f"{path}/DtTm")[:10]
        label = {"BookgDt": "booking date", "ValDt": "value date"}[path]
        if not text:
            if required:
                raise BankStatementError(f"{where} has no {label}.", {**detail, "field": path})
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise BankStatementError(
                f"{where} has a {label} that is not a date: {text[:10]!r}.",
                {**detail, "field": path},
            ) from None
