"""The ledger in the admin: transactions with their postings, read-only (money moves only
through the services)."""

from __future__ import annotations

from django.contrib import admin

from levies.models import (
    LedgerPosting,
    LedgerTransaction,
)
from unionroll.admin import ReadOnlyAdmin, ReadOnlyInline


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
