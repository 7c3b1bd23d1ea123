"""Amounts on the invoice pages look as on the PDF: ``€ 1.234,56``."""

from __future__ import annotations

from decimal import Decimal

from django import template

from levies.billing.documents import format_euro

register = template.Library()


@register.filter
def euro(amount: Decimal | None) -> str:
    return "—" if amount is None else format_euro(amount)
