"""Page set-up shared by the invoice and the state claim: A4, styles, header blocks, footer."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from levies.billing.documents.data import Party
from levies.billing.documents.formatting import format_iban
from unionroll.pdf import ACCENT, INK, MUTED, RULE, TINT, register_fonts

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 20 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    label: ParagraphStyle
    party_name: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    cell: ParagraphStyle
    cell_right: ParagraphStyle
    header: ParagraphStyle
    header_right: ParagraphStyle


def styles() -> Styles:
    regular, bold = register_fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=9, leading=12.5, textColor=INK)
    return Styles(
        body=body,
        small=ParagraphStyle("small", parent=body, fontSize=8, leading=10.5, textColor=MUTED),
        label=ParagraphStyle(
            "label", parent=body, fontName=bold, fontSize=7, leading=9, textColor=MUTED
        ),
        party_name=ParagraphStyle("party", parent=body, fontName=bold, fontSize=10, leading=13),
        title=ParagraphStyle(
            "title",
            parent=body,
            fontName=bold,
            fontSize=20,
            leading=24,
            textColor=ACCENT,
            alignment=TA_RIGHT,
        ),
        subtitle=ParagraphStyle(
            "subtitle", parent=body, fontSize=10, leading=13, textColor=MUTED, alignment=TA_RIGHT
        ),
        heading=ParagraphStyle(
            "heading", parent=body, fontName=bold, fontSize=10, leading=13, textColor=ACCENT
        ),
        cell=ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5),
        cell_right=ParagraphStyle(
            "cell_right", parent=body, fontSize=8.5, leading=10.5, alignment=TA_RIGHT
        ),
        header=ParagraphStyle(
            "header", parent=body, fontName=bold, fontSize=8, leading=10, textColor=ACCENT
        ),
        header_right=ParagraphStyle(
            "header_right",
            parent=body,
            fontName=bold,
            fontSize=8,
            leading=10,
            textColor=ACCENT,
            alignment=TA_RIGHT,
        ),
    )


def text(value: str) -> str:
    """Escape data for a Paragraph, whose text is a small XML dialect: "A & B" must stay that."""
    return escape(value)


def party_block(party: Party, s: Styles, *, label: str | None = None) -> list[Flowable]:
    """Name, address, KvK and (if given) IBAN of an organisation, stacked."""
    block: list[Flowable] = []
    if label:
        block.append(Paragraph(text(label), s.label))
    block.append(Paragraph(text(party.name), s.party_name))
    for line in party.address_lines:
        block.append(Paragraph(text(line), s.body))
    ids = []
    if party.kvk:
        ids.append(f"KvK {text(party.kvk)}")
    if party.iban:
        ids.append(f"IBAN {text(format_iban(party.iban))}")
    if ids:
        block.append(Paragraph(" · ".join(ids), s.small))
    return block


def title_block(title: str, subtitle: str, s: Styles) -> list[Flowable]:
    return [Paragraph(text(title), s.title), Paragraph(text(subtitle), s.subtitle)]


def bilingual(nl: str, en: str, style: ParagraphStyle) -> Paragraph:
    """Dutch on the first line, English smaller and muted below: one label for both readers."""
    return Paragraph(
        f"{text(nl)}<br/><font size='{style.fontSize - 1.5}' color='#{MUTED.hexval()[2:]}'>"
        f"{text(en)}</font>",
        style,
    )


def header_cell(nl: str, en: str, s: Styles, *, right: bool = False) -> Paragraph:
    return bilingual(nl, en, s.header_right if right else s.header)


def key_value_table(
    rows: Sequence[tuple[tuple[str, str], str]], s: Styles, *, width: float
) -> Table:
    """Label on the left (Dutch over English), value on the right (bold): the particulars."""
    regular, bold = register_fonts()
    table = Table(
        [[bilingual(nl, en, s.small), value] for (nl, en), value in rows],
        colWidths=[width * 0.45, width * 0.55],
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (0, -1), regular, 8),
                ("FONT", (1, 0), (1, -1), bold, 9),
                ("TEXTCOLOR", (1, 0), (1, -1), INK),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                ("LINEBELOW", (0, 0), (-1, -2), 0.25, RULE),
            ]
        )
    )
    return table


def notes_block(notes: Sequence[str], s: Styles) -> list[Flowable]:
    """A document's closing notes in small print (nothing when there are none)."""
    if not notes:
        return []
    return [Spacer(1, 10), *(Paragraph(text(note), s.small) for note in notes)]


