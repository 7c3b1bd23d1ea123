"""Builders of CAMT.053 and MT940 statement files for the tests (and for docs/examples/).

They write what banks write: CAMT.053 in the 001.02 layout (``Dbtr/Nm``, ``Sts`` as text,
transaction amounts under ``AmtDtls``) or the 001.08 layout (``Dbtr/Pty/Nm``, ``Sts/Cd``,
``TxDtls/Amt``); MT940 in ABN AMRO's layout with the Dutch ``:86:`` sub-fields, wrapped at
65 characters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from xml.sax.saxutils import escape

UNION_IBAN = "NL91ABNA0417164300"


@dataclass
class Tx:
    """One payment inside an entry (a batch entry has several)."""

    amount: Decimal | None = None
    bank_reference: str = ""
    end_to_end_id: str = ""
    creditor_reference: str = ""
    ustrd: tuple[str, ...] = ()
    name: str = ""
    iban: str = ""


@dataclass
class Ntry:
    booking_date: dt.date
    amount: Decimal | str
    credit: bool = True
    bank_reference: str = ""
    value_date: dt.date | None = None
    status: str = "BOOK"
    reversal: bool = False
    currency: str = "EUR"
    # One Tx: the usual single payment; none: an entry without details (bank costs); several:
    # a batch.
    txs: list[Tx] = field(default_factory=list)
    note: str = ""


@dataclass
class Stmt:
    statement_id: str
    entries: list[Ntry]
    account: str = UNION_IBAN
    opening: Decimal | None = None
    closing: Decimal | None = None
    # Filled in by the MT940 writer when not given.
    statement_date: dt.date | None = None


def _e(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _balance(code: str, amount: Decimal, date: dt.date) -> str:
    indicator = "CRDT" if amount >= 0 else "DBIT"
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="EUR">{abs(amount):.2f}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>'
        f"<Dt><Dt>{date.isoformat()}</Dt></Dt></Bal>"
    )


def _tx_xml(tx: Tx, *, credit: bool, version: str, batch: bool) -> str:
    parts = ["<TxDtls>"]
    refs = ""
    if tx.bank_reference:
        refs += f"<AcctSvcrRef>{_e(tx.bank_reference)}</AcctSvcrRef>"
    if tx.end_to_end_id:
        refs += f"<EndToEndId>{_e(tx.end_to_end_id)}</EndToEndId>"
    if refs:
        parts.append(f"<Refs>{refs}</Refs>")
    if batch and tx.amount is not None:
        if version == "02":
            parts.append(f'<AmtDtls><TxAmt><Amt Ccy="EUR">{tx.amount:.2f}</Amt></TxAmt></AmtDtls>')
        else:
            parts.append(f'<Amt Ccy="EUR">{tx.amount:.2f}</Amt>')
    if tx.name or tx.iban:
        role, account = ("Dbtr", "DbtrAcct") if credit else ("Cdtr", "CdtrAcct")
        party = ""
        if tx.name:
            name = f"<Nm>{_e(tx.name)}</Nm>"
            party = f"<{role}>{name if version == '02' else f'<Pty>{name}</Pty>'}</{role}>"
        if tx.iban:
            party += f"<{account}><Id><IBAN>{_e(tx.iban)}</IBAN></Id></{account}>"
        parts.append(f"<RltdPties>{party}</RltdPties>")
    if tx.ustrd or tx.creditor_reference:
        remittance = "".join(f"<Ustrd>{_e(line)}</Ustrd>" for line in tx.ustrd)
        if tx.creditor_reference:
            remittance += (
                "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>CUR</Issr></Tp>"
                f"<Ref>{_e(tx.creditor_reference)}</Ref></CdtrRefInf></Strd>"
            )
        parts.append(f"<RmtInf>{remittance}</RmtInf>")
    parts.append("</TxDtls>")
    return "".join(parts)


def _ntry_xml(entry: Ntry, version: str) -> str:
    status = (
        f"<Sts>{entry.status}</Sts>" if version == "02" else f"<Sts><Cd>{entry.status}</Cd></Sts>"
    )
    amount = entry.amount if isinstance(entry.amount, str) else f"{entry.amount:.2f}"
    xml = [
        f'<Ntry><Amt Ccy="{entry.currency}">{amount}</Amt>',
        f"<CdtDbtInd>{'CRDT' if entry.credit else 'DBIT'}</CdtDbtInd>",
    ]
    if entry.reversal:
        xml.append("<RvslInd>true</RvslInd>")
    xml.append(status)
    xml.append(f"<BookgDt><Dt>{entry.booking_date.isoformat()}</Dt></BookgDt>")
    xml.append(f"<ValDt><Dt>{(entry.value_date or entry.booking_date).isoformat()}</Dt></ValDt>")
    if entry.bank_reference:
        xml.append(f"<AcctSvcrRef>{_e(entry.bank_reference)}</AcctSvcrRef>")
    xml.append(
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly>"
        "</Domn></BkTxCd>"
    )
    if entry.txs:
        batch = len(entry.txs) > 1
        details = "".join(
            _tx_xml(tx, credit=entry.credit, version=version, batch=batch) for tx in entry.txs
        )
        if batch:
            details = f"<Btch><NbOfTxs>{len(entry.txs)}</NbOfTxs></Btch>" + details
        xml.append(f"<NtryDtls>{details}</NtryDtls>")
    if entry.note:
        xml.append(f"<AddtlNtryInf>{_e(entry.note)}</AddtlNtryInf>")
    xml.append("</Ntry>")
    return "".join(xml)


def camt_xml(
    statements: list[Stmt],
    *,
    version: str = "02",
    message_id: str = "UNIONROLL-TEST",
    created: str = "2026-11-27T18:00:00",
    pretty: bool = False,
) -> bytes:
    ns = f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}"
    body = []
    for stmt in statements:
        dates = [entry.booking_date for entry in stmt.entries] or [dt.date(2026, 11, 27)]
        xml = [
            f"<Stmt><Id>{_e(stmt.statement_id)}</Id><ElctrncSeqNb>1</ElctrncSeqNb>",
            f"<CreDtTm>{created}</CreDtTm>",
            f"<Acct><Id><IBAN>{stmt.account}</IBAN></Id><Ccy>EUR</Ccy>"
            "<Svcr><FinInstnId><BIC>ABNANL2A</BIC></FinInstnId></Svcr></Acct>",
        ]
        if stmt.opening is not None:
            xml.append(_balance("OPBD", stmt.opening, min(dates)))
        if stmt.closing is not None:
            xml.append(_balance("CLBD", stmt.closing, max(dates)))
        xml.extend(_ntry_xml(entry, version) for entry in stmt.entries)
        xml.append("</Stmt>")
        body.append("".join(xml))
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<Document xmlns="{ns}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<BkToCstmrStmt><GrpHdr><MsgId>{_e(message_id)}</MsgId>"
        f"<CreDtTm>{created}</CreDtTm></GrpHdr>{''.join(body)}</BkToCstmrStmt></Document>"
    )
    if pretty:
        from xml.dom import minidom

        document = minidom.parseString(document).toprettyxml(indent="  ", encoding="UTF-8")  # noqa: S318
        return document
    return document.encode("utf-8")


# --- MT940 --------------------------------------------------------------------------------------


def _mt_amount(amount: Decimal) -> str:
    return f"{abs(amount):.2f}".replace(".", ",")


def _mt_balance(tag: str, amount: Decimal, date: dt.date) -> str:
    return f":{tag}:{'C' if amount >= 0 else 'D'}{date:%y%m%d}EUR{_mt_amount(amount)}"


def _wrapped(text: str, width: int = 65) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


_BICS = {"ABNA": "ABNANL2A", "BUNQ": "BUNQNL2A", "INGB": "INGBNL2A", "RABO": "RABONL2U"}


def _details_86(entry: Ntry) -> str:
    if not entry.txs:
        return entry.note
    tx = entry.txs[0]
    parts = ["/TRTP/SEPA OVERBOEKING"]
    if tx.iban:
        parts.append(f"/IBAN/{tx.iban}/BIC/{_BICS.get(tx.iban[4:8], 'NOTPROVIDED')}")
    if tx.name:
        parts.append(f"/NAME/{tx.name}")
    if tx.creditor_reference:
        parts.append(f"/REMI/STRD/CUR/{tx.creditor_reference}")
    elif tx.ustrd:
        parts.append(f"/REMI/{' '.join(tx.ustrd)}")
    parts.append(f"/EREF/{tx.end_to_end_id or 'NOTPROVIDED'}")
    return "".join(parts)


def mt940_text(statements: list[Stmt], *, header: bool = True) -> str:
    lines = ["ABNANL2A", "940", "ABNANL2A"] if header else []
    for stmt in statements:
        dates = [entry.booking_date for entry in stmt.entries]
        date = stmt.statement_date or (max(dates) if dates else dt.date(2026, 11, 27))
        opening = stmt.opening if stmt.opening is not None else Decimal("0.00")
        lines += [
            ":20:ABN AMRO BANK NV",
            f":25:{stmt.account}",
            f":28C:{stmt.statement_id}",
            _mt_balance("60F", opening, min(dates) if dates else date),
        ]
        for entry in stmt.entries:
            # RC, the reversal of a credit, is money out; RD money in.
            if entry.reversal:
                mark = "RD" if entry.credit else "RC"
            else:
                mark = "C" if entry.credit else "D"
            value_date = entry.value_date or entry.booking_date
            amount = entry.amount if isinstance(entry.amount, str) else _mt_amount(entry.amount)
            tx = entry.txs[0] if entry.txs else Tx()
            customer = tx.end_to_end_id[:16] if tx.end_to_end_id else "NONREF"
            reference = f"//{entry.bank_reference}" if entry.bank_reference else ""
            lines.append(
                f":61:{value_date:%y%m%d}{entry.booking_date:%m%d}{mark}{amount}N654"
                f"{customer}{reference}"
            )
            details = _details_86(entry)
            if details:
                wrapped = _wrapped(details)
                lines.append(f":86:{wrapped[0]}")
                lines.extend(wrapped[1:])
        closing = stmt.closing if stmt.closing is not None else opening
        lines.append(_mt_balance("62F", closing, date))
        lines.append("-")
    return "\r\n".join(lines) + "\r\n"


# --- the examples in docs/examples/ --------------------------------------------------------------

D = Decimal
FLEXKRACHT = ("Flexkracht Oost Uitzendbureau B.V.", "NL03RABO0312456789")
BRABANT = ("Brabant Personeelsdiensten B.V.", "NL51INGB0004567123")
ZONNEBLOEM = ("Stichting Zonnebloem Werkt", "NL49BUNQ2046118832")
MINISTRY = ("Ministerie van Sociale Zaken en Werkgelegenheid", "NL29INGB0000551234")
OPENING = D("10000.00")


def example_entries() -> list[Ntry]:
    """The week 23-27 November 2026 on the union's account (docs/bank-statements.md), set for
    the documents ``make demo`` issues (demo/management/commands/demo_load.py): invoice
    2026-000001 (Brabant, week 41, EUR 29.41, overdue), 2026-000002 (Flexkracht, week 47,
    EUR 269.44), 2026-000003 (Brabant, week 47, EUR 28.02) and state claim S2026-000001
    (week 41, EUR 264.67)."""
    day = dt.date
    return [
        # Invoice 2026-000002 paid in full, betalingskenmerk in the structured reference.
        Ntry(
            day(2026, 11, 23),
            D("269.44"),
            bank_reference="ABN2026112300001",
            txs=[
                Tx(
                    end_to_end_id="FLEX-LEVY-2026-W47",
                    creditor_reference="2202600000000002",
                    name=FLEXKRACHT[0],
                    iban=FLEXKRACHT[1],
                )
            ],
        ),
        # No reference at all: the unmatched queue.
        Ntry(
            day(2026, 11, 24),
            D("120.00"),
            bank_reference="ABN2026112400002",
            txs=[Tx(ustrd=("Bijdrage november",), name=ZONNEBLOEM[0], iban=ZONNEBLOEM[1])],
        ),
        # Invoice 2026-000003 named only in the free text, and paid in part.
        Ntry(
            day(2026, 11, 25),
            D("15.00"),
            bank_reference="ABN2026112500003",
            txs=[
                Tx(
                    ustrd=("Factuur nr. 2026-000003 heffing week 47",),
                    name=BRABANT[0],
                    iban=BRABANT[1],
                )
            ],
        ),
        # The rest of 2026-000003 (EUR 13.02), its betalingskenmerk mistyped: the last two
        # digits swapped, so the check digit no longer fits and it matches nothing. The desk
        # offers 2026-000003 first (the amount is what is open on it).
        Ntry(
            day(2026, 11, 26),
            D("13.02"),
            bank_reference="ABN2026112600004",
            txs=[
                Tx(
                    end_to_end_id="BPD-20261126-01",
                    creditor_reference="0202600000000030",
                    name=BRABANT[0],
                    iban=BRABANT[1],
                )
            ],
        ),
        # The state funder pays state claim S2026-000001 (betalingskenmerk series 5).
        Ntry(
            day(2026, 11, 27),
            D("264.67"),
            bank_reference="ABN2026112700005",
            txs=[
                Tx(
                    end_to_end_id="SZW-2026-118734",
                    creditor_reference="5202650000000001",
                    name=MINISTRY[0],
                    iban=MINISTRY[1],
                )
            ],
        ),
        # Bank costs: a debit, ignored by the import.
        Ntry(
            day(2026, 11, 27),
            D("12.50"),
            credit=False,
            bank_reference="ABN2026112700006",
            note="Kosten zakelijk betalingsverkeer november",
        ),
    ]


def _closing(opening: Decimal, entries: list[Ntry]) -> Decimal:
    return opening + sum((D(e.amount) if e.credit else -D(e.amount) for e in entries), D("0.00"))


def example_camt() -> bytes:
    entries = example_entries()
    statement = Stmt(
        "ABN-20261127-0048", entries, opening=OPENING, closing=_closing(OPENING, entries)
    )
    return camt_xml([statement], message_id="ABN-CAMT053-20261127-1800", pretty=True)


def example_mt940() -> str:
    """The same week as daily MT940 statements, with the same bank references: importing it
    after the CAMT file finds every entry a duplicate."""
    by_day: dict[dt.date, list[Ntry]] = {}
    for entry in example_entries():
        by_day.setdefault(entry.booking_date, []).append(entry)
    statements, balance = [], OPENING
    for number, (day, entries) in enumerate(sorted(by_day.items()), start=327):
        closing = _closing(balance, entries)
        statements.append(
            Stmt(f"{number:05d}/1", entries, opening=balance, closing=closing, statement_date=day)
        )
        balance = closing
    return mt940_text(statements)


if __name__ == "__main__":
    # python -m tests.levies.bank_files: rewrite docs/examples/ from the builders above.
    from pathlib import Path

    examples = Path(__file__).resolve().parents[2] / "docs" / "examples"
    (examples / "camt053-example.xml").write_bytes(example_camt())
    (examples / "mt940-example.sta").write_bytes(example_mt940().encode("ascii"))
