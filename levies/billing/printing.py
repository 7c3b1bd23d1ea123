"""From issued invoices and state claims to their documents (PDF, CSV), and a payer's
statement of account.

Reads only: the models hold everything a document prints (site names and organisation names of
claims are copied when issued), except the payer's name and address, which are read now; the
union's details come from settings (UNIONROLL_UNION_*).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from employers.models import Organisation
from levies.billing.documents import (
    CREDIT_NOTE,
    INVOICE,
    DocumentLine,
    InvoiceDocument,
    Party,
    StateClaimDocument,
    StateClaimRow,
    invoice_pdf,
    state_claim_csv,
    state_claim_pdf,
)
from levies.billing.documents.statement import StatementDocument, StatementItem, statement_pdf
from levies.billing.selectors import (
    invoice_count_of,
    invoice_lines_merged_or_hidden,
    invoice_lines_shown,
    payer_statement,
)
from levies.models import Invoice, StateClaim

NO_SITE = "Geen locatie / No site"
GROUPED_SITES = "Overige locaties en CAO-fasen / Other sites and CAO phases"


def _grouped_description(minimum: int) -> str:
    return f"elk minder dan {minimum} personen / each with fewer than {minimum} people"


def _small_groups_note(minimum: int) -> str:
    return (
        f"Locaties en CAO-fasen met minder dan {minimum} personen staan samen op één regel, en "
        f"een aantal onder {minimum} wordt niet genoemd (< {minimum}), zodat geen regel één "
        f"persoon beschrijft. / Sites and CAO phases with fewer than {minimum} people are shown "
        f"together on one line, and a count below {minimum} is not given (< {minimum}), so "
        "that no line describes one person."
    )


WORKERS_NOTE = (
    "De heffing geldt voor iedere gedekte werknemer op uw loonlijst, ongeacht lidmaatschap van "
    "de vakbond. / The levy is charged for every covered worker on your payroll, whatever "
    "their union status."
)


def _address_lines(text: str) -> tuple[str, ...]:
    """Settings separate lines with "|"; an organisation's address is free text with newlines
    or, as often typed on one line, "street, postcode town"."""
    lines = [part.strip() for part in text.replace("|", "\n").splitlines() if part.strip()]
    if len(lines) == 1 and ", " in lines[0]:
        lines = [part.strip() for part in lines[0].split(", ") if part.strip()]
    return tuple(lines)


def union_party() -> Party:
    return Party(
        name=settings.UNIONROLL_UNION_NAME,
        address_lines=_address_lines(settings.UNIONROLL_UNION_ADDRESS),
        kvk=settings.UNIONROLL_UNION_KVK or None,
        iban=settings.UNIONROLL_UNION_IBAN or None,
    )


def funder_party() -> Party:
    return Party(
        name=settings.UNIONROLL_STATE_FUNDER_NAME,
        address_lines=_address_lines(settings.UNIONROLL_STATE_FUNDER_ADDRESS),
    )


def _earlier_numbers(invoice: Invoice) -> list[str]:
    return list(
        Invoice.objects.filter(
            payer_organisation_id=invoice.payer_organisation_id,
            period_start=invoice.period_start,
            period_end=invoice.period_end,
            pk__lt=invoice.pk,
        )
        .order_by("pk")
        .values_list("number", flat=True)
    )


def invoice_document(invoice: Invoice) -> InvoiceDocument:
    payer = invoice.payer_organisation
    notes = []
    earlier = _earlier_numbers(invoice)
    if earlier:
        # A supplementary invoice or a credit note bills only a difference: say to what.
        listed = ", ".join(earlier)
        notes.append(
            f"Correctie op eerder gefactureerde heffing over deze periode ({listed}). / "
            f"Corrects the levy invoiced earlier for this period ({listed})."
        )
    minimum = settings.UNIONROLL_MIN_GROUP_SIZE
    shown = invoice_lines_shown(invoice=invoice)
    count_of = invoice_count_of(shown)
    if count_of != "members":
        notes.append(WORKERS_NOTE)
    if invoice_lines_merged_or_hidden(shown):
        notes.append(_small_groups_note(minimum))
    return InvoiceDocument(
        kind=CREDIT_NOTE if invoice.is_credit_note else INVOICE,
        number=invoice.number,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        union=union_party(),
        payer=Party(name=payer.name, address_lines=_address_lines(payer.address), kvk=payer.kvk),
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        lines=tuple(
            DocumentLine(
                site=GROUPED_SITES if line["grouped"] else (line["site"] or NO_SITE),
                cao_phase=line["cao_phase"],
                members=line["count"],
                count_fewer_than=line["count_fewer_than"],
                amount=line["amount"],
                description=_grouped_description(minimum) if line["grouped"] else "",
            )
            for line in shown
        ),
        count_of=count_of,
        total=invoice.total,
        payment_reference=invoice.payment_reference,
        notes=tuple(notes),
    )


def invoice_pdf_bytes(invoice: Invoice) -> bytes:
    return invoice_pdf(invoice_document(invoice))


def invoice_pdf_filename(invoice: Invoice) -> str:
    prefix = "creditnota" if invoice.is_credit_note else "factuur"
    return f"{prefix}-{invoice.number}.pdf"


def state_claim_document(claim: StateClaim) -> StateClaimDocument:
    return StateClaimDocument(
        reference=claim.reference,
        issue_date=claim.issue_date,
        due_date=claim.due_date,
        period_start=claim.period_start,
        period_end=claim.period_end,
        union=union_party(),
        funder=funder_party(),
        rows=tuple(
            StateClaimRow(
                sector=row.sector_name,
                payer=row.organisation_name,
                payer_kvk=row.organisation_kvk,
                members=row.members,
                amount=row.amount,
            )
            for row in claim.rows.all()
        ),
        # Only a positive claim asks for money.
        payment_reference=claim.payment_reference if claim.total > 0 else None,
    )


def state_claim_pdf_bytes(claim: StateClaim) -> bytes:
    return state_claim_pdf(state_claim_document(claim))


def state_claim_csv_text(claim: StateClaim) -> str:
    return state_claim_csv(state_claim_document(claim))


def payer_statement_document(organisation: Organisation, *, today: dt.date) -> StatementDocument:
    """The payer's statement of account on ``today``: its open items and ledger balance."""
    data = payer_statement(organisation=organisation, today=today)
    return StatementDocument(
        union=union_party(),
        payer=Party(
            name=organisation.name,
            address_lines=_address_lines(organisation.address),
            kvk=organisation.kvk,
        ),
        date=data["today"],
        items=tuple(
            StatementItem(
                number=item["document"].number,
                kind=item["document"].kind,
                issue_date=item["document"].issue_date,
                due_date=item["document"].due_date,
                total=item["document"].total,
                outstanding=item["outstanding"],
                days_overdue=item["days_overdue"],
            )
            for item in data["items"]
        ),
        open_items_total=data["open_items_total"],
        credit=data["credit"],
        not_yet_invoiced=data["not_yet_invoiced"],
        balance=data["balance"],
    )


def payer_statement_pdf_bytes(organisation: Organisation, *, today: dt.date) -> bytes:
    return statement_pdf(payer_statement_document(organisation, today=today))


def payer_statement_pdf_filename(organisation: Organisation, *, today: dt.date) -> str:
    return f"rekeningoverzicht-{organisation.kvk}-{today:%Y%m%d}.pdf"
