"""Bank statements (CAMT.053, MT940) in; credits matched to invoices and state claims; the
desk's manual matching and parking (docs/payments.md).

- **Whole or nothing.** The file is parsed completely first (``levies.bank``); a malformed file
  raises ``bank_statement_invalid`` and nothing is stored, and so does a statement whose
  opening balance plus entries is not its closing balance. Then one transaction imports it.
- **Each entry once.** The same bytes again are the same file (sha256, unique): nothing changes.
  Each entry's ``unique_key`` is unique in the database, so an overlapping statement imports
  only the entries no earlier statement had. Imports are serialised by an advisory lock, so two
  uploads of overlapping statements cannot race past each other's duplicate check.
- **Matching, in order:** a valid betalingskenmerk in the structured creditor reference names
  the invoice (or state claim); else betalingskenmerken and invoice numbers found in the free
  remittance text (a transfer paying several invoices of one payer pays them in the order
  named); else the entry waits in the unmatched queue. A reference with a wrong check digit
  never matches anything. The state funder's payments are recognised by the claim's
  betalingskenmerk like any other (no IBAN list to keep).
- **Money:** every credit is booked at import. Matched: Dr bank / Cr invoiced(payer) up to what
  is outstanding, the rest Cr unapplied(payer), the payer's credit. Unmatched: Dr bank /
  Cr suspense, until the desk allocates it (Dr suspense / Cr invoiced) or parks it. Debits are
  kept and ignored (our own refunds and fees are booked where they are decided).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from employers.models import User
from levies.assessment.services import LOCK_NAMESPACE
from levies.bank import BankStatementError, invoice_numbers_in, references_in, statement_parse
from levies.billing.payment_reference import payment_reference_normalise
from levies.ledger.services import ledger_post
from levies.models import (
    Account,
    BankAllocation,
    BankEntry,
    BankEntryAction,
    BankStatementFile,
    Invoice,
    LedgerTransaction,
    Payment,
    StateClaim,
)
from levies.payments.selectors import document_settlement
from levies.payments.services import (
    Document,
    document_state_refresh,
    documents_lock,
    receipt_legs,
)
from unionroll.exceptions import Conflict, Invalid
from unionroll.money import round_money

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
# The advisory lock (second key) that serialises statement imports; the first key is the
# levies namespace shared with the assessment's period locks (which use day numbers > 0).
IMPORT_LOCK = 0


def _summary(file: BankStatementFile | None, counts: dict[str, Any]) -> dict[str, Any]:
    return {"file": file.pk if file else None, **counts}


def bank_statement_import(
    *, data: bytes, filename: str = "", user: User | None = None
) -> dict[str, Any]:
    """Import one statement file. Returns ``file, duplicate_file, entries, new, duplicates,
    matched, unmatched, ignored, parked, total_matched`` (a decimal string)."""
    if not data:
        raise Invalid("bank_statement_invalid", "The statement file is empty.")
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        statements = statement_parse(data, filename=filename)
    except BankStatementError as exc:
        raise Invalid(
            "bank_statement_invalid",
            f"The bank statement could not be read: {exc.message}",
            exc.detail,
        ) from None
    for statement in statements:
        # Opening balance + entries must give the closing balance: otherwise the file is cut
        # short or an entry was missed, and importing part of a day would lose a payment.
        if statement.balances_agree is False:
            raise Invalid(
                "bank_statement_invalid",
                f"Statement {statement.statement_id}: the opening balance plus the entries does "
                "not equal the closing balance; the file may be incomplete.",
                {"reason": "balances_disagree", "statement": statement.statement_id},
            )
    entries = [entry for statement in statements for entry in statement.entries]
    counts: dict[str, Any] = {
        "duplicate_file": False,
        "entries": len(entries),
        "new": 0,
        "duplicates": 0,
        "matched": 0,
        "unmatched": 0,
        "ignored": 0,
        "parked": 0,
        "total_matched": "0.00",
    }
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, IMPORT_LOCK])
        earlier = BankStatementFile.objects.filter(sha256=sha256).first()
        if earlier is not None:
            counts |= {"duplicate_file": True, "duplicates": len(entries)}
            return _summary(earlier, counts)
        statement_file = BankStatementFile.objects.create(
            sha256=sha256,
            filename=filename[:255],
            format=getattr(statements[0], "format", "") if statements else "",
            imported_by=user if user is not None and user.pk else None,
        )
        known = set(
            BankEntry.objects.filter(
                unique_key__in={entry.unique_key for entry in entries}
            ).values_list("unique_key", flat=True)
        )
        total_matched = ZERO
        for parsed in entries:
            if parsed.unique_key in known:
                counts["duplicates"] += 1
                continue
            known.add(parsed.unique_key)
            counts["new"] += 1
            entry = _entry_create(parsed, statement_file)
            outcome = _entry_book(entry, parsed)
            counts[outcome] += 1
            if outcome == "matched":
                total_matched += entry.amount
        counts["total_matched"] = f"{total_matched:.2f}"
        statement_file.counts = counts
        statement_file.save(update_fields=["counts"])
    logger.info(
        "bank statement file %s: %s entries, %s new, %s matched, %s unmatched",
        statement_file.pk,
        counts["entries"],
        counts["new"],
        counts["matched"],
        counts["unmatched"],
    )
    return _summary(statement_file, counts)


def _entry_create(parsed: Any, statement_file: BankStatementFile) -> BankEntry:
    return BankEntry.objects.create(
        statement_file=statement_file,
        unique_key=parsed.unique_key,
        account_iban=parsed.account_iban or "",
        statement_id=(parsed.statement_id or "")[:100],
        booking_date=parsed.booking_date,
        value_date=parsed.value_date,
        amount=parsed.amount,
        direction=parsed.direction,
        currency=(parsed.currency or "").upper(),
        bank_reference=(parsed.bank_reference or "")[:100],
        end_to_end_id=(parsed.end_to_end_id or "")[:100],
        creditor_reference=(parsed.creditor_reference or "")[:100],
        remittance_text=parsed.remittance_text or "",
        counterparty_name=(parsed.counterparty_name or "")[:200],
        counterparty_iban=parsed.counterparty_iban or "",
        # Set below, once the entry is booked.
        status=BankEntry.Status.UNMATCHED,
    )


def _documents_named(parsed: Any) -> tuple[list[Document], str]:
    """The documents the entry names, and how: a structured betalingskenmerk names exactly one;
    else what the free text names, all of the first one's payer, in the order named."""
    structured = payment_reference_normalise(parsed.creditor_reference or "")
    found: list[tuple[Document, str]] = []
    for reference in references_in(parsed):
        document = _document_by_reference(reference)
        if document is None:
            continue
        if reference == structured:
            return [document], "structured_reference"
        found.append((document, "text_reference"))
    for number in invoice_numbers_in(parsed.remittance_text or ""):
        invoice = Invoice.objects.filter(number=number, kind=Invoice.Kind.INVOICE).first()
        if invoice is not None:
            found.append((invoice, "text_invoice_number"))
    if not found:
        return [], ""
    first, how = found[0]
    payer = _payer_key(first)
    documents: list[Document] = []
    for document, _ in found:
        if _payer_key(document) == payer and document not in documents:
            documents.append(document)
    return documents, how


