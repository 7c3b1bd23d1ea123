"""The roster's column validators, one kind of column at a time, without a file or a database.

Each validator turns a cell's value into what the row stores, or refuses it with a stable code,
the sentence the clerk reads and the value as it may be shown back (never a name or a date of
birth, a BSN only masked).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from enrolment.roster.cells import cell_date, cell_number, cell_text
from enrolment.roster.columns import Refused, contact, dates, numbers, text
from enrolment.roster.columns import bsn as bsn_column
from enrolment.roster.columns.places import Places
from enrolment.roster.fields import bsn_hash
from enrolment.roster.layout import read_header
from enrolment.roster.types import ReferenceData

TODAY = dt.date(2026, 11, 20)


def refusal(validate, *args, **kwargs) -> Refused:
    with pytest.raises(Refused) as caught:
        validate(*args, **kwargs)
    return caught.value


# --- text ---------------------------------------------------------------------------------------


def test_worker_number_is_taken_as_written():
    assert text.worker_number("000123") == "000123"
    assert text.worker_number("W-12/a") == "W-12/a"


def test_worker_number_is_required_and_at_most_40_characters():
    missing = refusal(text.worker_number, "")
    assert (missing.code, missing.message, missing.shown) == (
        "required",
        "The worker number is missing.",
        None,
    )
    long = refusal(text.worker_number, "9" * 41)
    assert long.code == "too_long"
    assert long.message == "This value is longer than the 40 characters it may have."
    assert long.shown == "9" * 41
    assert text.worker_number("9" * 40) == "9" * 40


def test_names_are_taken_as_written_in_any_script():
    assert text.person_name("Łukasz", "first name") == "Łukasz"
    assert text.person_name("O'Brien-Ștefănescu", "last name") == "O'Brien-Ștefănescu"
    assert text.person_name("Олена", "first name") == "Олена"
    # Digits at the end that are no BSN are a name's business (a clerk's "Jan 2").
    assert text.person_name("Jan 2", "first name") == "Jan 2"


def test_a_missing_name_names_its_column():
    refused = refusal(text.person_name, "", "last name")
    assert (refused.code, refused.message) == ("required", "The last name is missing.")


def test_a_long_name_is_refused_without_showing_it():
    refused = refusal(text.person_name, "a" * 201, "first name")
    assert refused.code == "too_long"
    assert "200 characters" in refused.message
    assert refused.shown is None
    assert text.person_name("a" * 200, "first name") == "a" * 200


@pytest.mark.parametrize("written", ["111222333", "111.222.333", "12345672"])
def test_a_name_that_is_a_bsn_is_refused_and_shown_masked(written):
    refused = refusal(text.person_name, written, "first name")
    assert refused.code == "bsn_in_name"
    assert refused.message.startswith("The first name is a citizen service number (BSN)")
    assert refused.shown == "*********"


def test_cao_phase_is_optional_and_at_most_10_characters():
    assert text.cao_phase("") == ""
    assert text.cao_phase("B") == "B"
    refused = refusal(text.cao_phase, "phase B plus")
    assert (refused.code, refused.shown) == ("too_long", "phase B plus")
    assert "10 characters" in refused.message


# --- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["2026-03-31", "31-03-2026", "31/03/2026", " 31-3-2026 "])
def test_dates_in_each_accepted_spelling(written):
    assert dates.date(written, "period start") == dt.date(2026, 3, 31)


def test_a_date_cell_is_taken_as_it_is():
    assert dates.date(dt.date(2026, 3, 31), "period end") == dt.date(2026, 3, 31)


def test_a_missing_date_is_required():
    refused = refusal(dates.date, "  ", "period end")
    assert (refused.code, refused.message) == ("required", "The period end is missing.")


def test_a_date_that_cannot_be_read_is_shown_back():
    refused = refusal(dates.date, "31-03-26", "period start")
    assert refused.code == "invalid_date"
    assert refused.message == (
        "The period start is not a date that can be read. Write dates as 2026-03-31, "
        "31-03-2026 or 31/03/2026."
    )
    assert refused.shown == "31-03-26"


def test_a_date_that_does_not_exist_says_so():
    refused = refusal(dates.date, "31-02-2026", "period start")
    assert refused.code == "invalid_date"
    assert refused.message == "The period start is not a real date: check the day and the month."


def test_date_of_birth_is_a_date_never_shown_back():
    assert dates.date_of_birth("07-02-1990", TODAY) == dt.date(1990, 2, 7)
    refused = refusal(dates.date_of_birth, "1990-02-30", TODAY)
    assert refused.code == "invalid_date"
    assert refused.message.startswith("The date of birth is not a real date")
    assert refused.shown is None
    missing = refusal(dates.date_of_birth, "", TODAY)
    assert missing.message == "The date of birth is missing."


def test_date_of_birth_lies_in_the_last_120_years():
    assert dates.date_of_birth("2026-11-20", TODAY) == TODAY
    assert dates.date_of_birth("1906-01-01", TODAY) == dt.date(1906, 1, 1)
    future = refusal(dates.date_of_birth, "2026-11-21", TODAY)
    assert (future.code, future.message, future.shown) == (
        "invalid_date",
        "The date of birth lies in the future.",
        None,
    )
    old = refusal(dates.date_of_birth, dt.date(1905, 12, 31), TODAY)
    assert old.message == "The date of birth is more than 120 years ago."


# --- numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "hours"),
    [("38", "38"), ("38,25", "38.25"), ("38.5", "38.5"), (" 40 ", "40"), ("0", "0")],
)
def test_hours_worked_in_each_spelling(written, hours):
    assert numbers.hours_worked(written, 168) == Decimal(hours)


def test_hours_are_required_and_a_number():
    assert refusal(numbers.hours_worked, "", 168).message == "The hours worked is missing."
    refused = refusal(numbers.hours_worked, "veertig", 168)
    assert (refused.code, refused.shown) == ("invalid_number", "veertig")
    assert refused.message == (
        "'veertig' is not a number. Write the hours worked like 1234,56 or 1.234,56 "
        "(or 1234.56, 1,234.56)."
    )


def test_hours_have_at_most_two_decimals():
    refused = refusal(numbers.hours_worked, "38,2555", 168)
    assert refused.code == "invalid_number"
    assert refused.message == (
        "'38,2555' has more than two decimals. Write hours with at most two decimals, for "
        "example 38,25 or 38.25."
    )


def test_hours_lie_within_the_period():
    assert numbers.hours_worked("168", 168) == Decimal(168)
    negative = refusal(numbers.hours_worked, "-1", 168)
    assert (negative.code, negative.message, negative.shown) == (
        "hours_out_of_range",
        "Hours worked cannot be negative.",
        "-1",
    )
    too_many = refusal(numbers.hours_worked, "169", 168)
    assert too_many.code == "hours_out_of_range"
    assert too_many.message == "169 hours is more than the 168 hours in the whole period."
    unknown_period = refusal(numbers.hours_worked, "1.000.000", None)
    assert unknown_period.message == "This is more hours than can be recorded."


def test_hours_read_as_thousands_say_how_to_write_decimals():
    refused = refusal(numbers.hours_worked, "38,500", 168)
    assert refused.message.startswith("38500 hours is more than the 168 hours")
    assert "write 38,50 for 38 and a half hours" in refused.message


def test_check_hours_checks_hours_already_read():
    assert numbers.check_hours("40", Decimal(40), 168) == Decimal(40)
    assert refusal(numbers.check_hours, "200", Decimal(200), 168).code == "hours_out_of_range"


@pytest.mark.parametrize(
    ("written", "amount"),
    [
        ("1234,56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("€ 1 234,56", "1234.56"),
        ("0", "0"),
        (Decimal("12.30"), "12.30"),  # an XLSX cell, already rounded to cents
    ],
)
def test_money_in_each_spelling(written, amount):
    assert numbers.money(written, "gross wages", required=True) == Decimal(amount)


def test_an_optional_amount_may_be_empty_a_required_one_not():
    assert numbers.money("  ", "housing deduction", required=False) is None
    refused = refusal(numbers.money, "", "gross wages", required=True)
    assert (refused.code, refused.message) == ("required", "The gross wages is missing.")


def test_amounts_are_refused_with_the_column_named():
    decimals = refusal(numbers.money, "12,3456", "housing deduction", required=False)
    assert decimals.code == "invalid_number"
    assert decimals.message == (
        "'12,3456' has more than two decimals. Write the housing deduction in euros and cents, "
        "for example 1234,56 or 1234.56."
    )
    negative = refusal(numbers.money, "-5,00", "gross wages", required=True)
    assert (negative.code, negative.message, negative.shown) == (
        "negative_amount",
        "The gross wages cannot be negative.",
        "-5,00",
    )
    large = refusal(numbers.money, Decimal("1e13"), "gross wages", required=True)
    assert large.code == "invalid_number"
    assert large.message == "The gross wages is too large to be an amount in euros."
    assert large.shown == "1E+13"


# --- contact details and language ---------------------------------------------------------------


def test_email_is_lower_cased():
    assert contact.email("Anna.Kowalska@Example.COM") == "anna.kowalska@example.com"


@pytest.mark.parametrize("written", ["anna@", "anna@example", "anna kowalska@example.com"])
def test_an_unusable_email_is_the_warning_code(written):
    refused = refusal(contact.email, written)
    assert refused.code == "invalid_email"
    assert refused.shown is None


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("06-12345678", "+31612345678"),
        ("+48 512 345 678", "+48512345678"),
        ("0048512345678", "+48512345678"),
    ],
)
def test_phone_numbers_become_e164(written, e164):
    assert contact.phone(written) == e164


@pytest.mark.parametrize("written", ["12345", "call me", "+31 6 123"])
def test_an_unusable_phone_number_is_the_warning_code(written):
    refused = refusal(contact.phone, written)
    assert refused.code == "invalid_phone"
    assert refused.shown is None


@pytest.mark.parametrize(
    ("written", "code"), [("pl", "pl"), (" RO ", "ro"), ("pl-PL", "pl"), ("uk_UA", "uk")]
)
def test_language_is_the_iso_639_1_code(written, code):
    assert contact.language(written) == code


def test_no_language_is_english():
    assert contact.language("  ") == "en"


def test_an_unknown_language_is_refused():
    refused = refusal(contact.language, " polish ")
    assert refused.code == "unknown_language"
    assert refused.shown == "polish"
    assert "two-letter ISO 639-1 code" in refused.message


# --- places -------------------------------------------------------------------------------------

MEAT, DC = 1, 2
HIRER_A, HIRER_B = 10, 11


@pytest.fixture
def places() -> Places:
    return Places(
        ReferenceData(
            organisation_id=1,
            sectors={"meat": MEAT, "DC": DC},
            organisation_sector_ids=(MEAT,),
            hirers={"12345678": HIRER_A, "01234567": HIRER_B},
            sites={(HIRER_A, "OSS-01"): (100, MEAT), (HIRER_B, "Shared"): (102, DC)},
            sites_by_code={"OSS-01": [(HIRER_A, 100, MEAT)], "shared": [(HIRER_B, 102, DC)]},
        )
    )


def test_hirer_by_kvk_number_with_separators_and_lost_zeros(places):
    assert places.hirer("12345678") == HIRER_A
    assert places.hirer("1234 5678") == HIRER_A
    assert places.hirer("1234567") == HIRER_B  # a spreadsheet dropped the leading zero
    assert places.hirer("") is None


def test_an_unknown_hirer_is_refused(places):
    unknown = refusal(places.hirer, "87654321")
    assert (unknown.code, unknown.shown) == ("unknown_hirer", "87654321")
    assert unknown.message.startswith("No hirer with KvK number 87654321 is registered.")
    not_kvk = refusal(places.hirer, "KvK 123")
    assert not_kvk.message == "'KvK 123' is not a KvK number; a KvK number has 8 digits."


def test_site_by_code_in_any_case(places):
    assert places.site("oss-01", HIRER_A, "12345678") == (HIRER_A, 100, MEAT)
    assert places.site("OSS-01", None, "") == (HIRER_A, 100, MEAT)  # one hirer has it
    assert places.site("", HIRER_A, "12345678") == (HIRER_A, None, None)


def test_an_unknown_site_is_refused(places):
    at_hirer = refusal(places.site, "DC-9", HIRER_A, "12345678")
    assert (at_hirer.code, at_hirer.shown) == ("unknown_site", "DC-9")
    assert (
        at_hirer.message == "The hirer with KvK number 12345678 has no site with the code 'DC-9'."
    )
    anywhere = refusal(places.site, "DC-9", None, "")
    assert anywhere.message == "No site with the code 'DC-9' is registered."


def test_a_site_code_of_several_hirers_needs_the_kvk_number():
    places = Places(
        ReferenceData(
            organisation_id=1,
            sectors={},
            organisation_sector_ids=(),
            hirers={},
            sites={},
            sites_by_code={"X": [(HIRER_A, 100, MEAT)], "x": [(HIRER_B, 101, DC)]},
        )
    )
    refused = refusal(places.site, "X", None, "")
    assert refused.code == "unknown_site"
    assert refused.message.startswith("More than one hirer has a site with the code 'X'.")


def test_sector_by_code_in_any_case(places):
    assert places.sector("MEAT") == MEAT
    assert places.sector(" dc ") == DC
    assert places.sector("") == 0  # none named


def test_an_unknown_sector_is_refused(places):
    refused = refusal(places.sector, "fish")
    assert (refused.code, refused.message, refused.shown) == (
        "unknown_sector",
        "There is no sector with this code.",
        "fish",
    )


# --- BSN ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["111222333", "111 222 333", "1112.22.333"])
def test_a_bsn_becomes_its_keyed_hash(written):
    assert bsn_column.bsn(written, "secret") == bsn_hash("111222333", "secret")


def test_a_bsn_that_lost_its_leading_zero_is_restored():
    assert bsn_column.bsn("12345672", "secret") == bsn_hash("012345672", "secret")


def test_a_bsn_failing_the_11_proef_is_shown_masked():
    refused = refusal(bsn_column.bsn, "111222334", "secret")
    assert refused.code == "invalid_bsn"
    assert refused.shown == "*********"
    assert "11-proef" in refused.message


# --- the header and XLSX cells ------------------------------------------------------------------


def test_header_in_english_or_dutch_in_any_case():
    header = read_header(
        ["Personeelsnummer", "first_name", "ACHTERNAAM", "notes"], bsn_matching=False
    )
    assert header.index == {"worker_number": 0, "first_name": 1, "last_name": 2}
    assert "date_of_birth" in header.missing
    assert not header.valid
    assert [w.code for w in header.warnings] == ["unknown_columns"]
    assert {e.code for e in header.errors} == {"missing_column"}


def test_header_without_any_column_name_is_unusable():
    header = read_header(["a", "b"], bsn_matching=False)
    assert not header.usable
    assert [e.code for e in header.errors] == ["unreadable_file"]


def test_header_with_a_column_twice_is_refused():
    header = read_header(["worker_number", "personeelsnummer"], bsn_matching=False)
    assert header.duplicated
    assert header.errors[0].code == "duplicate_column"


def test_cells_are_converted_by_column():
    assert cell_text(123.0) == "123"
    assert cell_text(None) == ""
    assert cell_date(dt.datetime(2026, 3, 31, 0, 0), None) == dt.date(2026, 3, 31)
    assert cell_number(2.675) == Decimal("2.68")  # as the clerk sees it, rounded half up
    assert cell_number(True) == "TRUE"
