"""The invoice and credit-note PDF.

Bilingual Dutch/English labels: the payers are Dutch agencies and hirers, and the union's
international staff read them too. Layout, top to bottom: letterhead (union) and title; payer and
particulars (number, dates, period, betalingskenmerk); the lines per site and CAO phase; the
total; the VAT statement; how to pay.
"""

from __future__ import annotations

from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from levies.billing.documents.data import DocumentLine, InvoiceDocument
from levies.billing.documents.formatting import (
    EN_DASH,
    format_count,
    format_date,
    format_euro,
    format_iban,
    format_period,
)
from levies.billing.documents.layout import (
    CONTENT_WIDTH,
    INK,
    RULE,
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

VAT_STATEMENT = "Buiten de reikwijdte van de btw / Outside the scope of VAT"

# (Dutch, English, share of the width, numeric); the count column's label follows count_of.
_COLUMNS = (
    ("Locatie", "Site", 0.50, False),
    ("CAO-fase", "CAO phase", 0.16, False),
    ("Leden", "Members", 0.14, True),
    ("Bedrag", "Amount", 0.20, True),
)
_COUNT_LABELS = {
    "members": ("Leden", "Members"),
    "workers": ("Werknemers", "Workers"),
    "people": ("Personen", "People"),
}


def _count(line: DocumentLine) -> str:
    if line.members is None:
        return f"< {line.count_fewer_than}"
    return format_count(line.members)


def _titles(doc: InvoiceDocument) -> tuple[str, str]:
    return ("Creditnota", "Credit note") if doc.is_credit_note else ("Factuur", "Invoice")


def _particulars(doc: InvoiceDocument) -> list[tuple[tuple[str, str], str]]:
    nl, en = _titles(doc)
    rows = [
        ((f"{nl}nummer", f"{en} number"), doc.number),
        (("Datum", "Issue date"), format_date(doc.issue_date)),
    ]
    if doc.due_date is not None:
        rows.append((("Vervaldatum", "Due date"), format_date(doc.due_date)))
    rows.append((("Periode", "Period"), format_period(doc.period_start, doc.period_end)))
    if doc.payment_reference is not None:
        # Nobody pays a credit note, so its reference is just a reference.
        label = (
            ("Kenmerk", "Reference")
            if doc.is_credit_note
            else ("Betalingskenmerk", "Payment reference")
        )
        rows.append((label, payment_reference_format(doc.payment_reference)))
    return rows


def _site_cell(line: DocumentLine, s: Styles) -> Flowable:
    # A Paragraph, not a plain string, so a long site name wraps instead of running into the
    # next column.
    if not line.description:
        return Paragraph(text(line.site), s.cell)
    return Paragraph(
        f"{text(line.site)}<br/><font size='7' color='#616e7c'>{text(line.description)}</font>",
        s.cell,
    )


def _lines_table(doc: InvoiceDocument, s: Styles) -> Table:
    _, bold = register_fonts()
    widths = [CONTENT_WIDTH * share for _, _, share, _ in _COLUMNS]
    columns = list(_COLUMNS)
    columns[2] = (*_COUNT_LABELS[doc.count_of], *columns[2][2:])
    rows: list[list[Flowable | str]] = [
        [header_cell(nl, en, s, right=numeric) for nl, en, _, numeric in columns]
    ]
    for line in doc.lines:
        rows.append(
            [
                _site_cell(line, s),
                line.cao_phase or EN_DASH,
                _count(line),
                format_euro(line.amount),
            ]
        )
    rows.append(["Totaal / Total", "", "", format_euro(doc.total)])
    last = len(rows) - 1
    style = data_table_style(numeric_from=2)
    style += [
        ("LINEBELOW", (0, 1), (-1, last - 2), 0.25, RULE),
        ("LINEABOVE", (0, last), (-1, last), 0.8, INK),
        ("FONT", (0, last), (-1, last), bold, 9.5),
        ("TOPPADDING", (0, last), (-1, last), 6),
        ("SPAN", (0, last), (2, last)),
    ]
    # The header repeats on every page a long invoice runs to.
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def _payment_box(doc: InvoiceDocument, s: Styles) -> Flowable:
    union = doc.union
    amount = nbsp(format_euro(doc.total))
    parts: list[Flowable] = []
    if doc.is_credit_note:
        # The title already says the union owes the payer: state the amount without its sign.
        amount = nbsp(format_euro(abs(doc.total)))
        parts.append(Paragraph("Verrekening / Settlement", s.heading))
        parts.append(
            Paragraph(
                f"Wij verrekenen {amount} met uw openstaande of volgende facturen, of betalen "
                "het bedrag aan u terug.",
                s.body,
            )
        )
        parts.append(
            Paragraph(
                f"We will set {amount} off against your open or next invoices, or refund it "
                "to you.",
                s.small,
            )
        )
    else:
        assert doc.due_date is not None and doc.payment_reference is not None and union.iban
        iban = nbsp(f"IBAN {format_iban(union.iban)}")
        reference = nbsp(payment_reference_format(doc.payment_reference))
        due = format_date(doc.due_date)
        name = text(union.name)
        parts.append(Paragraph("Betaling / Payment", s.heading))
        parts.append(
            Paragraph(
                f"Wij verzoeken u <b>{amount}</b> uiterlijk <b>{due}</b> over te maken naar "
                f"<b>{iban}</b> ten name van {name}, onder vermelding van "
                f"betalingskenmerk <b>{reference}</b>.",
                s.body,
            )
        )
        parts.append(
            Paragraph(
                f"Please transfer {amount} by {due} to {iban} in the name of {name}, "
                f"quoting payment reference {reference}.",
                s.small,
            )
        )
    return callout(parts)


def invoice_pdf(doc: InvoiceDocument) -> bytes:
    """Render an invoice or credit note as a PDF (A4, embedded DejaVu Sans)."""
    s = styles()
    nl, en = _titles(doc)
    story: list[Flowable] = [
        two_columns(party_block(doc.union, s), title_block(nl, en, s), split=0.6),
        Spacer(1, 12),
        two_columns(
            party_block(doc.payer, s, label="AAN / TO"),
            [key_value_table(_particulars(doc), s, width=CONTENT_WIDTH * 0.48)],
            split=0.52,
        ),
        Spacer(1, 16),
        _lines_table(doc, s),
        Spacer(1, 8),
        Paragraph(text(VAT_STATEMENT), s.body),
        Spacer(1, 14),
        KeepTogether([_payment_box(doc, s)]),
    ]
    story.extend(notes_block(doc.notes, s))
    return render(
        story,
        title=f"{nl} {doc.number}",
        author=doc.union.name,
        footer_left=union_footer(doc.union, with_iban=True),
        footer_right=f"{nl} / {en} {doc.number} · {{page}}/{{pages}}",
        running_header=f"{nl} / {en} {doc.number} · {doc.payer.name} (vervolg / continued)",
    )
