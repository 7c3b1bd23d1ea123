"""Bank statements in: each entry once, matching by betalingskenmerk and invoice number, the
amount deciding the state, the state funder's claims, the unmatched queue and the desk's
allocate / park, the command and the API.

Statements are CAMT.053 files built here; after every test the ledger balances
(tests/levies/conftest.py) and every stored invoice and claim state equals what its postings
say (tests/levies/payments.py).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from levies.bank.services import (
    bank_entry_allocate,
    bank_entry_park,
    bank_statement_import,
)
from levies.billing.payment_reference import payment_reference_format
from levies.models import (
    Account,
    BankAllocation,
    BankEntry,
    BankEntryAction,
    BankStatementFile,
    LedgerPosting,
    Payment,
)
from levies.selectors import (
    account_balance,
    bank_entries_unmatched,
    document_settlement,
    payer_credit,
)
from tests.employers.factories import OrganisationFactory, UnionAdminFactory, UserFactory
from tests.levies.payments import a_state_claim, an_invoice, documents_match_their_postings
from unionroll.exceptions import ApplicationError

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("documents_match_their_postings")]
__all__ = ["documents_match_their_postings"]
D = Decimal
UNION_IBAN = "NL91ABNA0417164300"
PAYER_IBAN = "NL20INGB0001234567"


@dataclass
class Line:
    amount: str
    ref: str  # the bank's own reference (AcctSvcrRef)
    structured: str = ""
    text: str = ""
    credit: bool = True
    booked: dt.date = dt.date(2027, 1, 14)
    currency: str = "EUR"


def camt(
    lines: list[Line],
    statement_id: str = "STMT-2027-014",
    opening: str = "1000.00",
    closing: str | None = None,
) -> bytes:
    """A camt.053.001.02 statement of the union's account with these entries (the closing
    balance computed, unless given)."""
    if closing is None:
        closing = D(opening) + sum(
            (D(x.amount) if x.credit else -D(x.amount) for x in lines),
            D(0),
        )
    entries = []
    for x in lines:
        remittance = ""
        if x.structured:
            remittance += (
                "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>CUR</Issr>"
                f"</Tp><Ref>{escape(x.structured)}</Ref></CdtrRefInf></Strd>"
            )
        if x.text:
            remittance += f"<Ustrd>{escape(x.text)}</Ustrd>"
        entries.append(
            f"""
      <Ntry>
        <Amt Ccy="{x.currency}">{x.amount}</Amt>
        <CdtDbtInd>{"CRDT" if x.credit else "DBIT"}</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>{x.booked.isoformat()}</Dt></BookgDt>
        <ValDt><Dt>{x.booked.isoformat()}</Dt></ValDt>
        <AcctSvcrRef>{x.ref}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>E2E-{x.ref}</EndToEndId></Refs>
          <AmtDtls><TxAmt><Amt Ccy="{x.currency}">{x.amount}</Amt></TxAmt></AmtDtls>
          <RltdPties>
            <Dbtr><Nm>Flexkracht B.V.</Nm></Dbtr>
            <DbtrAcct><Id><IBAN>{PAYER_IBAN}</IBAN></Id></DbtrAcct>
          </RltdPties>
          <RmtInf>{remittance}</RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>"""
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-{statement_id}</MsgId><CreDtTm>2027-01-15T06:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>{statement_id}</Id>
      <ElctrncSeqNb>14</ElctrncSeqNb>
      <CreDtTm>2027-01-15T06:00:00</CreDtTm>
      <Acct><Id><IBAN>{UNION_IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>
      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{opening}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2027-01-13</Dt></Dt></Bal>
      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{D(closing):.2f}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2027-01-14</Dt></Dt></Bal>{"".join(entries)}
    </Stmt>
  </BkToCstmrStmt>
</Document>
""".encode()


def import_(data: bytes, name: str = "statement.xml", user=None):
    return bank_statement_import(data=data, filename=name, user=user)


