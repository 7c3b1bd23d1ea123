"""Schemes, assessment runs and charges in the admin: read-only (schemes come from reviewable
files, charges from the assessment); runs can be assessed again or billed. Charges show ids,
never names.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from enrolment.admin import PersonAccessLogged
from enrolment.models import Person, PersonAccess
from levies.admin.billing import issue_for_periods
from levies.assessment.services import levies_assess
from levies.models import (
    LevyAssessmentRun,
    LevyCharge,
    LevyScheme,
    LevySchemeVersion,
)
from unionroll.admin import ReadOnlyAdmin, ReadOnlyInline, admin_link
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


@admin.register(LevyCharge)
class LevyChargeAdmin(PersonAccessLogged, ReadOnlyAdmin):
    # A charge for a person says where they worked and, under a members' scheme, that they are
    # a member: its page is a read of their data (the access log); the list shows ids only.
    access_through = PersonAccess.Through.ADMIN_LEVY_CHARGE
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
