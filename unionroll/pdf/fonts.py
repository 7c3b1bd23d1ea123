"""The font every PDF is set in (invoices, claims, letters), embedded so any viewer shows the
same letters.

reportlab's built-in fonts (Helvetica and friends) cover Latin-1 only: "Łódź" or "Ștefănești"
would print as black boxes. DejaVu Sans covers Latin Extended (Polish, Romanian, Czech, ...) and
Cyrillic (Ukrainian, Bulgarian), and its licence (unionroll/pdf/ttf/LICENSE) allows shipping it.
reportlab embeds only the glyphs a document uses, so a PDF stays small.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "ttf"
REGULAR = "UnionrollSans"
BOLD = "UnionrollSans-Bold"


@cache
def register_fonts() -> tuple[str, str]:
    """Register the regular and bold faces with reportlab once per process; return their names."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    # Lets <b> inside a Paragraph switch to the bold face instead of falling back to Helvetica.
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, REGULAR)
    addMapping(REGULAR, 1, 1, BOLD)
    return REGULAR, BOLD
