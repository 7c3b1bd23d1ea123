"""Bank statements in the admin: imported files and their entries, read-only, and the upload
of a new statement (the same service as the command and the API)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from levies.bank.services import bank_statement_import
from levies.models import (
    BankAllocation,
    BankEntry,
    BankEntryAction,
    BankStatementFile,
)
from unionroll.admin import ReadOnlyAdmin, ReadOnlyInline
from unionroll.exceptions import ApplicationError


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
