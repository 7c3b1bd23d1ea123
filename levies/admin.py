"""Levies in the admin: schemes, runs, charges and the ledger are read-only here (schemes come
from reviewable files, money moves only through the services). Charges show ids, never names.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from enrolment.admin import ReadOnlyAdmin, ReadOnlyInline, admin_link
from enrolment.models import Person
from levies.models import (
    Invoice,
    InvoiceLine,
    LedgerPosting,
    LedgerTransaction,
    LevyAssessmentRun,
    LevyCharge,
    LevyScheme,
    LevySchemeVersion,
    StateClaim,
    StateClaimRow,
)
from levies.services import levies_assess, period_billing_issue
from unionroll.exceptions import ApplicationError

VERSION_FIELDS = [
    "valid_from",
    "valid_to",
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
        "pdf_link",
    ]
    list_filter = ["kind", "status", "period_start", "issue_date"]
    list_select_related = ["payer_organisation"]
    search_fields = ["=number", "=payment_reference", "=payer_organisation__kvk"]
    fields = [
        "number",
        "kind",
        "status",
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
    actions = ["issue_again"]

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
