"""Printable letters: an A4 PDF in the member's language, set in the DejaVu font that every
document embeds (unionroll.pdf) (it has Polish and Romanian diacritics and Cyrillic), stored under
MEDIA_ROOT/letters/ for the print run.

The union prints the letters and hands them over itself (at a workplace visit, at its own or a
public information point) or posts them to an address the member gave it: never through an
employer (notifications.services.letters). A letter is one page: a visit's letters print as one
file, one sheet per member. The type is as large as fits that page (``LETTER_SIZES``).

Paragraphs that carry the member's personal code or link are lifted out of the running text into
a box with the code in large type and a QR code of the link, where they are easy to find again.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

import segno
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from pypdf import PdfWriter
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from unionroll.pdf import ACCENT, INK, MUTED, RULE, TINT, register_fonts

# Body type sizes tried in turn, largest first: many readers read a Dutch letter in a second
# language, so the type is as large as one page allows. Below 9 pt it would be hard to read;
# a text that does not fit even then runs on to a second page rather than lose anything.
LETTER_SIZES = (12.0, 11.5, 11.0, 10.5, 10.0, 9.5, 9.0)
PAGE_MARGIN = 14 * mm
SIDE_MARGIN = 20 * mm
QR_SIZE = 30 * mm


@functools.lru_cache(maxsize=64)
def _qr_rows(data: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code's modules, with its quiet zone. Encoding costs about 20 ms; a letter is laid
    out once per type size tried (``LETTER_SIZES``), so each link is encoded once."""
    code = segno.make(data, error="m", micro=False)
    return tuple(tuple(bool(m) for m in row) for row in code.matrix_iter(border=4))


class QrCode(Flowable):
    """A QR code drawn as vector squares (sharp at any print resolution), with its quiet zone
    (four modules of white) included in its size."""

    def __init__(self, data: str, size: float) -> None:
        super().__init__()
        self.rows = _qr_rows(data)
        self.size = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        canvas = self.canv
        module = self.size / len(self.rows)
        canvas.setFillColor(colors.white)
        canvas.rect(0, 0, self.size, self.size, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        for y, row in enumerate(self.rows):
            x = 0
            while x < len(row):
                if not row[x]:
                    x += 1
                    continue
                run = x
                while run < len(row) and row[run]:
                    run += 1
                top = self.size - (y + 1) * module
                canvas.rect(x * module, top, (run - x) * module, module, stroke=0, fill=1)
                x = run


def letter_pdf(
    *,
    sender: Sequence[str],
    recipient: str,
    date_text: str,
    title: str,
    paragraphs: Sequence[str],
    reference: str,
    address: Sequence[str] = (),
    helper_line: str = "",
    access_code: str = "",
    access_link: str = "",
    qr_caption: str = "",
    contact_heading: str = "",
    contact: Sequence[tuple[str, str]] = (),
) -> bytes:
    """Render a letter on one page if any of ``LETTER_SIZES`` fits it. Text is escaped: names
    may hold "&" or "<".

    ``sender``: the union's name and address lines. ``recipient`` and ``address``: the member's
    name and the postal address they gave the union (lines), if any. ``helper_line``: one line in
    Dutch and English, the same for every member, so that whoever helps them read knows what the
    letter is. ``contact``: (label, value) pairs of how to reach the union.
    """
    content = dict(
        sender=sender,
        recipient=recipient,
        date_text=date_text,
        title=title,
        paragraphs=paragraphs,
        reference=reference,
        address=address,
        helper_line=helper_line,
        access_code=access_code,
        access_link=access_link,
        qr_caption=qr_caption,
        contact_heading=contact_heading,
        contact=contact,
    )
    pdf = b""
    for size in LETTER_SIZES:
        pdf, pages = _build(size=size, **content)
        if pages == 1:
            break
    return pdf


def _build(*, size: float, **content) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=SIDE_MARGIN,
        rightMargin=SIDE_MARGIN,
        topMargin=PAGE_MARGIN,
        bottomMargin=PAGE_MARGIN,
        title=content["title"],
        author=content["sender"][0] if content["sender"] else "",
    )
    pages: list[int] = []

    def count(canvas, doc) -> None:
        pages.append(doc.page)

    # The frame keeps 6 pt of padding on either side: tables as wide as the text, not wider.
    width = document.width - 12
    document.build(_story(size=size, width=width, **content), onFirstPage=count, onLaterPages=count)
    return buffer.getvalue(), len(pages)


def _story(
    *,
    size: float,
    width: float,
    sender: Sequence[str],
    recipient: str,
    date_text: str,
    title: str,
    paragraphs: Sequence[str],
    reference: str,
    address: Sequence[str],
    helper_line: str,
    access_code: str,
    access_link: str,
    qr_caption: str,
    contact_heading: str,
    contact: Sequence[tuple[str, str]],
) -> list[Flowable]:
    regular, bold = register_fonts()
    body = ParagraphStyle(
        "body",
        fontName=regular,
        fontSize=size,
        leading=round(size * 1.36, 1),
        textColor=INK,
        spaceAfter=size * 0.5,
    )
    small = ParagraphStyle(
        "small", parent=body, fontSize=8.5, leading=11, textColor=MUTED, spaceAfter=0
    )
    small_right = ParagraphStyle("small_right", parent=small, alignment=TA_RIGHT)
    strong = ParagraphStyle("strong", parent=body, fontName=bold, spaceAfter=0)
    heading = ParagraphStyle(
        "heading", parent=body, fontName=bold, fontSize=size + 4, leading=size + 8
    )
    code_style = ParagraphStyle(
        "code", parent=body, fontName=bold, fontSize=22, leading=28, alignment=TA_CENTER
    )
    caption = ParagraphStyle("caption", parent=small, alignment=TA_CENTER, textColor=INK)

    def lines(texts: Sequence[str]) -> str:
        return "<br/>".join(escape(text) for text in texts)

    flat = TableStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]
    )
    # The union and the date; under them, the line for a helper.
    sender_block = Paragraph(
        f"<b>{escape(sender[0])}</b><br/>{lines(sender[1:])}" if sender else "", small
    )
    header = Table(
        [[sender_block, Paragraph(escape(date_text), small_right)]],
        colWidths=[width * 0.65, width * 0.35],
        style=TableStyle(
            [
                *flat.getCommands(),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, RULE),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2 * mm),
            ]
        ),
    )
    story: list[Flowable] = [header, Spacer(1, 2 * mm)]
    if helper_line:
        story += [
            Table([[Paragraph(escape(helper_line), small)]], colWidths=[width], style=flat),
        ]
    # The member's name and postal address (left, where a window envelope shows it), and how
    # to reach the union (right).
    contact_block: list[Flowable] = []
    if contact:
        contact_style = ParagraphStyle("contact", parent=small, textColor=INK, spaceAfter=1.5)
        contact_block.append(Paragraph(f"<b>{escape(contact_heading)}</b>", contact_style))
        contact_block += [
            Paragraph(f"{escape(label)}: {lines(value.split(chr(10)))}", contact_style)
            for label, value in contact
        ]
    recipient_block = Paragraph(lines([recipient, *address]), strong)
    story += [
        Spacer(1, 5 * mm),
        Table(
            [[recipient_block, contact_block]],
            colWidths=[width * 0.6, width * 0.4],
            style=flat,
        ),
        Spacer(1, 4 * mm),
        Paragraph(escape(title), heading),
        Spacer(1, 1 * mm),
    ]

    # The running text, with the code and link lifted into their box where they first came.
    boxed = _access_paragraphs(paragraphs, access_code=access_code, access_link=access_link)
    box = _access_box(
        boxed,
        width=width,
        body=body,
        code_style=code_style,
        caption=caption,
        access_code=access_code,
        access_link=access_link,
        qr_caption=qr_caption,
    )
    placed = False
    for text in paragraphs:
        if text in boxed:
            if not placed:
                story += [Spacer(1, 1 * mm), box, Spacer(1, 3 * mm)]
                placed = True
            continue
        story.append(Paragraph(escape(text).replace("\n", "<br/>"), body))
    if box is not None and not placed:
        story += [Spacer(1, 2 * mm), box]

    story += [Spacer(1, 3 * mm), Paragraph(escape(reference), small_right)]
    return story


def _access_paragraphs(
    paragraphs: Sequence[str], *, access_code: str, access_link: str
) -> list[str]:
    """The paragraphs that name the code or the link, and one standing alone between two of
    them (what the text says about the link, such as "it is only for you")."""
    secrets = [value for value in (access_code, access_link) if value]
    named = [i for i, text in enumerate(paragraphs) if any(value in text for value in secrets)]
    lifted = set(named)
    lifted |= {i + 1 for i in named if i + 2 in lifted}
    return [text for i, text in enumerate(paragraphs) if i in lifted]


def _access_box(
    paragraphs: Sequence[str],
    *,
    width: float,
    body: ParagraphStyle,
    code_style: ParagraphStyle,
    caption: ParagraphStyle,
    access_code: str,
    access_link: str,
    qr_caption: str,
) -> Table | None:
    """The member's way in: the paragraphs that name the link or code, the code again in large
    type in a box of its own, and the link as a QR code to scan."""
    if not (access_code or access_link):
        return None
    texts = []
    for text in paragraphs:
        marked = escape(text).replace("\n", "<br/>")
        if access_code:
            marked = marked.replace(escape(access_code), f"<b>{escape(access_code)}</b>")
        texts.append(Paragraph(marked, ParagraphStyle("boxed", parent=body, spaceAfter=2 * mm)))
    right: list[Flowable] = list(texts)
    qr_width = QR_SIZE + 6 * mm if access_link else 0
    text_width = width - qr_width - 8 * mm
    if access_code:
        code_box = Table(
            [[Paragraph(escape(access_code), code_style)]],
            colWidths=[min(70 * mm, text_width)],
            style=TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 1.5, ACCENT),
                    ("BACKGROUND", (0, 0), (-1, -1), colors.white),
                    ("TOPPADDING", (0, 0), (-1, -1), 1 * mm),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2 * mm),
                ]
            ),
            hAlign="LEFT",
        )
        right.append(code_box)
    cells: list[list[Flowable] | Flowable] = []
    widths = []
    if access_link:
        left: list[Flowable] = [QrCode(access_link, QR_SIZE)]
        if qr_caption:
            left += [Spacer(1, 1 * mm), Paragraph(escape(qr_caption), caption)]
        cells.append(left)
        widths.append(qr_width)
    cells.append(right)
    widths.append(width - sum(widths))
    return Table(
        [cells],
        colWidths=widths,
        style=TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1, ACCENT),
                ("BACKGROUND", (0, 0), (-1, -1), TINT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3 * mm),
                ("TOPPADDING", (0, 0), (-1, -1), 3 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
            ]
        ),
    )


def letter_store(*, name: str, pdf: bytes) -> str:
    """Store the PDF for printing as ``name`` ("letters/notice-12.pdf": no personal data in it),
    replacing an earlier print of it; return the name it was stored under."""
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(pdf))


def letters_join(names: Sequence[str]) -> tuple[bytes, list[str]]:
    """The stored letters ``names`` as one PDF, in that order, for one print run; returns the
    PDF and the names that were not found (never printed, or their file lost)."""
    writer = PdfWriter()
    missing = []
    for name in names:
        if not name or not default_storage.exists(name):
            missing.append(name)
            continue
        with default_storage.open(name, "rb") as handle:
            writer.append(io.BytesIO(handle.read()))
    buffer = io.BytesIO()
    if not writer.pages:
        # An empty PDF is no PDF: the caller says there is nothing to print instead.
        return b"", missing
    writer.write(buffer)
    return buffer.getvalue(), missing
