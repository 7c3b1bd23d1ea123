"""Levies in the admin: schemes, runs, charges and the ledger are read-only here (schemes come
from reviewable files, money moves only through the services). Charges show ids, never names.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from enrolment.admin import ReadOnlyAdmin, ReadOnlyInline, admin_link
from enrolment.models import Person
from levies.models import (
    BankAllocation,
    BankEntry,
    BankEntryAction,
    BankStatementFile,
    Invoice,
    InvoiceLine,
    InvoiceReminder,
    LedgerPosting,
    LedgerTransaction,
    LevyAssessmentRun,
    LevyCharge,
    LevyScheme,
    LevySchemeVersion,
    Payment,
    StateClaim,
    StateClaimRow,
    StripeEvent,
)
from levies.services import levies_assess, period_billing_issue
from levies.services.bank_import import bank_statement_import
from levies.services.payments import invoice_write_off
from unionroll.exceptions import ApplicationError

VERSION_FIELDS = [
    "valid_from",
    "valid_to",
    "base",
    "basis",
    "rate",
    "min_per_period",
    "max_per_period",
    "funding_agency",
    "funding_hirer",
    "funding_state",
    "collect_during_window",
]


class LevySchemeVersionInline(ReadOnlyInline):
    model = LevySchemeVersion
    show_change_link = False
    fields = VERSION_FIELDS
    readonly_fields = fields


@admin.register(LevyScheme)
class LevySchemeAdmin(ReadOnlyAdmin):
    list_display = ["code", "sector", "created_at"]
    list_select_related = ["sector"]
    fields = ["code", "sector", "created_at"]
    readonly_fields = fields
    inlines = [LevySchemeVersionInline]


@admin.register(LevyAssessmentRun)
class LevyAssessmentRunAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "period_start",
        "period_end",
        "as_of",
        "unchanged",
        "total",
        "started_at",
        "finished_at",
    ]
    list_filter = ["unchanged"]
    date_hierarchy = "started_at"
    fields = [
        "period_start",
        "period_end",
        "as_of",
        "unchanged",
        "counts",
        "summary",
        "signature",
        "started_at",
        "finished_at",
    ]
    readonly_fields = fields
    actions = ["assess_again", "issue_invoices"]

    @admin.display(description="total (EUR)")
    def total(self, obj: LevyAssessmentRun) -> str:
        return obj.summary.get("total", "-")

    def has_assess_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("levies.add_levyassessmentrun")

    @admin.action(
        description="Assess these periods again (books only differences)", permissions=["assess"]
    )
    def assess_again(self, request: HttpRequest, queryset: QuerySet[LevyAssessmentRun]) -> None:
        periods = sorted(set(queryset.values_list("period_start", "period_end")))
        for start, end in periods:
            try:
                result = levies_assess(period_start=start, period_end=end)
            except ApplicationError as exc:
                self.message_user(request, f"{start}..{end}: {exc.message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{start}..{end}: total EUR {result['total']} (run {result['run']}"
                    f"{', nothing changed' if result['unchanged'] else ''}).",
                    messages.SUCCESS,
                )

    def has_issue_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("levies.add_invoice")

    @admin.action(
        description="Issue invoices, credit notes and the state claim for these periods",
        permissions=["issue"],
    )
    def issue_invoices(self, request: HttpRequest, queryset: QuerySet[LevyAssessmentRun]) -> None:
        issue_for_periods(self, request, queryset.values_list("period_start", "period_end"))


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


@admin.register(LevyCharge)
class LevyChargeAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "period_start",
        "payer",
        "payer_organisation",
        "status",
        "kind",
        "amount",
        "line_id",
        "person_link",
    ]
    list_filter = ["status", "kind", "payer", "period_start"]
    list_select_related = ["payer_organisation"]
    search_fields = ["=id", "=payroll_line__id", "=payer_organisation__kvk"]
    ordering = ["-id"]
    fields = [
        "run",
        "settled_by_run",
        "payroll_line",
        "period_start",
        "period_end",
        "sector",
        "person",
        "organisation",
        "site",
        "cao_phase",
        "payer",
        "payer_organisation",
        "kind",
        "status",
        "amount",
        "invoice",
        "state_claim",
    ]
    readonly_fields = fields

    @admin.display(description="line", ordering="payroll_line_id")
    def line_id(self, obj: LevyCharge) -> int:
        return obj.payroll_line_id

    @admin.display(description="person", ordering="person_id")
    def person_link(self, obj: LevyCharge) -> str:
        return admin_link(Person, obj.person_id)


class LedgerPostingInline(ReadOnlyInline):
    model = LedgerPosting
    show_change_link = False
    fields = ["account", "organisation", "amount"]
    readonly_fields = fields


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    """Append-only: the database refuses updates and deletes, and so does this page."""

    list_display = ["id", "kind", "period_start", "period_end", "run", "memo", "created_at"]
    list_filter = ["kind"]
    ordering = ["-id"]
    fields = ["kind", "memo", "run", "period_start", "period_end", "created_at"]
    readonly_fields = fields
    inlines = [LedgerPostingInline]


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


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "source",
        "method",
        "status",
        "amount",
        "invoice",
        "state_claim",
        "payer_organisation",
        "external_reference",
        "created_at",
    ]
    list_filter = ["source", "status", "method"]
    list_select_related = ["invoice", "state_claim", "payer_organisation"]
    search_fields = ["=external_reference", "=invoice__number", "=charge_id"]
    fields = [
        "source",
        "external_reference",
        "invoice",
        "state_claim",
        "payer_organisation",
        "method",
        "amount",
        "status",
        "status_at",
        "charge_id",
        "amount_received",
        "amount_refunded",
        "amount_disputed",
        "dispute_id",
        "dispute_status",
        "attempt",
        "idempotency_key",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "result", "payment", "created", "received_at"]
    list_filter = ["type", "result", "livemode"]
    search_fields = ["=event_id"]
    fields = [
        "event_id",
        "type",
        "result",
        "payment",
        "created",
        "livemode",
        "received_at",
        "detail",
    ]
    readonly_fields = fields


class BankAllocationInline(ReadOnlyInline):
    model = BankAllocation
    show_change_link = False
    fields = ["invoice", "state_claim", "amount", "allocated_by", "note", "created_at"]
    readonly_fields = fields


class BankEntryActionInline(ReadOnlyInline):
    model = BankEntryAction
    show_change_link = False
    fields = ["action", "user", "note", "detail", "created_at"]
    readonly_fields = fields


@admin.register(BankEntry)
class BankEntryAdmin(ReadOnlyAdmin):
    """Counterparty names and remittance texts are on the detail page only."""

    list_display = [
        "id",
        "booking_date",
        "direction",
        "amount",
        "currency",
        "status",
        "matched_by",
        "creditor_reference",
        "statement_file",
    ]
    list_filter = ["status", "direction", "matched_by", "booking_date"]
    search_fields = ["=creditor_reference", "=bank_reference", "=end_to_end_id"]
    date_hierarchy = "booking_date"
    fields = [
        "statement_file",
        "unique_key",
        "account_iban",
        "statement_id",
        "booking_date",
        "value_date",
        "direction",
        "amount",
        "currency",
        "bank_reference",
        "end_to_end_id",
        "creditor_reference",
        "remittance_text",
        "counterparty_name",
        "counterparty_iban",
        "status",
        "matched_by",
        "payment",
        "created_at",
    ]
    readonly_fields = fields
    inlines = [BankAllocationInline, BankEntryActionInline]


@admin.register(BankStatementFile)
class BankStatementFileAdmin(ReadOnlyAdmin):
    list_display = ["id", "filename", "format", "imported_at", "imported_by", "counts"]
    fields = ["filename", "format", "sha256", "imported_at", "imported_by", "counts"]
    readonly_fields = fields
    change_list_template = "admin/levies/bankstatementfile/change_list.html"

    def get_urls(self):
        from django.urls import path

        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="levies_bankstatementfile_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest):
        """Upload a CAMT.053 or MT940 file: the same service as the command and the API."""
        if not request.user.has_perm("levies.add_bankstatementfile"):
            raise PermissionDenied
        form = BankStatementUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = bank_statement_import(
                    data=upload.read(), filename=upload.name, user=request.user
                )
            except ApplicationError as exc:
                form.add_error("file", exc.message)
            else:
                self.message_user(
                    request,
                    f"{result['entries']} entries: {result['new']} new, "
                    f"{result['duplicates']} already imported; {result['matched']} matched "
                    f"(EUR {result['total_matched']}), {result['unmatched']} unmatched, "
                    f"{result['ignored']} ignored.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:levies_bankstatementfile_changelist"))
        return TemplateResponse(
            request,
            "admin/levies/bankstatementfile/import.html",
            {**self.admin_site.each_context(request), "form": form, "title": "Import a statement"},
        )


class BankStatementUploadForm(forms.Form):
    file = forms.FileField(
        label="Statement file",
        help_text="CAMT.053 (XML) or MT940, as exported by the bank. Entries already imported "
        "are recognised and left alone.",
    )


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