def wrong_check_digit(reference: str) -> str:
    return str((int(reference[0]) + 1) % 10) + reference[1:]


def refreshed(document):
    document.refresh_from_db()
    return document


# --- matching and the amount -------------------------------------------------------------------


def test_structured_betalingskenmerk_pays_its_invoice():
    invoice = an_invoice("100.00")

    result = import_(camt([Line("100.00", "B1", structured=invoice.payment_reference)]))

    assert (result["entries"], result["new"], result["matched"], result["unmatched"]) == (
        1,
        1,
        1,
        0,
    )
    assert result["total_matched"] == "100.00"
    assert refreshed(invoice).status == "paid"
    entry = BankEntry.objects.get()
    assert (entry.status, entry.matched_by, entry.direction) == (
        "matched",
        "structured_reference",
        "credit",
    )
    assert [(a.invoice_id, a.amount) for a in entry.allocations.all()] == [
        (invoice.pk, D("100.00"))
    ]
    assert entry.payment.source == "bank"
    assert account_balance(account=Account.BANK) == D("100.00")
    assert account_balance(account=Account.INVOICED, organisation=invoice.payer_organisation) == D(
        "-100.00"
    )


@pytest.mark.parametrize(
    ("amount", "status", "credit"),
    [
        ("40.00", "partially_paid", "0.00"),
        ("100.00", "paid", "0.00"),
        ("150.00", "overpaid", "50.00"),
    ],
)
def test_amount_decides_paid_partly_paid_or_overpaid(amount, status, credit):
    invoice = an_invoice("100.00")

    import_(camt([Line(amount, "B1", structured=invoice.payment_reference)]))

    assert refreshed(invoice).status == status
    assert payer_credit(payer=invoice.payer_organisation) == D(credit)
    assert account_balance(account=Account.BANK) == D(amount)


def test_betalingskenmerk_in_the_free_text_matches():
    invoice = an_invoice("100.00")
    text = f"Levy betalingskenmerk {payment_reference_format(invoice.payment_reference)}"

    import_(camt([Line("100.00", "B1", text=text)]))

    assert refreshed(invoice).status == "paid"
    assert BankEntry.objects.get().matched_by == "text_reference"


def test_invoice_number_in_the_free_text_matches():
    invoice = an_invoice("100.00")

    import_(camt([Line("60.00", "B1", text=f"Factuur {invoice.number} deel 1")]))

    assert refreshed(invoice).status == "partially_paid"
    assert BankEntry.objects.get().matched_by == "text_invoice_number"


def test_one_transfer_naming_two_invoices_pays_both_in_order():
    org = OrganisationFactory()
    first, second = an_invoice("100.00", org), an_invoice("50.00", org)

    import_(camt([Line("170.00", "B1", text=f"Invoices {first.number} and {second.number}")]))

    assert refreshed(first).status == "paid"
    assert refreshed(second).status == "overpaid"
    assert payer_credit(payer=org) == D("20.00")
    assert sorted(a.amount for a in BankAllocation.objects.all()) == [D("70.00"), D("100.00")]


def test_wrong_check_digit_never_matches_and_goes_to_the_queue():
    invoice = an_invoice("100.00")
    bad = wrong_check_digit(invoice.payment_reference)

    result = import_(camt([Line("100.00", "B1", structured=bad, text=bad)]))

    assert (result["matched"], result["unmatched"]) == (0, 1)
    assert refreshed(invoice).status == "open"
    assert list(bank_entries_unmatched()) == [BankEntry.objects.get()]
    assert account_balance(account=Account.SUSPENSE) == D("-100.00")
    assert account_balance(account=Account.INVOICED, organisation=invoice.payer_organisation) == 0


def test_unknown_reference_and_text_go_to_the_unmatched_queue():
    an_invoice()

    result = import_(camt([Line("12.00", "B1", text="donation")]))

    assert result["unmatched"] == 1
    assert BankEntry.objects.get().status == "unmatched"