def _payer_key(document: Document) -> tuple[str, int | None]:
    if isinstance(document, StateClaim):
        return ("state", None)
    return ("organisation", document.payer_organisation_id)


def _document_by_reference(reference: str) -> Document | None:
    invoice = Invoice.objects.filter(payment_reference=reference, kind=Invoice.Kind.INVOICE).first()
    if invoice is not None:
        return invoice
    return StateClaim.objects.filter(payment_reference=reference, total__gt=0).first()


def _split_over(documents: Sequence[Document], amount: Decimal) -> list[tuple[Document, Decimal]]:
    """Pay the documents in order, each up to what is outstanding on it; the last one named
    takes what is left (beyond it, the payer's credit)."""
    allocations: list[tuple[Document, Decimal]] = []
    left = amount
    for index, document in enumerate(documents):
        if left <= 0:
            break
        if index == len(documents) - 1:
            share = left
        else:
            share = min(left, max(document_settlement(document=document)["outstanding"], ZERO))
        if share > 0:
            allocations.append((document, share))
            left -= share
    if left > 0 and allocations:
        document, share = allocations[-1]
        allocations[-1] = (document, share + left)
    return allocations


def _entry_book(entry: BankEntry, parsed: Any) -> str:
    """Book a new entry; returns its outcome: matched, unmatched, ignored or parked."""
    if entry.direction != BankEntry.Direction.CREDIT:
        entry.status = BankEntry.Status.IGNORED
        entry.save(update_fields=["status"])
        return "ignored"
    if entry.currency != "EUR":
        # Not booked: the ledger is in euros. The desk sees it parked.
        entry.status = BankEntry.Status.PARKED
        entry.save(update_fields=["status"])
        return "parked"
    documents, how = _documents_named(parsed)
    documents = documents_lock(documents)
    allocations = _split_over(documents, entry.amount) if documents else []
    single = documents[0] if len(documents) == 1 else None
    payment = Payment.objects.create(
        source=Payment.Source.BANK,
        external_reference=entry.unique_key,
        invoice=single if isinstance(single, Invoice) else None,
        state_claim=single if isinstance(single, StateClaim) else None,
        payer_organisation_id=(
            documents[0].payer_organisation_id
            if documents and isinstance(documents[0], Invoice)
            else None
        ),
        method="bank_transfer",
        amount=entry.amount,
        status=Payment.Status.SUCCEEDED,
    )
    entry.payment = payment
    if allocations:
        legs = receipt_legs(allocations=allocations, source_account=Account.BANK)
        entry.status = BankEntry.Status.MATCHED
        entry.matched_by = how
    else:
        legs = [(Account.BANK, None, entry.amount), (Account.SUSPENSE, None, -entry.amount)]
        entry.status = BankEntry.Status.UNMATCHED
    ledger_post(
        kind=LedgerTransaction.Kind.PAYMENT,
        legs=legs,
        memo=f"bank entry {entry.booking_date} {entry.bank_reference}"[:200],
        payment_id=payment.pk,
    )
    entry.save(update_fields=["payment", "status", "matched_by"])
    _allocations_record(entry, allocations, user=None, note="")
    for document in documents:
        document_state_refresh(document=document)
    return "matched" if allocations else "unmatched"


