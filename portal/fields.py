"""The date of birth as three boxes (day, month, year), as GOV.UK asks for it.

A date picker is slow for a date 30 years back and the browser's date input differs per phone;
three short number boxes bring up the number keyboard and match how the date is written on a
payslip or an ID card. Each box is labelled; an error names the whole date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

PARTS = ("day", "month", "year")


class DateOfBirthWidget(forms.MultiWidget):
    template_name = "portal/widgets/date_of_birth.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        def box(part: str, size: int) -> forms.TextInput:
            return forms.TextInput(
                attrs={
                    "inputmode": "numeric",
                    "pattern": "[0-9]*",
                    "maxlength": str(size),
                    "autocomplete": f"bday-{part}",
                    "class": f"date-input__{part}",
                }
            )

        super().__init__({"day": box("day", 2), "month": box("month", 2), "year": box("year", 4)})

    def decompress(self, value: dt.date | None) -> list[Any]:
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        labels = {"day": _("Day"), "month": _("Month"), "year": _("Year")}
        for part, sub in zip(PARTS, context["widget"]["subwidgets"], strict=True):
            sub["part_label"] = labels[part]
        return context


class DateOfBirthField(forms.MultiValueField):
    widget = DateOfBirthWidget

    default_error_messages = {
        "invalid": _("Enter a real date of birth, for example 17 5 1990."),
        "incomplete": _("Enter your date of birth: day, month and year."),
    }

    def __init__(self, **kwargs: Any) -> None:
        part = forms.CharField(max_length=4, required=False)
        super().__init__(fields=(part, part, part), require_all_fields=False, **kwargs)

    def compress(self, data_list: list[str]) -> dt.date | None:
        parts = [(value or "").strip() for value in (data_list or [])]
        if not any(parts):
            return None
        if not all(parts) or not all(p.isdigit() for p in parts):
            raise forms.ValidationError(self.error_messages["incomplete"], code="incomplete")
        day, month, year = (int(p) for p in parts)
        today = dt.date.today()
        if len(parts[2]) != 4 or not 1900 <= year <= today.year:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            born = dt.date(year, month, day)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if born > today:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return born