def union_footer(union: Party, *, with_iban: bool = False) -> str:
    """The union's name and KvK (and IBAN where money is asked for), for the page footer."""
    parts = [union.name]
    if union.kvk:
        parts.append(f"KvK {union.kvk}")
    if with_iban and union.iban:
        parts.append(f"IBAN {format_iban(union.iban)}")
    return " · ".join(parts)


def two_columns(left: list[Flowable], right: list[Flowable] | Flowable, *, split: float) -> Table:
    """Two blocks side by side, top-aligned; ``split`` is the left block's share of the width."""
    table = Table(
        [[left, right]],
        colWidths=[CONTENT_WIDTH * split, CONTENT_WIDTH * (1 - split)],
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), register_fonts()[0], 9),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def data_table_style(*, numeric_from: int, header_rows: int = 1) -> list[tuple[Any, ...]]:
    """Header tinted and bold, hairlines between rows, numbers right-aligned from a column on."""
    regular, bold = register_fonts()
    return [
        ("FONT", (0, 0), (-1, -1), regular, 8.5),
        ("FONT", (0, 0), (-1, header_rows - 1), bold, 8),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("TEXTCOLOR", (0, 0), (-1, header_rows - 1), ACCENT),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), TINT),
        ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.8, ACCENT),
        ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
    ]


def callout(parts: list[Flowable]) -> Table:
    """A tinted box with an accent bar: how to pay, the one thing a reader must act on."""
    box = Table([[parts]], colWidths=[CONTENT_WIDTH])
    box.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), register_fonts()[0], 9),
                ("BACKGROUND", (0, 0), (-1, -1), TINT),
                ("LINEBEFORE", (0, 0), (0, -1), 2.5, ACCENT),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                ("TOPPADDING", (0, 0), (-1, -1), 8),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 9),
            ]
        )
    )
    return box


def nbsp(value: str) -> str:
    """Keep an amount, IBAN or reference on one line inside running text."""
    return value.replace(" ", "\u00a0")


class _FooterCanvas(Canvas):
    """Holds every page back until the end, so each footer can say "page 2 of 5"."""

    def __init__(
        self,
        *args: Any,
        footer_left: str,
        footer_right: str,
        running_header: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._footer_left = footer_left
        self._footer_right = footer_right
        self._running_header = running_header
        self._held_pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        pages = len(self._held_pages)
        for number, state in enumerate(self._held_pages, start=1):
            self.__dict__.update(state)
            self._decorate(number, pages)
            super().showPage()
        super().save()

    def _decorate(self, number: int, pages: int) -> None:
        regular, _ = register_fonts()
        self.saveState()
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        self.line(MARGIN, 14 * mm, PAGE_WIDTH - MARGIN, 14 * mm)
        self.setFont(regular, 7)
        self.setFillColor(MUTED)
        self.drawString(MARGIN, 10 * mm, self._footer_left)
        self.drawRightString(
            PAGE_WIDTH - MARGIN,
            10 * mm,
            self._footer_right.format(page=number, pages=pages),
        )
        if number > 1:
            # Later pages carry no letterhead: say what document they belong to.
            self.drawString(MARGIN, PAGE_HEIGHT - 12 * mm, self._running_header)
            self.line(MARGIN, PAGE_HEIGHT - 14 * mm, PAGE_WIDTH - MARGIN, PAGE_HEIGHT - 14 * mm)
        self.restoreState()


def render(
    story: list[Flowable],
    *,
    title: str,
    author: str,
    footer_left: str,
    footer_right: str,
    running_header: str,
) -> bytes:
    """Lay out ``story`` on A4 pages and return the PDF.

    ``footer_right`` may use ``{page}`` and ``{pages}``. The output is invariant (no timestamps
    or random ids), so the same document always renders to the same bytes.
    """
    regular, _ = register_fonts()
    buffer = io.BytesIO()
    bottom = 22 * mm
    # No frame padding: tables and paragraphs then share one left edge, the page margin.
    frame = Frame(
        MARGIN,
        bottom,
        CONTENT_WIDTH,
        PAGE_HEIGHT - MARGIN - bottom,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        pageTemplates=[PageTemplate(id="page", frames=[frame])],
        title=title,
        author=author,
        creator="Unionroll",
        invariant=True,
        # Otherwise every page starts in Helvetica, which reportlab lists as an unembedded font.
        initialFontName=regular,
        lang="nl",
        displayDocTitle=True,
    )
    canvasmaker: Callable[..., Canvas] = partial(
        _FooterCanvas,
        footer_left=footer_left,
        footer_right=footer_right,
        running_header=running_header,
    )
    doc.build(story, canvasmaker=canvasmaker)
    return buffer.getvalue()