def test_state_funder_payment_settles_its_claim():
    claim = a_state_claim("900.00")

    import_(camt([Line("900.00", "B1", structured=claim.payment_reference)]))

    assert refreshed(claim).status == "paid"
    assert account_balance(account=Account.STATE_CLAIMED) == D("-900.00")
    assert BankAllocation.objects.get().state_claim == claim


def test_state_funder_overpayment_is_the_states_credit():
    claim = a_state_claim("900.00")

    import_(camt([Line("950.00", "B1", structured=claim.payment_reference)]))

    assert refreshed(claim).status == "overpaid"
    assert payer_credit(payer="state") == D("50.00")


def test_debits_are_kept_and_ignored():
    result = import_(camt([Line("25.00", "D1", credit=False, text="bank fees")]))

    assert (result["ignored"], result["matched"], result["unmatched"]) == (1, 0, 0)
    assert BankEntry.objects.get().status == "ignored"
    assert not LedgerPosting.objects.exists()


def test_credit_in_another_currency_is_parked_and_not_booked():
    result = import_(camt([Line("25.00", "F1", currency="USD")]))

    assert result["parked"] == 1
    assert BankEntry.objects.get().status == "parked"
    assert not LedgerPosting.objects.exists()


# --- each entry once ---------------------------------------------------------------------------


def test_same_statement_twice_changes_nothing():
    invoice = an_invoice("100.00")
    data = camt(
        [Line("100.00", "B1", structured=invoice.payment_reference), Line("5.00", "B2", text="?")]
    )
    import_(data)
    postings = LedgerPosting.objects.count()

    again = import_(data)

    assert again["duplicate_file"] is True
    assert (again["entries"], again["duplicates"], again["new"], again["matched"]) == (2, 2, 0, 0)
    assert again["total_matched"] == "0.00"
    assert LedgerPosting.objects.count() == postings
    assert BankEntry.objects.count() == 2
    assert BankStatementFile.objects.count() == 1
    assert account_balance(account=Account.BANK) == D("105.00")
    assert refreshed(invoice).status == "paid"


def test_overlapping_statement_imports_only_the_new_entries():
    org = OrganisationFactory()
    first, second = an_invoice("100.00", org), an_invoice("30.00", org)
    import_(camt([Line("100.00", "B1", structured=first.payment_reference)], "S-14"))

    result = import_(
        camt(
            [
                Line("100.00", "B1", structured=first.payment_reference),
                Line("30.00", "B2", structured=second.payment_reference),
            ],
            "S-14-15",
        ),
        name="overlap.xml",
    )

    assert (result["entries"], result["duplicates"], result["new"], result["matched"]) == (
        2,
        1,
        1,
        1,
    )
    assert refreshed(first).status == "paid"  # not overpaid: B1 was not booked twice
    assert refreshed(second).status == "paid"
    assert account_balance(account=Account.BANK) == D("130.00")


def test_entry_key_is_unique_in_the_database():
    import_(camt([Line("5.00", "B1")]))
    entry = BankEntry.objects.get()

    with pytest.raises(IntegrityError), transaction.atomic():
        BankEntry.objects.create(
            statement_file=entry.statement_file,
            unique_key=entry.unique_key,
            booking_date=entry.booking_date,
            amount=entry.amount,
            direction="credit",
            status="unmatched",
        )


@pytest.mark.parametrize(
    "data",
    [
        b"<Document><BkToCstmrStmt><Stmt><Ntry>",
        b"",
        b"\x00\x01 not a statement",
    ],
)
def test_malformed_file_is_refused_with_a_clear_message_and_changes_nothing(data):
    an_invoice()

    with pytest.raises(ApplicationError) as exc:
        import_(data, name="broken.xml")

    assert exc.value.code == "bank_statement_invalid"
    assert exc.value.message
    assert not BankStatementFile.objects.exists()
    assert not BankEntry.objects.exists()
    assert not LedgerPosting.objects.exists()


