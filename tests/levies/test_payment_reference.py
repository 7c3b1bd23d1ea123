from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from levies.billing.payment_reference import (
    payment_reference_check_digit,
    payment_reference_for,
    payment_reference_for_invoice,
    payment_reference_format,
    payment_reference_is_valid,
    payment_reference_normalise,
)

# The worked example published by Betaalvereniging Nederland ("Specificaties betalingskenmerk",
# betaalvereniging.nl) and repeated on the XMLdation wiki ("Betalinskenmerk"): check digit 5 over
# 000056789012345, weighted sum 215, 215 mod 11 = 6, 11 - 6 = 5.
PUBLISHED_EXAMPLE = "5000 0567 8901 2345"

payloads = st.integers(min_value=0, max_value=10**15 - 1)


def _remainder(payload: str) -> int:
    weights = (2, 4, 8, 5, 10, 9, 7, 3, 6, 1)
    return sum(int(d) * weights[i % 10] for i, d in enumerate(reversed(payload))) % 11


def test_published_example_is_valid():
    assert payment_reference_is_valid(PUBLISHED_EXAMPLE)
    assert payment_reference_for(56789012345) == "5000056789012345"


def test_published_length_coded_example_has_the_same_check_digit_rule():
    # Same source: "12 2345 3462 2567" is a 14-digit kenmerk with check digit 1 over the length
    # code 2 and twelve digits; leading zeros weigh nothing, so padding it to 15 digits keeps C.
    assert payment_reference_check_digit("00" + "2234534622567") == 1


def test_check_digit_eleven_is_written_as_zero():
    # Sum 0 gives 11 - 0 = 11, which the rule writes as 0.
    assert payment_reference_for(0) == "0" + "0" * 15


def test_check_digit_ten_is_written_as_one():
    # A 6 in the rightmost place weighs 2: sum 12, remainder 1, C = 11 - 1 = 10, written as 1.
    assert payment_reference_for(6) == "1000000000000006"
    # For comparison, a 5 there sums to 10, remainder 10, so C = 1 directly; a 5 one place to
    # the left weighs 4: sum 20, remainder 9, C = 2.
    assert payment_reference_for(5) == "1000000000000005"
    assert payment_reference_for(50) == "2000000000000050"


def test_wrong_check_digit_is_rejected():
    assert not payment_reference_is_valid("4000 0567 8901 2345")
    assert not payment_reference_is_valid("6000056789012345")


@pytest.mark.parametrize(
    "typed",
    ["5000 0567 8901 2345", "5000.0567.8901.2345", "5000056789012345", " 5000-0567-8901-2345 "],
)
def test_spaces_dots_and_dashes_between_groups_are_accepted(typed):
    assert payment_reference_is_valid(typed)
    assert payment_reference_normalise(typed) == "5000056789012345"


@pytest.mark.parametrize(
    "text",
    ["", "500005678901234", "50000567890123450", "5000 0567 8901 234X", "\uff15000056789012345"],
)
def test_wrong_length_letters_and_non_ascii_digits_are_rejected(text):
    assert not payment_reference_is_valid(text)


def test_format_groups_by_four():
    assert payment_reference_format("5000056789012345") == PUBLISHED_EXAMPLE


def test_format_refuses_an_invalid_reference():
    with pytest.raises(ValueError):
        payment_reference_format("4000056789012345")


def test_invoice_reference_reads_year_series_and_sequence():
    reference = payment_reference_for_invoice(year=2027, sequence=123)
    assert reference[1:] == "202700000000123"
    assert payment_reference_is_valid(reference)
    credit = payment_reference_for_invoice(year=2027, sequence=123, series=1)
    assert credit[1:] == "202710000000123"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"year": 999, "sequence": 1},
        {"year": 2027, "sequence": 0},
        {"year": 2027, "sequence": 10**10},
        {"year": 2027, "sequence": 1, "series": 10},
    ],
)
def test_invoice_reference_refuses_numbers_that_do_not_fit(kwargs):
    with pytest.raises(ValueError):
        payment_reference_for_invoice(**kwargs)


@given(payloads)
def test_every_generated_reference_validates_and_keeps_its_number(number):
    reference = payment_reference_for(number)
    assert len(reference) == 16
    assert payment_reference_is_valid(reference)
    assert int(reference[1:]) == number


@given(payloads, payloads)
def test_different_numbers_give_different_references(a, b):
    assert (payment_reference_for(a) == payment_reference_for(b)) == (a == b)


@given(payloads, st.integers(min_value=0, max_value=15), st.integers(min_value=1, max_value=9))
def test_single_digit_change_is_caught_except_between_remainders_one_and_ten(number, place, step):
    reference = payment_reference_for(number)
    changed_digit = str((int(reference[place]) + step) % 10)
    typo = reference[:place] + changed_digit + reference[place + 1 :]

    # Every weight is non-zero mod 11 (a prime), so one changed payload digit always moves the
    # remainder. The rule "10 is written as 1" folds remainders 1 and 10 onto check digit 1,
    # so exactly that move slips through; a changed check digit itself is always caught.
    slips_through = place > 0 and {_remainder(reference[1:]), _remainder(typo[1:])} == {1, 10}
    assert payment_reference_is_valid(typo) == slips_through


def test_the_one_and_ten_blind_spot_exists():
    # Pinned so nobody "fixes" the test above into claiming every single-digit typo is caught:
    # 6 (remainder 12 mod 11 = 1) and 5 (remainder 10) both get check digit 1.
    assert payment_reference_for(6)[0] == payment_reference_for(5)[0] == "1"
    assert payment_reference_is_valid("1000000000000005")
    assert payment_reference_is_valid("1000000000000006")


@given(payloads, st.integers(min_value=1, max_value=14))
def test_swapping_two_neighbouring_different_digits_is_caught_unless_one_and_ten(number, place):
    reference = payment_reference_for(number)
    swapped = reference[:place] + reference[place + 1] + reference[place] + reference[place + 2 :]
    if swapped == reference:
        return
    slips_through = {_remainder(reference[1:]), _remainder(swapped[1:])} == {1, 10}
    assert payment_reference_is_valid(swapped) == slips_through
