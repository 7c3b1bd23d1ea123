from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from employers.models import ApiKey, Organisation, Site, User
from employers.services import api_key_revoke


class SiteInline(admin.TabularInline):
    model = Site
    fk_name = "hirer"
    extra = 0
    fields = ["code", "name", "sector", "address"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kvk", "kind", "sector_codes", "contact_email", "created_at"]
    list_filter = ["kind", "sectors"]
    search_fields = ["name", "=kvk"]
    fields = [
        "name",
        "kvk",
        "kind",
        "address",
        "billing_email",
        "contact_email",
        "sectors",
        "created_at",
    ]
    filter_horizontal = ["sectors"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        return super().get_queryset(request).prefetch_related("sectors")

    def get_inlines(self, request: HttpRequest, obj: Organisation | None = None) -> list:
        # Only hirers have workplaces.
        if obj is not None and obj.kind == Organisation.Kind.HIRER:
            return [SiteInline]
        return []

    @admin.display(description="sectors")
    def sector_codes(self, obj: Organisation) -> str:
        return ", ".join(s.code for s in obj.sectors.all())


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "hirer", "sector"]
    list_filter = ["sector"]
    search_fields = ["code", "name", "hirer__name", "=hirer__kvk"]
    list_select_related = ["hirer", "sector"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "hirer":
            # Only hirers have workplaces; agencies would only be a trap in this list.
            kwargs["queryset"] = Organisation.objects.filter(kind=Organisation.Kind.HIRER)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [
        "username",
        "email",
        "organisation",
        "is_union_admin",
        "is_staff",
        "is_active",
        "last_login",
    ]
    list_filter = ["is_staff", "is_superuser", "is_active", "organisation__kind"]
    list_select_related = ["organisation"]
    search_fields = ["username", "email", "organisation__name", "=organisation__kvk"]
    autocomplete_fields = ["organisation"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Organisation", {"fields": ["organisation"]}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (
            "Organisation",
            {"fields": ["email", "organisation"], "description": "Empty for union staff."},
        ),
    )

    @admin.display(boolean=True, description="union admin")
    def is_union_admin(self, obj: User) -> bool:
        return obj.is_union_admin


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created by ``manage.py api_key_create``, the one place that can show a key once."""

    list_display = ["prefix", "name", "organisation", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["=prefix", "name", "organisation__name", "=organisation__kvk"]
    list_select_related = ["organisation"]
    # The hash is never shown: it is not secret in itself, but nobody needs to see it.
    fields = [
        "prefix",
        "name",
        "organisation",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        # Uploads refer to the key that made them; revoke instead.
        return False

    @admin.action(description="Revoke the selected API keys", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        revoked = 0
        for api_key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(api_key=api_key)
            revoked += 1
        self.message_user(request, f"Revoked {revoked} API key(s).", messages.SUCCESS)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(admin.ModelAdmin):
    """Failed staff and agency logins counted by django-axes (docs/security.md). Deleting an
    attempt, or the "Unlock" action, lets that username and address try again at once."""

    list_display = ["username", "ip_address", "failures_since_start", "attempt_time", "status"]
    list_filter = ["path_info"]
    search_fields = ["=username", "=ip_address"]
    ordering = ["-attempt_time"]
    fields = ["username", "ip_address", "path_info", "failures_since_start", "attempt_time"]
    readonly_fields = fields
    actions = ["unlock"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AccessAttempt | None = None) -> bool:
        # Read-only: an attempt is unlocked by deleting it, never edited.
        return False

    def has_view_permission(self, request: HttpRequest, obj: AccessAttempt | None = None) -> bool:
        return request.user.has_perm("axes.view_accessattempt") or self.has_delete_permission(
            request, obj
        )

    @admin.display(description="status")
    def status(self, obj: AccessAttempt) -> str:
        # A username or an address is locked when its attempts together reach the limit; one
        # row is one username from one address and browser.
        if obj.attempt_time + settings.AXES_COOLOFF_TIME <= timezone.now():
            return "expired (deleted at the next login)"
        if obj.failures_since_start >= settings.AXES_FAILURE_LIMIT:
            return "locked out"
        return "counting"

    @admin.action(description="Unlock: delete the selected attempts", permissions=["delete"])
    def unlock(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        count, _ = queryset.delete()
        self.message_user(
            request,
            f"Unlocked: {count} attempt(s) deleted; their usernames and addresses can log in.",
            messages.SUCCESS,
        )