def test_statement_whose_balances_do_not_add_up_is_refused():
    invoice = an_invoice()
    data = camt([Line("100.00", "B1", structured=invoice.payment_reference)], closing="1000.00")

    with pytest.raises(ApplicationError) as exc:
        import_(data)

    assert exc.value.detail["reason"] == "balances_disagree"
    assert not BankEntry.objects.exists()
    assert refreshed(invoice).status == "open"


# --- the desk ----------------------------------------------------------------------------------


def _unmatched(amount="150.00"):
    import_(camt([Line(amount, "U1", text="levy january")]))
    return BankEntry.objects.get()


def test_desk_allocates_an_unmatched_entry_to_two_invoices_with_who_and_why():
    org = OrganisationFactory()
    first, second = an_invoice("100.00", org), an_invoice("50.00", org)
    entry = _unmatched("150.00")
    admin = UnionAdminFactory()

    bank_entry_allocate(
        entry=entry,
        allocations=[(first, D("100.00")), (second, D("50.00"))],
        user=admin,
        note="Agency phoned: January levy",
    )

    assert refreshed(first).status == refreshed(second).status == "paid"
    entry.refresh_from_db()
    assert (entry.status, entry.matched_by) == ("matched", "desk")
    assert account_balance(account=Account.SUSPENSE) == 0
    allocations = list(entry.allocations.order_by("id"))
    assert [(a.invoice, a.amount, a.allocated_by) for a in allocations] == [
        (first, D("100.00"), admin),
        (second, D("50.00"), admin),
    ]
    action = BankEntryAction.objects.get()
    assert (action.action, action.user, action.note) == (
        "allocated",
        admin,
        "Agency phoned: January levy",
    )


def test_desk_allocation_beyond_the_invoice_keeps_the_rest_as_credit():
    invoice = an_invoice("100.00")
    entry = _unmatched("150.00")

    bank_entry_allocate(
        entry=entry, allocations=[(invoice, D("100.00"))], user=None, note="matched by name"
    )

    assert refreshed(invoice).status == "overpaid"
    assert payer_credit(payer=invoice.payer_organisation) == D("50.00")


@pytest.mark.parametrize(
    ("amounts", "note", "code"),
    [
        (["160.00"], "x", "bank_allocation_amount_invalid"),
        (["-1.00"], "x", "bank_allocation_amount_invalid"),
        (["10.00"], "  ", "bank_entry_note_required"),
        ([], "x", "bank_allocation_empty"),
    ],
)
def test_desk_refusals_change_nothing(amounts, note, code):
    invoice = an_invoice("100.00")
    entry = _unmatched("150.00")
    before = LedgerPosting.objects.count()

    with pytest.raises(ApplicationError) as exc:
        bank_entry_allocate(
            entry=entry, allocations=[(invoice, D(a)) for a in amounts], user=None, note=note
        )

    assert exc.value.code == code
    assert LedgerPosting.objects.count() == before
    assert refreshed(entry).status == "unmatched"


def test_a_matched_entry_cannot_be_allocated_again():
    invoice = an_invoice("100.00")
    entry = _unmatched("100.00")
    bank_entry_allocate(entry=entry, allocations=[(invoice, D("100.00"))], user=None, note="x")

    with pytest.raises(ApplicationError) as exc:
        bank_entry_allocate(entry=entry, allocations=[(invoice, D("100.00"))], user=None, note="x")

    assert exc.value.code == "bank_entry_not_open"
    assert refreshed(invoice).status == "paid"


