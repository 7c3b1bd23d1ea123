"""Admin building blocks every app's admin uses: read-only pages, links by id, masking.

Union staff read most rows in the admin but change them only through the services, and lists
never show more personal data than is needed to tell rows apart.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html


def mask_name(first_name: str, last_name: str) -> str:
    """'Łukasz', 'Wróbel' -> 'Ł. W****': enough to tell rows apart, not to identify anyone."""
    first = f"{first_name[:1]}." if first_name else ""
    last = f"{last_name[:1]}****" if last_name else ""
    return f"{first} {last}".strip()


def mask_identifier(value: str) -> str:
    """'12345678' -> '12******': recognisable to someone who has the number, useless otherwise."""
    return value[:2] + "*" * max(len(value) - 2, 0)


def admin_link(model: type, pk: int | None) -> str:
    """A link to a related row by id alone: no query, and no personal data in the label."""
    if pk is None:
        return "-"
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])
    return format_html('<a href="{}">{} #{}</a>', url, model._meta.verbose_name.capitalize(), pk)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by union staff; written only by the services (rosters, opt-outs, merges)."""

    def has_add_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False
