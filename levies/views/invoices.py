"""Invoice pages for payers (agency and hirer staff) and union staff.

Which invoices a user sees is decided by ``invoices_visible_to``: another organisation's invoice
is a 404, so its existence is not revealed. The pages show counts and amounts only, never a
worker. State claims are for union staff: their downloads are linked from the admin. The files
themselves come from ``levies.billing.responses``, which the API serves too.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from employers.access import organisation_staff_required
from levies.billing.responses import (
    invoice_pdf_response,
    payer_statement_response,
    state_claim_csv_response,
    state_claim_pdf_response,
)
from levies.billing.selectors import (
    invoice_count_of,
    invoice_lines_merged_or_hidden,
    invoice_lines_shown,
    invoice_with_lines,
    invoices_visible_to,
)
from levies.models import Invoice, StateClaim
from levies.payments.services import invoice_payment_intent_create
from levies.payments.stripe_gateway import stripe_enabled
from levies.views.stripe_page import stripe_js_page
from unionroll.exceptions import ApplicationError

INVOICES_PER_PAGE = 25


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


@stripe_js_page
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
    return state_claim_pdf_response(_union_claim(request, pk))


@organisation_staff_required
@require_GET
def state_claim_csv(request: HttpRequest, pk: int) -> HttpResponse:
    return state_claim_csv_response(_union_claim(request, pk))


@organisation_staff_required
@require_GET
def payer_statement_pdf(request: HttpRequest) -> HttpResponse:
    """A payer's own statement; union admins pick a payer on the desk instead."""
    if not request.user.organisation_id:
        raise Http404
    return payer_statement_response(request.user.organisation)