def test_parking_records_who_and_why_and_keeps_the_money_in_suspense():
    entry = _unmatched("20.00")
    admin = UnionAdminFactory()

    bank_entry_park(entry=entry, user=admin, note="Unknown sender; asked the bank")

    assert refreshed(entry).status == "parked"
    assert list(bank_entries_unmatched()) == []
    assert account_balance(account=Account.SUSPENSE) == D("-20.00")
    action = BankEntryAction.objects.get()
    assert (action.action, action.user) == ("parked", admin)


def test_a_parked_entry_can_still_be_allocated():
    invoice = an_invoice("20.00")
    entry = _unmatched("20.00")
    bank_entry_park(entry=entry, user=None, note="wait")

    bank_entry_allocate(entry=entry, allocations=[(invoice, D("20.00"))], user=None, note="found")

    assert refreshed(invoice).status == "paid"


# --- command and API ---------------------------------------------------------------------------


def test_command_prints_json_counts(tmp_path):
    invoice = an_invoice("100.00")
    path = tmp_path / "statement.xml"
    path.write_bytes(
        camt(
            [
                Line("100.00", "B1", structured=invoice.payment_reference),
                Line("7.50", "B2", text="?"),
                Line("3.00", "B3", credit=False),
            ]
        )
    )
    out = StringIO()

    call_command("bank_statement_import", str(path), "--json", stdout=out)

    result = json.loads(out.getvalue())
    assert {k: result[k] for k in ("entries", "matched", "unmatched", "duplicates")} == {
        "entries": 3,
        "matched": 1,
        "unmatched": 1,
        "duplicates": 0,
    }
    assert result["total_matched"] == "100.00"
    again = StringIO()
    call_command("bank_statement_import", str(path), "--json", stdout=again)
    assert json.loads(again.getvalue())["duplicates"] == 3


def test_command_exits_1_on_a_malformed_file(tmp_path):
    path = tmp_path / "broken.xml"
    path.write_bytes(b"<Document><Stmt>")

    with pytest.raises(CommandError) as exc:
        call_command("bank_statement_import", str(path))

    assert exc.value.returncode == 1
    assert not BankEntry.objects.exists()


def test_command_prints_a_summary(tmp_path):
    path = tmp_path / "statement.xml"
    path.write_bytes(camt([Line("7.50", "B2", text="?")]))
    out = StringIO()

    call_command("bank_statement_import", str(path), stdout=out)

    assert "1 entries: 0 matched (EUR 0.00), 1 unmatched" in out.getvalue()


def _upload(client, data=None):
    file = SimpleUploadedFile("statement.xml", data or camt([Line("5.00", "B1")]))
    return client.post("/api/v1/bank-statements/", {"file": file})


def test_api_import_by_a_union_admin(client):
    admin = UnionAdminFactory()
    client.force_login(admin)

    response = _upload(client)

    assert response.status_code == 201
    assert response.json()["unmatched"] == 1
    assert BankStatementFile.objects.get().imported_by == admin


def test_api_malformed_file_is_400_with_the_error_code(client):
    client.force_login(UnionAdminFactory())

    response = _upload(client, b"<Document>")

    assert response.status_code == 400
    assert response.json()["code"] == "bank_statement_invalid"
    assert not BankEntry.objects.exists()


def test_api_refuses_an_agency_user(client):
    client.force_login(UserFactory())

    response = _upload(client)

    assert response.status_code == 403
    assert not BankEntry.objects.exists()


def test_api_refuses_an_organisations_api_key(client):
    from employers.services import api_key_create

    org = OrganisationFactory()
    _, key = api_key_create(organisation=org, name="payroll")

    response = client.post(
        "/api/v1/bank-statements/",
        {"file": SimpleUploadedFile("s.xml", camt([Line("5.00", "B1")]))},
        HTTP_AUTHORIZATION=f"Api-Key {key}",
    )

    assert response.status_code == 403
    assert not Payment.objects.exists()


def test_api_refuses_anonymous(client):
    assert _upload(client).status_code in (401, 403)
    assert not BankEntry.objects.exists()


