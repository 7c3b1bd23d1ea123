"""Invoices, credit notes, state claims and reminders in the admin: read-only, with the actions
to issue a period again and to write off what is left of an invoice."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from levies.billing.services import period_billing_issue
from levies.models import (
    Invoice,
    InvoiceLine,
    InvoiceReminder,
    StateClaim,
    StateClaimRow,
)
from levies.payments.services import invoice_write_off
from unionroll.admin import ReadOnlyAdmin, ReadOnlyInline
from unionroll.exceptions import ApplicationError


def issue_for_periods(model_admin: admin.ModelAdmin, request: HttpRequest, periods) -> None:
    """The admin actions' shared body: bill each period, one message per period."""
    for start, end in sorted(set(periods)):
        try:
            result = period_billing_issue(period_start=start, period_end=end)
        except ApplicationError as exc:
            model_admin.message_user(request, f"{start}..{end}: {exc.message}", messages.ERROR)
            continue
        numbers = ", ".join(i["number"] for i in result["invoices"]) or "no new invoices"
        claim = result["state_claim"]
        claimed = f"; state claim {claim['reference']}" if claim else ""
        model_admin.message_user(request, f"{start}..{end}: {numbers}{claimed}.", messages.SUCCESS)


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    show_change_link = False
    fields = ["site_name", "cao_phase", "members", "amount"]
    readonly_fields = fields


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    """Issued documents are never edited; no personal data on them (counts per site)."""

    list_display = [
        "number",
        "kind",
        "payer_organisation",
        "period_start",
        "period_end",
        "issue_date",
        "due_date",
        "total",
        "status",
        "payment_pending",
        "pdf_link",
    ]
    list_filter = ["kind", "status", "payment_pending", "period_start", "issue_date"]
    list_select_related = ["payer_organisation"]
    search_fields = ["=number", "=payment_reference", "=payer_organisation__kvk"]
    fields = [
        "number",
        "kind",
        "status",
        "payment_pending",
        "payer_organisation",
        "period_start",
        "period_end",
        "issue_date",
        "due_date",
        "total",
        "payment_reference",
        "created_at",
        "pdf_link",
    ]
    readonly_fields = fields
    inlines = [InvoiceLineInline]
    actions = ["issue_again", "write_off"]

    @admin.display(description="PDF")
    def pdf_link(self, obj: Invoice) -> str:
        return format_html('<a href="{}">PDF</a>', reverse("levies:invoice_pdf", args=[obj.pk]))

    def has_issue_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("levies.add_invoice")

    @admin.action(
        description="Bill what is new in these invoices' periods (supplements, credit notes)",
        permissions=["issue"],
    )
    def issue_again(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        issue_for_periods(self, request, queryset.values_list("period_start", "period_end"))

    def has_write_off_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("levies.add_invoicewriteoff")

    @admin.action(
        description="Write off what is outstanding (asks for a reason)", permissions=["write_off"]
    )
    def write_off(self, request: HttpRequest, queryset: QuerySet[Invoice]):
        """An intermediate page asks for the reason; confirming writes each invoice off."""
        form = WriteOffForm(request.POST if "confirm" in request.POST else None)
        if form.is_valid():
            for invoice in queryset.order_by("pk"):
                try:
                    done = invoice_write_off(
                        invoice=invoice, reason=form.cleaned_data["reason"], user=request.user
                    )
                except ApplicationError as exc:
                    self.message_user(request, f"{invoice.number}: {exc.message}", messages.ERROR)
                else:
                    self.message_user(
                        request,
                        f"{invoice.number}: EUR {done.amount:.2f} written off.",
                        messages.SUCCESS,
                    )
            return None
        return TemplateResponse(
            request,
            "admin/levies/invoice/write_off.html",
            {
                **self.admin_site.each_context(request),
                "title": "Write off invoices",
                "opts": self.model._meta,
                "invoices": queryset,
                "form": form,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


class WriteOffForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Recorded with the write-off and in the ledger's audit trail.",
    )


class StateClaimRowInline(ReadOnlyInline):
    model = StateClaimRow
    show_change_link = False
    fields = ["sector_name", "organisation_name", "organisation_kvk", "members", "amount"]
    readonly_fields = fields


@admin.register(StateClaim)
class StateClaimAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "period_start",
        "period_end",
        "issue_date",
        "total",
        "downloads",
    ]
    list_filter = ["period_start", "issue_date"]
    search_fields = ["=reference", "=payment_reference"]
    fields = [
        "reference",
        "period_start",
        "period_end",
        "issue_date",
        "due_date",
        "total",
        "payment_reference",
        "created_at",
        "downloads",
    ]
    readonly_fields = fields
    inlines = [StateClaimRowInline]

    @admin.display(description="documents")
    def downloads(self, obj: StateClaim) -> str:
        return format_html(
            '<a href="{}">PDF</a> · <a href="{}">CSV</a>',
            reverse("levies:state_claim_pdf", args=[obj.pk]),
            reverse("levies:state_claim_csv", args=[obj.pk]),
        )


# --- payments: read-only; money moves only through the services ---------------------------------


@admin.register(InvoiceReminder)
class InvoiceReminderAdmin(ReadOnlyAdmin):
    """Payment reminders sent (or recorded as no_contact); written by the daily task only."""

    list_display = ["invoice", "step", "days_after_due", "status", "amount_open", "created_at"]
    list_filter = ["status", "step"]
    search_fields = ["=invoice__number"]
    list_select_related = ["invoice"]
    fields = [
        "invoice",
        "step",
        "days_after_due",
        "status",
        "recipient",
        "amount_open",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields
