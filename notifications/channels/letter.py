"""Printable letters: an A4 PDF in the member's language, set in the DejaVu font that every
document embeds (unionroll.pdf) (it has Polish and Romanian diacritics and Cyrillic), stored under
MEDIA_ROOT/letters/ for the print run."""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from unionroll.pdf import INK, MUTED, register_fonts


def letter_pdf(
    *,
    sender: Sequence[str],
    recipient: str,
    date_text: str,
    title: str,
    paragraphs: Sequence[str],
    reference: str,
) -> bytes:
    """Render a one-to-two page letter. Text is escaped: names may hold "&" or "<"."""
    regular, bold = register_fonts()
    # Large type and short lines: many readers read Dutch letters in a second language.
    body = ParagraphStyle(
        "body", fontName=regular, fontSize=12, leading=17, textColor=INK, spaceAfter=8
    )
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=12, textColor=MUTED)
    heading = ParagraphStyle("heading", parent=body, fontName=bold, fontSize=16, leading=21)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=title,
        author=sender[0] if sender else "",
    )
    story = [Paragraph("<br/>".join(escape(line) for line in sender), small), Spacer(1, 12 * mm)]
    story += [Paragraph(escape(recipient), body), Spacer(1, 8 * mm)]
    story += [Paragraph(escape(date_text), small), Spacer(1, 6 * mm)]
    story += [Paragraph(escape(title), heading), Spacer(1, 2 * mm)]
    story += [Paragraph(escape(text).replace("\n", "<br/>"), body) for text in paragraphs]
    story += [Spacer(1, 10 * mm), Paragraph(escape(reference), small)]
    document.build(story)
    return buffer.getvalue()


def letter_store(*, name: str, pdf: bytes) -> str:
    """Store the PDF for printing as ``name`` ("letters/notice-12.pdf": no personal data in it),
    replacing an earlier print of it; return the name it was stored under."""
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(pdf))