def test_settlement_of_each_document_adds_up():
    org = OrganisationFactory()
    invoice = an_invoice("100.00", org)
    import_(camt([Line("30.00", "B1", structured=invoice.payment_reference)]))

    settlement = document_settlement(document=invoice)

    assert (settlement["paid"], settlement["outstanding"], settlement["status"]) == (
        D("30.00"),
        D("70.00"),
        "partially_paid",
    )


# --- the example files (docs/examples) ---------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def _example_documents():
    org = OrganisationFactory()
    # What make demo issues (demo/management/commands/demo_load.py).
    totals = {1: "29.41", 2: "269.44", 3: "28.02"}
    invoices = {n: an_invoice(total, org, sequence=n) for n, total in totals.items()}
    return invoices, a_state_claim("264.67", sequence=1)


def test_camt_example_matches_invoices_claim_and_queues_the_rest():
    invoices, claim = _example_documents()

    result = import_((EXAMPLES / "camt053-example.xml").read_bytes(), "camt053-example.xml")

    assert {k: result[k] for k in ("entries", "matched", "unmatched", "ignored")} == {
        "entries": 6,
        "matched": 3,
        "unmatched": 2,  # a mistyped reference (wrong check digit), and a gift without one
        "ignored": 1,  # bank fees
    }
    assert result["total_matched"] == "549.11"
    assert [refreshed(invoices[n]).status for n in (1, 2, 3)] == [
        "open",  # overdue in the demo: nothing pays it
        "paid",
        "partially_paid",
    ]
    assert refreshed(claim).status == "paid"


def test_mt940_of_the_same_days_after_the_camt_imports_nothing_new():
    _example_documents()
    import_((EXAMPLES / "camt053-example.xml").read_bytes(), "camt053-example.xml")
    postings = LedgerPosting.objects.count()

    result = import_((EXAMPLES / "mt940-example.sta").read_bytes(), "mt940-example.sta")

    assert (result["entries"], result["duplicates"], result["new"]) == (6, 6, 0)
    assert LedgerPosting.objects.count() == postings


def test_mt940_example_alone_matches_the_same_way():
    invoices, claim = _example_documents()

    result = import_((EXAMPLES / "mt940-example.sta").read_bytes(), "mt940-example.sta")

    assert (result["matched"], result["unmatched"], result["ignored"]) == (3, 2, 1)
    assert refreshed(invoices[3]).status == "partially_paid"
    assert refreshed(claim).status == "paid"


# --- the admin upload -----------------------------------------------------------------------


def _admin_upload(client, data: bytes):
    return client.post(
        reverse("admin:levies_bankstatementfile_import"),
        {"file": SimpleUploadedFile("week48.xml", data)},
        follow=True,
    )


def test_admin_imports_a_statement_and_says_what_matched(client):
    invoice = an_invoice("100.00")
    client.force_login(UnionAdminFactory())

    response = _admin_upload(
        client, camt([Line("100.00", "B1", structured=invoice.payment_reference)])
    )

    assert response.status_code == 200
    assert "1 entries: 1 new, 0 already imported; 1 matched (EUR 100.00)" in (
        response.content.decode()
    )
    assert refreshed(invoice).status == "paid"


def test_admin_upload_of_a_malformed_file_says_why_and_changes_nothing(client):
    client.force_login(UnionAdminFactory())

    response = _admin_upload(client, b"<Document>")

    assert response.status_code == 200
    assert "could not be read" in response.content.decode()
    assert not BankStatementFile.objects.exists()


def test_admin_upload_is_refused_to_staff_without_the_permission(client):
    client.force_login(UserFactory(organisation=None, is_staff=True))

    response = client.post(
        reverse("admin:levies_bankstatementfile_import"),
        {"file": SimpleUploadedFile("s.xml", camt([Line("5.00", "B1")]))},
    )

    assert response.status_code == 403
    assert not BankEntry.objects.exists()
