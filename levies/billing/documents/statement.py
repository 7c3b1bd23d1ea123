"""A payer's statement (rekeningoverzicht) as PDF: its open items and its ledger balance.

Built from plain values like the invoice (levies.services build them from the ledger), with the
invoice's page set-up, fonts and bilingual labels. Counts and amounts only: no worker appears.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from levies.billing.documents.data import Party
from levies.billing.documents.formatting import EN_DASH, format_date, format_euro, format_iban
from levies.billing.documents.layout import (
    CONTENT_WIDTH,
    callout,
    data_table_style,
    header_cell,
    key_value_table,
    nbsp,
    party_block,
    render,
    styles,
    text,
    title_block,
    two_columns,
    union_footer,
)


@dataclass(frozen=True)
class StatementItem:
    number: str
    kind: str  # "invoice" or "credit_note"
    issue_date: date
    due_date: date | None
    total: Decimal
    outstanding: Decimal
    days_overdue: int = 0


@dataclass(frozen=True)
class StatementDocument:
    union: Party
    payer: Party
    date: date
    items: tuple[StatementItem, ...]
    open_items_total: Decimal
    credit: Decimal
    not_yet_invoiced: Decimal
    balance: Decimal


def _items_table(doc: StatementDocument, s) -> Table:
    rows: list[list] = [
        [
            header_cell("Nummer", "Number", s),
            header_cell("Datum", "Date", s),
            header_cell("Vervaldatum", "Due", s),
            header_cell("Bedrag", "Amount", s, right=True),
            header_cell("Open", "Open", s, right=True),
        ]
    ]
    for item in doc.items:
        label = item.number
        if item.kind == "credit_note":
            label += " (creditnota / credit note)"
        due = format_date(item.due_date) if item.due_date else EN_DASH
        if item.days_overdue:
            due += f" (+{item.days_overdue} d)"
        rows.append(
            [
                Paragraph(text(label), s.cell),
                format_date(item.issue_date),
                due,
                nbsp(format_euro(item.total)),
                nbsp(format_euro(item.outstanding)),
            ]
        )
    if not doc.items:
        rows.append([Paragraph(text("Geen openstaande posten / No open items"), s.cell)])
    rows.append(["Totaal open / Total open", "", "", "", nbsp(format_euro(doc.open_items_total))])
    widths = [0.34, 0.16, 0.2, 0.15, 0.15]
    table = Table(rows, colWidths=[CONTENT_WIDTH * w for w in widths], repeatRows=1)
    style = data_table_style(numeric_from=3)
    style += [("LINEABOVE", (0, -1), (-1, -1), 0.8, s.title.textColor)]
    table.setStyle(TableStyle(style))
    return table


def statement_pdf(doc: StatementDocument) -> bytes:
    s = styles()
    particulars = [
        (("Datum", "Date"), format_date(doc.date)),
        (("Open posten", "Open items"), nbsp(format_euro(doc.open_items_total))),
        (("Tegoed", "Credit"), nbsp(format_euro(doc.credit))),
        (("Nog te factureren", "Not yet invoiced"), nbsp(format_euro(doc.not_yet_invoiced))),
        (("Saldo", "Balance"), nbsp(format_euro(doc.balance))),
    ]
    story: list[Flowable] = [
        two_columns(
            party_block(doc.union, s),
            title_block("Rekeningoverzicht", "Statement of account", s),
            # The Dutch title is one long word: give it the room not to break.
            split=0.45,
        ),
        Spacer(1, 12),
        two_columns(
            party_block(doc.payer, s, label="AAN / TO"),
            [key_value_table(particulars, s, width=CONTENT_WIDTH * 0.48)],
            split=0.52,
        ),
        Spacer(1, 16),
        _items_table(doc, s),
        Spacer(1, 14),
    ]
    if doc.balance > 0 and doc.union.iban:
        iban = nbsp(f"IBAN {format_iban(doc.union.iban)}")
        story.append(
            KeepTogether(
                [
                    callout(
                        [
                            Paragraph("Betaling / Payment", s.heading),
                            Paragraph(
                                f"Wilt u de openstaande facturen betalen naar <b>{iban}</b> "
                                "ten name van "
                                f"{text(doc.union.name)}, met het betalingskenmerk van elke "
                                "factuur?",
                                s.body,
                            ),
                            Paragraph(
                                f"Please pay the open invoices to {iban} in the name of "
                                f"{text(doc.union.name)}, quoting each invoice's payment "
                                "reference.",
                                s.small,
                            ),
                        ]
                    )
                ]
            )
        )
    story.append(Spacer(1, 8))
    story.append(
        Paragraph(
            text(
                "Saldo = open posten - tegoed + nog te factureren (volgens ons grootboek). "
                "Balance = open items - credit + not yet invoiced (per our ledger)."
            ),
            s.small,
        )
    )
    return render(
        story,
        title=f"Rekeningoverzicht {doc.payer.name}",
        author=doc.union.name,
        footer_left=union_footer(doc.union),
        footer_right=f"Rekeningoverzicht / Statement {format_date(doc.date)} · {{page}}/{{pages}}",
        running_header=f"Rekeningoverzicht / Statement · {doc.payer.name}",
    )
