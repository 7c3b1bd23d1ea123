"""PDF building blocks every document shares: the embedded font and the colours.

Invoices and state claims (levies.billing.documents) and members' letters
(notifications.channels.letter) are built from these; nothing here knows what a document says.
"""

from __future__ import annotations

from reportlab.lib import colors

from unionroll.pdf.fonts import BOLD, REGULAR, register_fonts

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
ACCENT = colors.HexColor("#0b4f6c")
RULE = colors.HexColor("#cbd2d9")
TINT = colors.HexColor("#eef2f5")

__all__ = ["ACCENT", "BOLD", "INK", "MUTED", "REGULAR", "RULE", "TINT", "register_fonts"]
