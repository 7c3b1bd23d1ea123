"""Reading bank statements (CAMT.053, MT940) and finding what their entries pay: no database."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from levies.bank import (
    BankStatementError,
    Direction,
    StatementEntry,
    invoice_numbers_in,
    references_in,
    statement_parse,
)
from levies.billing.payment_reference import payment_reference_for_invoice
from tests.levies.bank_files import (
    UNION_IBAN,
    Ntry,
    Stmt,
    Tx,
    camt_xml,
    example_camt,
    example_mt940,
    mt940_text,
)

EXAMPLES = Path(settings.BASE_DIR) / "docs" / "examples"
CAMT_EXAMPLE = EXAMPLES / "camt053-example.xml"
MT940_EXAMPLE = EXAMPLES / "mt940-example.sta"
D = Decimal
NOV = {day: dt.date(2026, 11, day) for day in range(1, 31)}


def _entries(data: bytes) -> list[StatementEntry]:
    return [entry for statement in statement_parse(data) for entry in statement.entries]


def _error(data: bytes) -> BankStatementError:
    with pytest.raises(BankStatementError) as caught:
        statement_parse(data)
    return caught.value


# --- the examples in docs/examples/ -------------------------------------------------------------


def test_examples_are_what_the_builders_write():
    # The files are generated (python -m tests.levies.bank_files); a hand edit shows up here.
    assert CAMT_EXAMPLE.read_bytes() == example_camt()
    assert MT940_EXAMPLE.read_bytes() == example_mt940().encode("ascii")


def test_camt_example_reads_the_statement_and_its_balances():
    [statement] = statement_parse(CAMT_EXAMPLE.read_bytes(), filename=CAMT_EXAMPLE.name)

    assert statement.format == "camt.053.001.02"
    assert statement.account_iban == UNION_IBAN == settings.UNIONROLL_UNION_IBAN
    assert statement.statement_id == "ABN-20261127-0048"
    assert statement.currency == "EUR"
    assert statement.opening_balance == D("10000.00")
    assert statement.closing_balance == D("10669.63")
    assert statement.balances_agree is True
    assert len(statement.entries) == 6
    assert [entry.position for entry in statement.entries] == list(range(1, 7))


def test_camt_example_reads_every_field_of_a_structured_payment():
    entry = statement_parse(CAMT_EXAMPLE.read_bytes())[0].entries[0]

    assert entry == StatementEntry(
        account_iban="NL91ABNA0417164300",
        statement_id="ABN-20261127-0048",
        booking_date=NOV[23],
        value_date=NOV[23],
        amount=D("269.44"),
        direction=Direction.CREDIT,
        currency="EUR",
        bank_reference="ABN2026112300001",
        end_to_end_id="FLEX-LEVY-2026-W47",
        creditor_reference=payment_reference_for_invoice(year=2026, sequence=2),
        remittance_text="",
        counterparty_name="Flexkracht Oost Uitzendbureau B.V.",
        counterparty_iban="NL03RABO0312456789",
        reversal=False,
        position=1,
        unique_key="NL91ABNA0417164300|2026-11-23|ABN2026112300001|269.44",
    )
    assert entry.direction == "credit"
    assert references_in(entry) == ["2202600000000002"]


def test_camt_example_covers_each_kind_of_payment():
    entries = statement_parse(CAMT_EXAMPLE.read_bytes())[0].entries
    by_reference = {entry.bank_reference: entry for entry in entries}

    free_text = by_reference["ABN2026112500003"]
    assert free_text.creditor_reference == ""
    assert free_text.end_to_end_id == ""  # NOTPROVIDED is no id
    assert free_text.remittance_text == "Factuur nr. 2026-000003 heffing week 47"
    assert references_in(free_text) == []
    assert invoice_numbers_in(free_text.remittance_text) == ["2026-000003"]

    wrong_check_digit = by_reference["ABN2026112600004"]
    # 2026-000003's betalingskenmerk 0202600000000003 with its last two digits swapped.
    assert wrong_check_digit.creditor_reference == "0202600000000030"
    assert references_in(wrong_check_digit) == []

    unmatched = by_reference["ABN2026112400002"]
    assert references_in(unmatched) == []
    assert invoice_numbers_in(unmatched.remittance_text) == []

    state = by_reference["ABN2026112700005"]
    assert state.counterparty_name == "Ministerie van Sociale Zaken en Werkgelegenheid"
    assert references_in(state) == [payment_reference_for_invoice(year=2026, sequence=1, series=5)]

    costs = by_reference["ABN2026112700006"]
    assert costs.direction is Direction.DEBIT
    assert costs.amount == D("12.50")
    assert costs.signed_amount == D("-12.50")
    assert costs.remittance_text == "Kosten zakelijk betalingsverkeer november"
    assert costs.counterparty_name == costs.counterparty_iban == ""
    assert costs.unique_key.endswith("|ABN2026112700006|-12.50")


def test_mt940_example_reads_daily_statements_with_the_same_entries_as_the_camt_example():
    statements = statement_parse(MT940_EXAMPLE.read_bytes(), filename=MT940_EXAMPLE.name)

    assert [s.statement_id for s in statements] == [f"{n:05d}/1" for n in range(327, 332)]
    assert {s.format for s in statements} == {"mt940"}
    assert {s.account_iban for s in statements} == {UNION_IBAN}
    assert all(s.balances_agree for s in statements)
    assert statements[0].opening_balance == D("10000.00")
    assert statements[-1].closing_balance == D("10669.63")
    mt940_keys = [e.unique_key for s in statements for e in s.entries]
    camt_keys = [e.unique_key for e in _entries(CAMT_EXAMPLE.read_bytes())]
    # The same bank's two exports of one week are the same entries: importing both changes
    # nothing the second time.
    assert mt940_keys == camt_keys


def test_mt940_example_reads_every_field_of_a_wrapped_structured_line():
    statements = statement_parse(MT940_EXAMPLE.read_bytes())
    state = statements[-1].entries[0]

    assert dataclasses.asdict(state) == {
        "account_iban": "NL91ABNA0417164300",
        "statement_id": "00331/1",
        "booking_date": NOV[27],
        "value_date": NOV[27],
        "amount": D("264.67"),
        "direction": Direction.CREDIT,
        "currency": "EUR",
        "bank_reference": "ABN2026112700005",
        "end_to_end_id": "SZW-2026-118734",
        # Wrapped across two :86: lines in the middle of the reference.
        "creditor_reference": "5202650000000001",
        "remittance_text": "",
        "counterparty_name": "Ministerie van Sociale Zaken en Werkgelegenheid",
        "counterparty_iban": "NL29INGB0000551234",
        "reversal": False,
        "position": 1,
        "unique_key": "NL91ABNA0417164300|2026-11-27|ABN2026112700005|264.67",
    }
    free_text = statements[2].entries[0]
    assert free_text.remittance_text == "Factuur nr. 2026-000003 heffing week 47"
    assert free_text.end_to_end_id == ""
    costs = statements[-1].entries[1]
    assert (costs.direction, costs.remittance_text) == (
        Direction.DEBIT,
        "Kosten zakelijk betalingsverkeer november",
    )


def test_mt940_reads_ing_style_counterparty_and_unstructured_remittance():
    text = (
        ":20:P261120\r\n:25:NL91ABNA0417164300EUR\r\n:28C:1\r\n:60F:C261119EUR0,00\r\n"
        ":61:2611201120C25,00NTRFNONREF//ING0001\r\n"
        ":86:/CNTP/NL03RABO0312456789/RABONL2U/J. Kowalski/Oss/"
        "/REMI/USTD//Betaling 4202 6000 0000 0001 levy/EREF/NOTPROVIDED/\r\n"
        ":62F:C261120EUR25,00\r\n-\r\n"
    )

    [entry] = _entries(text.encode())

    # ING writes the currency after the IBAN in :25:.
    assert entry.account_iban == "NL91ABNA0417164300"
    assert entry.counterparty_iban == "NL03RABO0312456789"
    assert entry.counterparty_name == "J. Kowalski"
    assert entry.remittance_text == "Betaling 4202 6000 0000 0001 levy"
    assert references_in(entry) == ["4202600000000001"]


def test_mt940_reversal_of_a_credit_is_money_out():
    statement = Stmt(
        "1/1",
        [
            Ntry(NOV[20], D("50.00"), bank_reference="R1", reversal=True, credit=False),
            Ntry(NOV[20], D("5.00"), bank_reference="R2", reversal=True, credit=True),
        ],
    )

    reversal_of_credit, reversal_of_debit = _entries(mt940_text([statement]).encode())

    assert (reversal_of_credit.direction, reversal_of_credit.reversal) == (Direction.DEBIT, True)
    assert reversal_of_debit.direction is Direction.CREDIT


def test_mt940_booking_date_across_new_year_is_in_the_next_year():
    text = (
        ":20:X\n:25:NL91ABNA0417164300\n:28C:1\n:60F:C261231EUR0,00\n"
        ":61:2612310102C10,00NTRFNONREF//B1\n:62F:C270102EUR10,00\n"
    )

    [entry] = _entries(text.encode())

    assert entry.value_date == dt.date(2026, 12, 31)
    assert entry.booking_date == dt.date(2027, 1, 2)


# --- CAMT versions, several statements, batches, pending entries -------------------------------


def _payment(day: int, amount: str, reference: str, **tx) -> Ntry:
    return Ntry(NOV[day], D(amount), bank_reference=reference, txs=[Tx(**tx)])


def test_camt_001_08_reads_like_001_02():
    entries = [
        _payment(20, "99.99", "B1", name="Agency", iban="NL03RABO0312456789", ustrd=("a", "b"))
    ]

    [old] = _entries(camt_xml([Stmt("S1", entries)], version="02"))
    [new] = _entries(camt_xml([Stmt("S1", entries)], version="08"))

    assert statement_parse(camt_xml([Stmt("S1", entries)], version="08"))[0].format == (
        "camt.053.001.08"
    )
    assert new == old
    assert (new.counterparty_name, new.remittance_text) == ("Agency", "a b")


def test_camt_file_with_several_statements_keeps_each_statement_and_account():
    other = "NL03RABO0312456789"
    data = camt_xml(
        [
            Stmt("S1", [_payment(20, "1.00", "B1")], opening=D("0"), closing=D("1.00")),
            Stmt("S2", [_payment(21, "2.00", "B2"), _payment(21, "3.00", "B3")], account=other),
        ],
        version="08",
    )

    first, second = statement_parse(data)

    assert (first.statement_id, first.account_iban, len(first.entries)) == ("S1", UNION_IBAN, 1)
    assert (second.statement_id, second.account_iban) == ("S2", other)
    assert [e.statement_id for e in second.entries] == ["S2", "S2"]
    assert second.opening_balance is None
    assert second.balances_agree is None


def test_camt_batch_entry_becomes_one_entry_per_payment():
    batch = Ntry(
        NOV[20],
        D("30.00"),
        bank_reference="BATCH7",
        txs=[
            Tx(amount=D("10.00"), creditor_reference="4202600000000001"),
            Tx(amount=D("20.00"), creditor_reference="2202600000000002", bank_reference="T2"),
        ],
    )

    for version in ("02", "08"):
        first, second = _entries(camt_xml([Stmt("S1", [batch])], version=version))
        assert (first.amount, first.bank_reference) == (D("10.00"), "BATCH7/1")
        assert (second.amount, second.bank_reference) == (D("20.00"), "T2")
        assert first.unique_key != second.unique_key


def test_camt_batch_whose_payments_do_not_add_up_is_refused():
    batch = Ntry(NOV[20], D("30.00"), txs=[Tx(amount=D("10.00")), Tx(amount=D("10.00"))])

    error = _error(camt_xml([Stmt("S1", [batch])]))

    assert "add up to 20.00, not to the entry's 30.00" in error.message


def test_camt_pending_and_zero_entries_are_not_read_as_money():
    entries = [
        _payment(20, "5.00", "B1"),
        Ntry(NOV[20], D("7.00"), bank_reference="B2", status="PDNG"),
        Ntry(NOV[20], D("0.00"), bank_reference="B3"),
    ]

    [statement] = statement_parse(camt_xml([Stmt("S1", entries)], version="08"))

    assert [e.bank_reference for e in statement.entries] == ["B1"]
    assert (statement.pending_entries, statement.zero_entries) == (1, 1)


# --- unique keys ---------------------------------------------------------------------------------


def test_unique_keys_are_stable_across_a_re_parse():
    data = CAMT_EXAMPLE.read_bytes()

    assert [e.unique_key for e in _entries(data)] == [e.unique_key for e in _entries(data)]


def test_overlapping_statements_give_the_shared_entries_the_same_keys():
    monday = _payment(23, "10.00", "B1")
    tuesday = _payment(24, "20.00", "B2")
    wednesday = _payment(25, "30.00", "B3")
    week_so_far = Stmt("W48-1", [monday, tuesday])
    week_later = Stmt("W48-2", [tuesday, wednesday])

    first = _entries(camt_xml([week_so_far]))
    second = _entries(camt_xml([week_later]))

    assert first[1].unique_key == second[0].unique_key
    assert first[1].statement_id != second[0].statement_id
    assert len({e.unique_key for e in first + second}) == 3


def test_entries_without_bank_reference_get_content_keys_that_survive_overlap():
    # Two identical transfers on one day are two payments; an overlapping statement that
    # repeats the day repeats both keys (and adds the next day's).
    same = Ntry(NOV[23], D("10.00"), txs=[Tx(ustrd=("contributie",), name="A", iban="")])
    later = Ntry(NOV[24], D("10.00"), txs=[Tx(ustrd=("contributie",), name="A", iban="")])

    first = _entries(mt940_text([Stmt("1/1", [same, same])]).encode())
    second = _entries(mt940_text([Stmt("2/1", [same, same, later])]).encode())

    assert all(e.bank_reference == "" for e in first + second)
    assert first[0].unique_key != first[1].unique_key
    assert [e.unique_key for e in first] == [e.unique_key for e in second[:2]]
    assert "|h:" in first[0].unique_key
    assert second[2].unique_key not in {e.unique_key for e in first}


def test_repeated_bank_reference_on_the_same_day_and_amount_keeps_both_payments():
    entries = [_payment(20, "10.00", "SAME"), _payment(20, "10.00", "SAME")]

    first, second = _entries(camt_xml([Stmt("S1", entries)]))

    assert first.unique_key == f"{UNION_IBAN}|2026-11-20|SAME|10.00"
    assert second.unique_key == f"{UNION_IBAN}|2026-11-20|SAME|10.00#2"


def test_credit_and_debit_with_one_reference_do_not_share_a_key():
    entries = [
        _payment(20, "10.00", "R"),
        Ntry(NOV[20], D("10.00"), credit=False, bank_reference="R"),
    ]

    credit, debit = _entries(camt_xml([Stmt("S1", entries)]))

    assert credit.unique_key != debit.unique_key


# --- malformed files -----------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   \r\n\t"])
def test_empty_file_is_refused(data):
    assert _error(data).message == "The file is empty."


@pytest.mark.parametrize(
    "data",
    [b"name,amount\nJan,10\n", b"%PDF-1.7 ...", b":61:2611201120C10,00NTRF//X\n", b"\x89PNG\r\n"],
)
def test_file_that_is_neither_camt_nor_mt940_is_refused(data):
    assert _error(data).message == "The file is not a CAMT.053 or MT940 statement."


def test_xml_that_is_not_camt_053_is_refused_naming_what_it_is():
    camt054 = camt_xml([Stmt("S1", [])]).replace(b"camt.053.001.02", b"camt.054.001.02")

    assert "not a CAMT.053 bank statement (it is camt.054.001.02)" in _error(camt054).message
    assert "another kind of XML" in _error(b"<html><body>hi</body></html>").message


def test_malformed_xml_is_refused_with_its_position_and_no_traceback():
    error = _error(b'<?xml version="1.0"?>\n<Document>\n<Stmt></Document>')

    assert error.message.startswith("The XML is malformed at line 3")
    assert error.detail["line"] == 3
    assert error.__cause__ is None and error.__suppress_context__


@pytest.mark.parametrize(
    "doctype",
    [
        # The billion laughs: refused before a single entity is declared.
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>',
        # An external entity that would read a local file.
        '<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        # Even a harmless-looking external DTD.
        '<!DOCTYPE Document SYSTEM "http://example.invalid/camt.dtd">',
    ],
)
def test_xml_with_a_doctype_is_refused(doctype):
    camt = camt_xml([Stmt("S1", [_payment(20, "1.00", "B1", ustrd=("&amp;",))])])
    data = camt.replace(b"?>", b"?>" + doctype.encode(), 1)

    error = _error(data)

    assert "DOCTYPE" in error.message
    assert error.detail["reason"] == "doctype"


def test_camt_entry_without_amount_is_refused_naming_entry_and_statement():
    entries = [_payment(20, "1.00", "B1"), _payment(20, "2.00", "B2"), Ntry(NOV[20], " ")]

    error = _error(camt_xml([Stmt("ABN-1", entries)]))

    assert error.message == "Entry 3 of statement ABN-1 has no amount."
    assert error.detail == {
        "format": "camt.053.001.02",
        "statement": "ABN-1",
        "entry": 3,
        "field": "amount",
    }


@pytest.mark.parametrize("amount", ["1,00", "1.001", "-5.00", "1e3", "ten", "1 000.00"])
def test_camt_amount_that_does_not_parse_is_refused(amount):
    error = _error(camt_xml([Stmt("S9", [Ntry(NOV[20], amount)])]))

    assert error.message.startswith("Entry 1 of statement S9 has an amount")


def test_camt_entry_without_booking_date_or_direction_is_refused():
    data = camt_xml([Stmt("S9", [_payment(20, "1.00", "B1")])])

    no_date = data.replace(b"<BookgDt><Dt>2026-11-20</Dt></BookgDt>", b"")
    no_direction = data.replace(b"<CdtDbtInd>CRDT</CdtDbtInd>", b"<CdtDbtInd>X</CdtDbtInd>")
    bad_date = data.replace(b"<BookgDt><Dt>2026-11-20", b"<BookgDt><Dt>2026-11-31")

    assert _error(no_date).message == "Entry 1 of statement S9 has no booking date."
    assert "credit or a debit" in _error(no_direction).message
    assert "booking date that is not a date" in _error(bad_date).message


def _mt940(lines: list[str]) -> bytes:
    return "\n".join(lines).encode()


MT940_HEAD = [":20:REF", ":25:NL91ABNA0417164300", ":28C:12/1", ":60F:C261119EUR0,00"]


@pytest.mark.parametrize(
    "line",
    [
        ":61:26112C10,00NTRF//X",  # date cut short
        ":61:2611201120X10,00NTRF//X",  # neither C nor D
        ":61:2611201120C",  # no amount
        ":61:Jan de Vries paid",  # not a statement line at all
    ],
)
def test_mt940_broken_statement_line_is_refused_with_its_line_number(line):
    error = _error(_mt940([*MT940_HEAD, ":61:2611201120C1,00NTRFNONREF//OK", line]))

    assert error.message.startswith("line 6: the statement line (:61:) cannot be read")
    assert error.detail["line"] == 6
    assert "Jan" not in error.message


@pytest.mark.parametrize("amount", ["1,2,3", ",", "1.00"])
def test_mt940_amount_that_does_not_parse_is_refused(amount):
    error = _error(_mt940([*MT940_HEAD, f":61:2611201120C{amount}NTRFNONREF//X"]))

    assert error.detail["line"] == 5
    assert error.message.startswith("line 5:")


def test_mt940_invalid_date_and_missing_parts_are_refused():
    bad_date = _error(_mt940([*MT940_HEAD, ":61:2613201320C1,00NTRFNONREF//X"]))
    no_account = _error(_mt940([":20:REF", ":28C:12/1", ":60F:C261119EUR0,00", ":25X"]))
    no_opening = _error(_mt940([":20:REF", ":25:NL91ABNA0417164300", ":61:2611201120C1,00NTRF"]))
    bad_balance = _error(_mt940([":20:REF", ":25:NL91ABNA0417164300", ":60F:C2611EUR0,00"]))

    assert bad_date.message == "line 5: the date 261320 is not a valid date (YYMMDD)."
    assert "names no account (:25:)" in no_account.message
    assert "has no opening balance (:60F:)" in no_opening.message
    assert bad_balance.message.startswith("line 3: the balance (:60F:) cannot be read")


def test_error_messages_never_show_names_or_remittance_text():
    entry = _payment(20, "1.00", "B1", name="Jan de Vries", ustrd=("huur Jan",))
    data = camt_xml([Stmt("S1", [entry])]).replace(b"1.00</Amt>", b"1.0.0</Amt>")

    error = _error(data)

    assert "Jan" not in error.message and "Jan" not in str(error.detail)


# --- matching helpers ----------------------------------------------------------------------------


@dataclasses.dataclass
class _Entry:
    creditor_reference: str = ""
    remittance_text: str = ""


REF_1 = payment_reference_for_invoice(year=2026, sequence=1)  # 4202600000000001
REF_2 = payment_reference_for_invoice(year=2026, sequence=2)  # 2202600000000002


def test_structured_reference_comes_first_then_text_references_in_order():
    entry = _Entry(REF_2, f"also {REF_1} and again 2202 6000 0000 0002")

    assert references_in(entry) == [REF_2, REF_1]


@pytest.mark.parametrize(
    "text",
    [
        "4202 6000 0000 0001",
        "betalingskenmerk 4202.6000.0000.0001.",
        "kenmerk:4202-6000-0000-0001",
        "(4202600000000001)",
    ],
)
def test_text_reference_grouped_as_banks_print_it_is_found(text):
    assert references_in(_Entry(remittance_text=text)) == [REF_1]


def test_structured_reference_may_be_grouped():
    assert references_in(_Entry(creditor_reference="4202 6000 0000 0001")) == [REF_1]


@pytest.mark.parametrize(
    "entry",
    [
        # One digit of REF_1 changed: the check digit no longer fits.
        _Entry(creditor_reference="4202600000000002"),
        _Entry(remittance_text="4202600000000002"),
        # REF_2's payload with another check digit.
        _Entry(creditor_reference="5202600000000002"),
        _Entry(remittance_text="5202 6000 0000 0002"),
    ],
)
def test_reference_with_a_wrong_check_digit_is_not_a_match(entry):
    assert references_in(entry) == []


@pytest.mark.parametrize(
    "text",
    [
        "14202600000000001",  # 17 digits: part of a longer number
        "42026000000000011",
        "1 4202 6000 0000 0001",  # a fifth group before
        "4202 6000 0000 0001 7",  # ... or after
        "420 2600 0000 0000 01",  # not grouped by four
        "NL91ABNA0417164300",
    ],
)
def test_digits_that_are_part_of_something_else_are_not_a_reference(text):
    assert references_in(_Entry(remittance_text=text)) == []


def test_rf_creditor_reference_is_not_a_betalingskenmerk():
    assert references_in(_Entry(creditor_reference="RF18539007547034")) == []


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("Factuur 2027-000123", ["2027-000123"]),
        (
            "facturen 2027-000123, 2027/000124 en 2027.000125",
            ["2027-000123", "2027-000124", "2027-000125"],
        ),
        ("inv 2027 000123", ["2027-000123"]),
        ("2027000123", ["2027-000123"]),
        ("2027-000123 2027-000123", ["2027-000123"]),
        ("nr.2026-000004;", ["2026-000004"]),
    ],
)
def test_invoice_numbers_are_found_in_the_form_invoices_print(text, numbers):
    assert invoice_numbers_in(text) == numbers


@pytest.mark.parametrize(
    "text",
    [
        "S2026-000001",  # a state claim's number, not an invoice
        "2027-0001234",  # seven digits
        "12027-000123",  # part of a longer number
        "1999-000123",  # not this century
        "2027-12345",  # five digits
        "4202600000000001",  # a betalingskenmerk
        "",
    ],
)
def test_numbers_that_are_not_invoice_numbers_are_not_found(text):
    assert invoice_numbers_in(text) == []


# --- a round trip of generated CAMT --------------------------------------------------------------

# XML 1.0 cannot carry control characters, surrogates or noncharacters; everything else can.
xml_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Cn", "Co")), max_size=60
).map(str.strip)
references = st.one_of(
    st.just(""),
    st.integers(min_value=1, max_value=10**10 - 1).map(
        lambda n: payment_reference_for_invoice(year=2026, sequence=n)
    ),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -/&<>", min_size=1, max_size=35).map(
        str.strip
    ),
)
amounts = st.decimals(min_value=D("0.01"), max_value=D("99999999.99"), places=2)
entries = st.builds(
    lambda amount, credit, day, reference, bank_reference, ustrd, name: Ntry(
        NOV[day],
        amount,
        credit=credit,
        bank_reference=bank_reference,
        txs=[
            Tx(
                creditor_reference=reference,
                ustrd=tuple(line for line in ustrd if line),
                name=name,
                iban="NL03RABO0312456789",
            )
        ],
    ),
    amounts,
    st.booleans(),
    st.integers(min_value=1, max_value=30),
    references,
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", max_size=20),
    st.lists(xml_text, max_size=3),
    xml_text,
)


@hypothesis_settings(max_examples=150, deadline=None)
@given(st.lists(entries, min_size=1, max_size=6), st.sampled_from(["02", "04", "08", "12"]))
def test_generated_camt_entries_read_back_as_written(generated, version):
    parsed = _entries(camt_xml([Stmt("S1", generated)], version=version))

    assert len(parsed) == len(generated)
    for written, read in zip(generated, parsed, strict=True):
        tx = written.txs[0]
        assert read.amount == written.amount
        assert read.direction is (Direction.CREDIT if written.credit else Direction.DEBIT)
        assert read.booking_date == written.booking_date
        assert read.bank_reference == written.bank_reference
        assert read.creditor_reference == tx.creditor_reference
        assert read.remittance_text == " ".join(tx.ustrd)
        assert read.counterparty_name == tx.name
    keys = [entry.unique_key for entry in parsed]
    assert len(set(keys)) == len(keys)
    assert keys == [
        e.unique_key for e in _entries(camt_xml([Stmt("S2", generated)], version=version))
    ]


# --- damaged files ------------------------------------------------------------------------------

damage = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=1, exclude_max=True),
        st.integers(min_value=1, max_value=30),
        st.binary(max_size=5),
    ),
    min_size=1,
    max_size=4,
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.sampled_from([CAMT_EXAMPLE, MT940_EXAMPLE]), damage)
def test_a_damaged_file_is_read_or_refused_never_crashes(path, cuts):
    # Cut pieces out of a good file and splice in junk: the parser either reads what is left
    # or says what is wrong in a BankStatementError; never another exception.
    data = bytearray(path.read_bytes())
    for where, length, junk in cuts:
        start = int(where * len(data))
        data[start : start + length] = junk

    try:
        statements = statement_parse(bytes(data))
    except BankStatementError as error:
        assert error.message
    else:
        assert all(entry.amount > 0 for s in statements for entry in s.entries)
