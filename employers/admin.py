from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from employers.models import ApiKey, Organisation, Sector, Site, User, WorkplaceVisit
from employers.selectors import (
    VISIT_NOTICE_GROUPS,
    visit_access_notices,
    visit_notice_counts,
)
from employers.services import (
    api_key_revoke,
    visit_cancel,
    visit_reschedule,
    visit_schedule,
    visit_validate,
)
from enrolment.models import EnrolmentPolicy
from unionroll.exceptions import ApplicationError


class EnrolmentPolicyInline(admin.StackedInline):
    model = EnrolmentPolicy
    # Every sector has exactly one policy: the form insists on it and it cannot be removed.
    min_num = 1
    max_num = 1
    extra = 0
    can_delete = False


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "collective_agreement", "covered"]
    list_filter = ["policy__covered"]
    search_fields = ["code", "name", "collective_agreement"]
    inlines = [EnrolmentPolicyInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Sector]:
        return super().get_queryset(request).select_related("policy")

    @admin.display(boolean=True, description="covered", ordering="policy__covered")
    def covered(self, obj: Sector) -> bool | None:
        policy = getattr(obj, "policy", None)
        return policy.covered if policy else None


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


# --- Workplace visits -----------------------------------------------------------------------------


class WorkplaceVisitForm(forms.ModelForm):
    languages = forms.MultipleChoiceField(
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The languages the visiting representatives speak.",
    )
    # The version this form was opened at: a change saved meanwhile by another admin (and told
    # to members) is not overwritten unseen.
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = WorkplaceVisit
        fields = ["site", "starts_at", "ends_at", "place", "languages", "note", "notify_days_ahead"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version
        if "notify_days_ahead" in self.fields and not self.instance.pk:
            self.fields["notify_days_ahead"].initial = settings.UNIONROLL_VISIT_NOTICE_DAYS
        if "note" in self.fields:
            self.fields[
                "note"
            ].help_text = (
                "Shown to members as it is written, whatever their language: keep it short."
            )

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        if self.instance.pk and self.instance.status == WorkplaceVisit.Status.CANCELLED:
            raise forms.ValidationError("A cancelled visit cannot be changed.")
        seen = data.get("seen_version")
        if self.instance.pk and seen is not None and seen != self.instance.version:
            raise forms.ValidationError(
                "Someone changed this visit after you opened it. Open it again to see the "
                "change before you save yours."
            )
        try:
            visit_validate(
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                place=data.get("place") or "",
                languages=data.get("languages") or [],
                notify_days_ahead=data["notify_days_ahead"],
                now=timezone.now(),
            )
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
        return data


@admin.register(WorkplaceVisit)
class WorkplaceVisitAdmin(admin.ModelAdmin):
    """Union admins schedule visits here (the add form), move them (change the time or place:
    everyone already told hears of it) and cancel them (the action). Every save goes through
    employers.services, which records the notices on commit.

    Counts are of the current version; members' names never show here.
    """

    form = WorkplaceVisitForm
    list_display = [
        "id",
        "site",
        "starts_at",
        "place",
        "status",
        "version",
        "member_notices",
        "access_notices_summary",
    ]
    list_filter = ["status", "site__sector"]
    list_select_related = ["site"]
    search_fields = ["site__name", "site__code", "site__hirer__name", "place"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at"]
    actions = ["cancel_visits"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and getattr(request.user, "is_union_admin", False)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Notices name the visit they announce; cancel instead.
        return False

    def get_fieldsets(self, request: HttpRequest, obj: WorkplaceVisit | None = None):
        visit = [
            "site",
            "starts_at",
            "ends_at",
            "place",
            "languages",
            "note",
            "notify_days_ahead",
        ]
        if obj is None:
            return [(None, {"fields": visit})]
        return [
            (
                None,
                {
                    "fields": [
                        *visit,
                        "status",
                        "version",
                        "created_by",
                        "created_at",
                        "seen_version",
                    ]
                },
            ),
            ("Notices of this version", {"fields": ["member_notice_table", "access_notice_table"]}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: WorkplaceVisit | None = None):
        if obj is None:
            return []
        readonly = ["site", "status", "version", "created_by", "created_at"]
        readonly += ["member_notice_table", "access_notice_table"]
        if obj.status == WorkplaceVisit.Status.CANCELLED:
            readonly += ["starts_at", "ends_at", "place", "languages", "note", "notify_days_ahead"]
        return readonly

    def save_model(self, request: HttpRequest, obj: WorkplaceVisit, form, change: bool) -> None:
        data = form.cleaned_data
        try:
            if not change:
                visit = visit_schedule(
                    site=data["site"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    place=data["place"],
                    languages=data.get("languages") or [],
                    note=data.get("note") or "",
                    notify_days_ahead=data["notify_days_ahead"],
                    created_by=request.user,
                )
            else:
                visit = visit_reschedule(
                    visit_id=obj.pk,
                    expected_version=data.get("seen_version"),
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    place=data["place"],
                    languages=data.get("languages") or [],
                    note=data.get("note") or "",
                    notify_days_ahead=data["notify_days_ahead"],
                )
        except ApplicationError as exc:
            # A race the form could not see (cancelled or started meanwhile).
            self.message_user(request, exc.message, messages.ERROR)
            return
        # The admin goes on with this object (its log entry, the redirect).
        obj.pk, obj.version, obj.created_at = visit.pk, visit.version, visit.created_at

    @admin.action(description="Cancel the selected visits (everyone told hears it)")
    def cancel_visits(self, request: HttpRequest, queryset: QuerySet[WorkplaceVisit]) -> None:
        cancelled, refused = 0, 0
        for visit_id in queryset.filter(status=WorkplaceVisit.Status.SCHEDULED).values_list(
            "pk", flat=True
        ):
            try:
                visit_cancel(visit_id=visit_id)
                cancelled += 1
            except ApplicationError:
                refused += 1
        self.message_user(request, f"Cancelled {cancelled} visit(s).", messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                f"{refused} visit(s) were already over and stay as they were.",
                messages.WARNING,
            )

    @admin.display(description="member notices")
    def member_notices(self, obj: WorkplaceVisit) -> str:
        counts = visit_notice_counts(visit=obj).by_group()
        shown = [f"{n} {group.replace('_', ' ')}" for group, n in counts.items() if n]
        return ", ".join(shown) or "none"

    @admin.display(description="access notices")
    def access_notices_summary(self, obj: WorkplaceVisit) -> str:
        notices = visit_access_notices(visit=obj)
        sent = sum(1 for n in notices if n.status == "sent")
        return f"{sent} of {len(notices)} sent" if notices else "none"

    @admin.display(description="member notices by channel")
    def member_notice_table(self, obj: WorkplaceVisit) -> str:
        counts = visit_notice_counts(visit=obj)
        if not counts.total:
            return "No member notices for this version."
        header = format_html_join(
            "", "<th>{}</th>", ((g.replace("_", " "),) for g in VISIT_NOTICE_GROUPS)
        )
        rows = format_html_join(
            "",
            "<tr><th>{}</th>{}</tr>",
            (
                (
                    channel,
                    format_html_join(
                        "", "<td>{}</td>", ((groups[g],) for g in VISIT_NOTICE_GROUPS)
                    ),
                )
                for channel, groups in sorted(counts.by_channel.items())
            ),
        )
        totals = counts.by_group()
        total_row = format_html_join("", "<td>{}</td>", ((totals[g],) for g in VISIT_NOTICE_GROUPS))
        return format_html(
            "<table><thead><tr><th>channel</th>{}</tr></thead><tbody>{}"
            "<tr><th>all ({})</th>{}</tr></tbody></table>",
            header,
            rows,
            counts.total,
            total_row,
        )

    @admin.display(description="access notices")
    def access_notice_table(self, obj: WorkplaceVisit) -> str:
        notices = visit_access_notices(visit=obj)
        if not notices:
            return "No access notices for this version."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    n.organisation.name,
                    n.data.get("role", ""),
                    n.status,
                    timezone.localtime(n.sent_at).strftime("%Y-%m-%d %H:%M") if n.sent_at else "",
                    n.last_error,
                )
                for n in notices
            ),
        )
        return format_html(
            "<table><thead><tr><th>organisation</th><th>as</th><th>status</th><th>sent</th>"
            "<th>error</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )
