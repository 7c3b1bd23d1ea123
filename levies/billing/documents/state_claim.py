"""The state claim: the state's share of one period's levies, as a PDF and as a CSV.

Counts and amounts per sector and per paying organisation, never a worker's name, number or
anything else that identifies a person: union membership is special-category data (GDPR art. 9)
and the funder needs only totals to pay and to audit.
"""

from __future__ import annotations

import csv
import io

from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from levies.billing.documents.data import StateClaimDocument, rows_by_sector
from levies.billing.documents.formatting import (
    format_count,
    format_date,
    format_euro,
    format_iban,
    format_period,
)
from levies.billing.documents.layout import (
    ACCENT,
    CONTENT_WIDTH,
    INK,
    RULE,
    TINT,
    Styles,
    callout,
    data_table_style,
    header_cell,
    key_value_table,
    nbsp,
    notes_block,
    party_block,
    render,
    styles,
    text,
    title_block,
    two_columns,
    union_footer,
)
from levies.billing.payment_reference import payment_reference_format
from unionroll.pdf import register_fonts
from unionroll.spreadsheets import spreadsheet_safe

CSV_HEADER = ("period_start", "period_end", "sector", "payer", "payer_kvk", "members", "amount")
CSV_TOTAL_LABEL = "TOTAL"
NO_PERSONAL_DATA = (
    "Deze declaratie bevat geen persoonsgegevens: alleen aantallen leden en bedragen per sector "
    "en per betalende organisatie. / This claim contains no personal data: only member counts "
    "and amounts per sector and per paying organisation."
)

# (Dutch, English, share of the width, numeric)
_COLUMNS = (
    ("Betaler", "Payer", 0.50, False),
    ("KvK-nummer", "KvK number", 0.16, False),
    ("Leden", "Members", 0.14, True),
    ("Bedrag", "Amount", 0.20, True),
)


def _particulars(doc: StateClaimDocument) -> list[tuple[tuple[str, str], str]]:
    rows = [
        (("Kenmerk", "Reference"), doc.reference),
        (("Datum", "Issue date"), format_date(doc.issue_date)),
    ]
    if doc.due_date is not None:
        rows.append((("Vervaldatum", "Due date"), format_date(doc.due_date)))
    rows.append((("Periode", "Period"), format_period(doc.period_start, doc.period_end)))
    if doc.payment_reference is not None:
        rows.append(
            (
                ("Betalingskenmerk", "Payment reference"),
                payment_reference_format(doc.payment_reference),
            )
        )
    return rows


def _claim_table(doc: StateClaimDocument, s: Styles) -> Table:
    _, bold = register_fonts()
    widths = [CONTENT_WIDTH * share for _, _, share, _ in _COLUMNS]
    rows: list[list[Flowable | str]] = [
        [header_cell(nl, en, s, right=numeric) for nl, en, _, numeric in _COLUMNS]
    ]
    style = data_table_style(numeric_from=2)
    totals = {t.sector: t for t in doc.sector_totals()}
    for sector, sector_rows in rows_by_sector(doc):
        # A sector heading row spanning the table, then its payers, then its subtotal.
        heading = len(rows)
        rows.append([sector, "", "", ""])
        style += [
            ("SPAN", (0, heading), (-1, heading)),
            ("FONT", (0, heading), (-1, heading), bold, 9),
            ("TEXTCOLOR", (0, heading), (-1, heading), ACCENT),
            ("TOPPADDING", (0, heading), (-1, heading), 8),
        ]
        for row in sector_rows:
            rows.append(
                [
                    Paragraph(text(row.payer), s.cell),  # wraps a long name
                    row.payer_kvk,
                    format_count(row.members),
                    format_euro(row.amount),
                ]
            )
            style.append(("LINEBELOW", (0, len(rows) - 1), (-1, len(rows) - 1), 0.25, RULE))
        subtotal = len(rows)
        total = totals[sector]
        rows.append(
            [
                "Subtotaal / Subtotal",
                "",
                format_count(total.members),
                format_euro(total.amount),
            ]
        )
        style += [
            ("SPAN", (0, subtotal), (1, subtotal)),
            ("FONT", (0, subtotal), (-1, subtotal), bold, 8.5),
            ("BACKGROUND", (0, subtotal), (-1, subtotal), TINT),
        ]
    last = len(rows)
    rows.append(
        ["Totaal / Total", "", format_count(doc.total_members), format_euro(doc.total_amount)]
    )
    style += [
        ("SPAN", (0, last), (1, last)),
        ("LINEABOVE", (0, last), (-1, last), 0.8, INK),
        ("FONT", (0, last), (-1, last), bold, 9.5),
        ("TOPPADDING", (0, last), (-1, last), 7),
    ]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def state_claim_pdf(doc: StateClaimDocument) -> bytes:
    """Render the state claim as a PDF (A4, embedded DejaVu Sans)."""
    s = styles()
    story: list[Flowable] = [
        two_columns(
            party_block(doc.union, s),
            title_block("Declaratie", "Staatsbijdrage · State contribution claim", s),
            split=0.5,
        ),
        Spacer(1, 12),
        two_columns(
            party_block(doc.funder, s, label="AAN / TO"),
            [key_value_table(_particulars(doc), s, width=CONTENT_WIDTH * 0.48)],
            split=0.52,
        ),
        Spacer(1, 16),
        _claim_table(doc, s),
        Spacer(1, 8),
        Paragraph(text(NO_PERSONAL_DATA), s.small),
    ]
    if doc.union.iban:
        amount = nbsp(format_euro(doc.total_amount))
        iban = nbsp(f"IBAN {format_iban(doc.union.iban)}")
        due_nl = due_en = quote_nl = quote_en = ""
        if doc.due_date is not None:
            due_nl = f" uiterlijk <b>{format_date(doc.due_date)}</b>"
            due_en = f" by {format_date(doc.due_date)}"
        if doc.payment_reference is not None:
            reference = nbsp(payment_reference_format(doc.payment_reference))
            quote_nl = f", onder vermelding van betalingskenmerk <b>{reference}</b>"
            quote_en = f", quoting payment reference {reference}"
        name = text(doc.union.name)
        story += [
            Spacer(1, 14),
            KeepTogether(
                [
                    callout(
                        [
                            Paragraph("Betaling / Payment", s.heading),
                            Paragraph(
                                f"Wij verzoeken u <b>{amount}</b>{due_nl} over te maken naar "
                                f"<b>{iban}</b> ten name van {name}{quote_nl}.",
                                s.body,
                            ),
                            Paragraph(
                                f"Please transfer {amount}{due_en} to {iban} in the name of "
                                f"{name}{quote_en}.",
                                s.small,
                            ),
                        ]
                    )
                ]
            ),
        ]
    story.extend(notes_block(doc.notes, s))
    return render(
        story,
        title=f"Declaratie staatsbijdrage {doc.reference}",
        author=doc.union.name,
        footer_left=union_footer(doc.union),
        footer_right=f"Declaratie / Claim {doc.reference} · {{page}}/{{pages}}",
        running_header=f"Declaratie / Claim {doc.reference} (vervolg / continued)",
    )


def state_claim_csv(doc: StateClaimDocument) -> str:
    """The claim as CSV: a header, one row per sector and payer, then a ``TOTAL`` row.

    Comma-separated, decimal point, amounts to the cent, dates as ISO 8601, so a funder's
    system reads it without locale guessing.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    start, end = doc.period_start.isoformat(), doc.period_end.isoformat()
    writer.writerow(CSV_HEADER)
    for row in doc.rows:
        writer.writerow(
            [
                start,
                end,
                spreadsheet_safe(row.sector),
                spreadsheet_safe(row.payer),
                spreadsheet_safe(row.payer_kvk),
                row.members,
                f"{row.amount:.2f}",
            ]
        )
    writer.writerow(
        [start, end, CSV_TOTAL_LABEL, "", "", doc.total_members, f"{doc.total_amount:.2f}"]
    )
    return out.getvalue()
