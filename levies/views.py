"""Invoice pages for payers (agency and hirer staff) and union staff.

Which invoices a user sees is decided by ``invoices_visible_to``: another organisation's invoice
is a 404, so its existence is not revealed. The pages show counts and amounts only, never a
worker. State claims are for union staff: their downloads are linked from the admin.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from employers.access import organisation_staff_required
from employers.models import Organisation
from levies.documents import Party
from levies.models import Invoice, StateClaim
from levies.printing import (
    invoice_pdf_bytes,
    invoice_pdf_filename,
    state_claim_csv_text,
    state_claim_pdf_bytes,
)
from levies.selectors import (
    invoice_count_of,
    invoice_lines_merged_or_hidden,
    invoice_lines_shown,
    invoice_with_lines,
    invoices_visible_to,
    sepa_mandate_of,
    sepa_mandates_active,
)
from levies.services.direct_debit import sepa_mandate_start
from levies.services.payments import invoice_payment_intent_create
from levies.stripe_gateway import stripe_enabled
from unionroll.exceptions import ApplicationError

INVOICES_PER_PAGE = 25


def invoice_pdf_response(invoice: Invoice) -> HttpResponse:
    """The invoice as a PDF download; the API serves the same file."""
    response = HttpResponse(invoice_pdf_bytes(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice_pdf_filename(invoice)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@organisation_staff_required
@require_GET
def invoice_list(request: HttpRequest) -> HttpResponse:
    invoices = invoices_visible_to(user=request.user)
    page = Paginator(invoices, INVOICES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "levies/invoice_list.html",
        {"page": page, "show_payer": request.user.is_union_admin},
    )


@organisation_staff_required
@require_GET
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = invoice_with_lines(invoice_id=pk, user=request.user)
    if invoice is None:
        raise Http404
    lines = invoice_lines_shown(invoice=invoice)
    return render(
        request,
        "levies/invoice_detail.html",
        {
            "invoice": invoice,
            "lines": lines,
            "count_of": invoice_count_of(lines),
            "min_group_size": settings.UNIONROLL_MIN_GROUP_SIZE,
            "small_groups": invoice_lines_merged_or_hidden(lines),
            "payable": _payable(invoice),
            "stripe_enabled": stripe_enabled(),
        },
    )


def _payable(invoice: Invoice) -> bool:
    return (
        invoice.kind == Invoice.Kind.INVOICE
        and invoice.status in (Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID)
        and not invoice.payment_pending
    )


@organisation_staff_required
@require_POST
def invoice_pay(request: HttpRequest, pk: int) -> HttpResponse:
    """Start paying an invoice through Stripe: a PaymentIntent for what is open, then Stripe's
    payment form on our page (the amount and our invoice number travel in the intent)."""
    invoice = get_object_or_404(invoices_visible_to(user=request.user), pk=pk)
    if not stripe_enabled() or not _payable(invoice):
        return redirect("levies:invoice_detail", pk=invoice.pk)
    try:
        intent = invoice_payment_intent_create(
            invoice=invoice, method=request.POST.get("method", "")
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("levies:invoice_detail", pk=invoice.pk)
    return render(
        request,
        "levies/invoice_pay.html",
        {
            "invoice": invoice,
            "intent": intent,
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        },
    )


def _mandate_organisation(request: HttpRequest) -> Organisation | None:
    """Whose mandate the page is about: the user's own organisation; for union staff the payer
    named by ``?organisation=`` (None: the list of mandates). Naming another organisation
    as a payer's user is a 404, so its existence is not revealed."""
    wanted = request.GET.get("organisation")
    if request.user.is_union_admin:
        if not wanted:
            return None
        if not wanted.isdigit():
            raise Http404
        return get_object_or_404(Organisation, pk=int(wanted))
    if wanted and wanted != str(request.user.organisation_id):
        raise Http404
    return request.user.organisation


@organisation_staff_required
@require_http_methods(["GET", "POST"])
def direct_debit(request: HttpRequest) -> HttpResponse:
    """The payer's SEPA Direct Debit mandate: whether one is active and, with Stripe on, a
    button that starts one (a SetupIntent, completed in Stripe's element on this page). The
    mandate becomes active when Stripe's webhook reports it, not when the browser says so.
    Only the payer's own users give a mandate; union staff can look."""
    organisation = _mandate_organisation(request)
    context = {
        "organisation": organisation,
        "stripe_enabled": stripe_enabled(),
        "own": organisation is not None and organisation.pk == request.user.organisation_id,
    }
    if organisation is None:
        return render(
            request,
            "levies/direct_debit.html",
            {**context, "mandates": list(sepa_mandates_active())},
        )
    context["mandate"] = sepa_mandate_of(organisation=organisation)
    context["returned"] = request.GET.get("redirect_status") == "succeeded"
    if request.method == "POST":
        if not context["own"]:
            raise PermissionDenied
        if not context["stripe_enabled"]:
            return redirect("levies:direct_debit")
        try:
            context["setup"] = sepa_mandate_start(organisation=organisation)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("levies:direct_debit")
        context["publishable_key"] = settings.STRIPE_PUBLISHABLE_KEY
    return render(request, "levies/direct_debit.html", context)


@organisation_staff_required
@require_GET
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(invoices_visible_to(user=request.user), pk=pk)
    return invoice_pdf_response(invoice)


def _union_claim(request: HttpRequest, pk: int) -> StateClaim:
    # Another party never learns whether a claim exists.
    if not request.user.is_union_admin:
        raise Http404
    return get_object_or_404(StateClaim, pk=pk)


@organisation_staff_required
@require_GET
def state_claim_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _union_claim(request, pk)
    response = HttpResponse(state_claim_pdf_bytes(claim), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="declaratie-{claim.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@organisation_staff_required
@require_GET
def state_claim_csv(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _union_claim(request, pk)
    response = HttpResponse(state_claim_csv_text(claim), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="declaratie-{claim.reference}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


def payer_statement_response(organisation) -> HttpResponse:
    """The payer's statement of account (open items, ledger balance) as a PDF download."""
    from django.utils import timezone

    from levies.documents.statement import StatementDocument, StatementItem, statement_pdf
    from levies.printing import _address_lines, union_party
    from levies.selectors import payer_statement

    data = payer_statement(organisation=organisation, today=timezone.localdate())
    document = StatementDocument(
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
    response = HttpResponse(statement_pdf(document), content_type="application/pdf")
    filename = f"rekeningoverzicht-{organisation.kvk}-{data['today']:%Y%m%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@organisation_staff_required
@require_GET
def payer_statement_pdf(request: HttpRequest) -> HttpResponse:
    """A payer's own statement; union admins pick a payer on the desk instead."""
    if not request.user.organisation_id:
        raise Http404
    return payer_statement_response(request.user.organisation)
