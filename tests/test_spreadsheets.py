from __future__ import annotations

import pytest

from unionroll.spreadsheets import spreadsheet_safe


@pytest.mark.parametrize("value", ["=SUM(A1)", "+31", "@cmd", "-x", "\tx", "\rx"])
def test_a_text_that_would_start_a_formula_stays_text(value):
    assert spreadsheet_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["-12", "-12,50", "-12.50", "Wróbel", "", 38, None])
def test_numbers_names_and_empty_cells_are_left_alone(value):
    assert spreadsheet_safe(value) == ("" if value is None else value)