def _allocations_record(
    entry: BankEntry,
    allocations: Sequence[tuple[Document, Decimal]],
    *,
    user: User | None,
    note: str,
) -> None:
    BankAllocation.objects.bulk_create(
        BankAllocation(
            entry=entry,
            invoice=document if isinstance(document, Invoice) else None,
            state_claim=document if isinstance(document, StateClaim) else None,
            amount=amount,
            allocated_by=user,
            note=note,
        )
        for document, amount in allocations
    )


# --- the desk ----------------------------------------------------------------------------------


def _open_entry(entry: BankEntry) -> BankEntry:
    entry = BankEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status not in (BankEntry.Status.UNMATCHED, BankEntry.Status.PARKED):
        raise Conflict(
            "bank_entry_not_open",
            "This bank entry is not waiting to be matched.",
            {"entry": entry.pk, "status": entry.status},
        )
    return entry


def _note_required(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise Invalid("bank_entry_note_required", "Say why (a note is required).")
    return note


def bank_entry_allocate(
    *,
    entry: BankEntry,
    allocations: Sequence[tuple[Document, Decimal]],
    user: User | None,
    note: str,
) -> BankEntry:
    """Match an unmatched (or parked) credit to one or more invoices or state claims by hand.

    Each allocation pays its document up to what is outstanding; beyond that, and whatever of
    the entry the allocations leave over, becomes the credit of the (last) document's payer.
    Posts Dr suspense / Cr invoiced(payer) and records who and why."""
    note = _note_required(note)
    if not allocations:
        raise Invalid("bank_allocation_empty", "Name at least one invoice to match.")
    with transaction.atomic():
        entry = _open_entry(entry)
        if entry.payment_id is None:
            raise Conflict(
                "bank_entry_not_booked",
                "This entry was not booked (not in euros) and cannot be matched here.",
                {"entry": entry.pk},
            )
        amounts = [round_money(amount) for _, amount in allocations]
        if any(amount <= 0 for amount in amounts) or sum(amounts, ZERO) > entry.amount:
            raise Invalid(
                "bank_allocation_amount_invalid",
                "Each amount must be positive, and together at most the entry's amount.",
                {"entry": entry.pk, "amount": f"{entry.amount:.2f}"},
            )
        documents = documents_lock(document for document, _ in allocations)
        for document in documents:
            if isinstance(document, Invoice) and document.kind != Invoice.Kind.INVOICE:
                raise Invalid(
                    "bank_allocation_document_invalid",
                    "A credit note cannot be paid.",
                    {"invoice": document.number},
                )
        planned = list(zip(documents, amounts, strict=True))
        left = entry.amount - sum(amounts, ZERO)
        if left:
            document, amount = planned[-1]
            planned[-1] = (document, amount + left)
        legs = receipt_legs(allocations=planned, source_account=Account.SUSPENSE)
        ledger_post(
            kind=LedgerTransaction.Kind.ALLOCATED,
            legs=legs,
            memo=f"bank entry {entry.pk} matched at the desk",
            payment_id=entry.payment_id,
        )
        _allocations_record(entry, planned, user=user, note=note)
        single = documents[0] if len(set(documents)) == 1 else None
        Payment.objects.filter(pk=entry.payment_id).update(
            invoice=single if isinstance(single, Invoice) else None,
            state_claim=single if isinstance(single, StateClaim) else None,
            payer_organisation_id=(
                documents[0].payer_organisation_id if isinstance(documents[0], Invoice) else None
            ),
        )
        entry.status = BankEntry.Status.MATCHED
        entry.matched_by = "desk"
        entry.save(update_fields=["status", "matched_by"])
        BankEntryAction.objects.create(
            entry=entry,
            action=BankEntryAction.Action.ALLOCATED,
            user=user if user is not None and user.pk else None,
            note=note,
            detail={
                "allocations": [
                    {
                        "document": _document_label(document),
                        "amount": f"{amount:.2f}",
                    }
                    for document, amount in planned
                ]
            },
        )
        for document in documents:
            document_state_refresh(document=document)
    logger.info("bank entry %s matched at the desk to %s document(s)", entry.pk, len(planned))
    return entry


def _document_label(document: Document) -> str:
    return document.number if isinstance(document, Invoice) else document.reference


def bank_entry_park(*, entry: BankEntry, user: User | None, note: str) -> BankEntry:
    """Set an unmatched entry aside (the money stays in suspense), recording who and why."""
    note = _note_required(note)
    with transaction.atomic():
        entry = _open_entry(entry)
        if entry.status == BankEntry.Status.PARKED:
            raise Conflict(
                "bank_entry_not_open", "This bank entry is parked already.", {"entry": entry.pk}
            )
        entry.status = BankEntry.Status.PARKED
        entry.save(update_fields=["status"])
        BankEntryAction.objects.create(
            entry=entry,
            action=BankEntryAction.Action.PARKED,
            user=user if user is not None and user.pk else None,
            note=note,
        )
    return entry
