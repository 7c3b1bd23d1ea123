"""The admin for union staff. Rows come from rosters and changes go through services, so most of
these pages are read-only; personal data appears only on a person's own page, masked in lists.

Every page that shows one person's data records the read in the access log
(``PersonAccessLogged``; docs/enrolment.md, "Who read what"), and persons are found by name,
phone or e-mail only through the "Find a person" form, whose terms travel in a POST body.
"""

from __future__ import annotations

import logging

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from employers.models import Sector
from enrolment.models import (
    AccessCode,
    ContactChange,
    EnrolmentPolicy,
    Membership,
    MembershipEvent,
    MinimumWageRate,
    MinimumWageYouthShare,
    PayrollLine,
    Person,
    PersonAccess,
    PossibleDuplicate,
    RightsText,
    RosterUpload,
    SignInLink,
    WorkerNumber,
)
from enrolment.selectors import PERSON_SEARCH_LIMIT, persons_find
from enrolment.services import (
    membership_opt_out,
    person_access_record,
    possible_duplicate_confirm,
    possible_duplicate_dismiss,
)
from enrolment.services.member_details import person_postal_address_set, postal_address_clean
from unionroll.admin import ReadOnlyAdmin, ReadOnlyInline, admin_link, mask_identifier, mask_name
from unionroll.exceptions import ApplicationError

logger = logging.getLogger(__name__)

# Membership admin action reason (MembershipEvent.reason holds at most 40 characters).
PHONED_THE_UNION = "phoned the union"

Through = PersonAccess.Through


class PersonAccessLogged:
    """For a ModelAdmin whose change page shows one person's data (or a few persons'): each time
    the page is shown, one access-log row per person (docs/enrolment.md, "Who read what").

    ``access_through`` says which page it is; ``access_person_ids`` which persons the object
    shows (its ``person_id`` unless overridden). Lists are not logged: they show ids and masked
    names only. tests/enrolment/test_access_log.py walks every registered admin page whose model
    refers to a person, a membership or a notice, and fails for one that does not log.
    """

    access_through: str = ""

    def access_person_ids(self, obj) -> list[int]:
        return [obj.person_id]

    def access_detail(self, obj) -> str:
        return f"{obj._meta.verbose_name} {obj.pk}"

    def render_change_form(
        self, request: HttpRequest, context, add=False, change=False, form_url="", obj=None
    ):
        # Called only when the page is about to show the object (a GET, or a POST with errors);
        # a save that redirects shows nothing new.
        if obj is not None and obj.pk is not None:
            person_access_record(
                user=request.user,
                person_ids=self.access_person_ids(obj),
                through=self.access_through,
                detail=self.access_detail(obj),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)


class MembershipPersonAccessLogged(PersonAccessLogged):
    """For objects that belong to a membership: the person is the membership's."""

    def access_person_ids(self, obj) -> list[int]:
        return [Membership.objects.values_list("person_id", flat=True).get(pk=obj.membership_id)]


def access_log_viewer(request: HttpRequest) -> bool:
    """Union staff allowed to read the access log."""
    user = request.user
    return bool(
        user.is_active
        and getattr(user, "is_union_admin", False)
        and user.has_perm("enrolment.view_personaccess")
    )


def person_finder(request: HttpRequest) -> bool:
    """Union staff allowed to find persons by name, phone or e-mail. Agency and hirer users,
    even with a staff flag, never: they learn nothing of anyone's union status."""
    user = request.user
    return bool(
        user.is_active
        and getattr(user, "is_union_admin", False)
        and user.has_perm("enrolment.view_person")
    )


@admin.register(EnrolmentPolicy)
class EnrolmentPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "sector",
        "covered",
        "minimum_age",
        "opt_out_window_months",
        "reenrol_after_days",
        "lapse_weeks",
    ]
    list_filter = ["covered"]
    list_select_related = ["sector"]
    search_fields = ["sector__code", "sector__name"]
    readonly_fields = ["sector"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A policy is made with its sector (sector_add, or the sector page's inline).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


class EnrolmentPolicyInline(admin.StackedInline):
    model = EnrolmentPolicy
    # Every sector has exactly one policy: the form insists on it and it cannot be removed.
    min_num = 1
    max_num = 1
    extra = 0
    can_delete = False


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    """Sectors are employers' rows, but their page is here: a sector is added with its enrolment
    policy (the inline), and employers knows nothing of enrolment."""

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


class WorkerNumberInline(ReadOnlyInline):
    model = WorkerNumber
    fields = ["organisation", "worker_number", "created_at"]
    readonly_fields = fields


class MembershipInline(ReadOnlyInline):
    model = Membership
    fields = ["sector", "status", "covered_from", "window_ends", "void", "ended_on"]
    readonly_fields = fields


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ["postal_address"]
        widgets = {"postal_address": forms.Textarea(attrs={"rows": 4, "cols": 50})}
        help_texts = {
            "postal_address": (
                "Only an address the member gave the union themselves (never one from an "
                "employer or a roster). Letters can then be posted to it; one line per line "
                "on the envelope, without the name."
            )
        }

    def clean_postal_address(self) -> str:
        try:
            return postal_address_clean(self.cleaned_data.get("postal_address"))
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None


class PersonFindForm(forms.Form):
    """The terms of a person search. Sent by POST only: they never appear in a URL."""

    name = forms.CharField(
        max_length=200,
        required=False,
        help_text="First and/or last name, in any case, with or without accents.",
    )
    phone = forms.CharField(
        max_length=40, required=False, help_text="With the country code, e.g. +48 601 234 567."
    )
    email = forms.CharField(max_length=254, required=False, label="E-mail")
    date_of_birth = forms.DateField(
        required=False,
        help_text="Optional, with one of the above (YYYY-MM-DD).",
        widget=forms.DateInput(attrs={"type": "date"}),
    )


@admin.register(Person)
class PersonAdmin(PersonAccessLogged, ReadOnlyAdmin):
    """Persons come from rosters and are changed by the services; the one field a union admin
    edits here is the postal address the member gave the union."""

    access_through = Through.ADMIN_PERSON
    form = PersonForm
    change_list_template = "admin/enrolment/person/change_list.html"
    list_display = [
        "id",
        "masked_name",
        "year_of_birth",
        "language",
        "has_email",
        "has_phone",
        "merged",
        "created_at",
    ]
    list_filter = ["language", ("merged_into", admin.EmptyFieldListFilter)]
    # Search by id only: a search term travels in the URL, and names, numbers and addresses
    # must never end up in URLs (and so in access logs). "Find a person" (a POST form) finds
    # them by name, phone or e-mail.
    search_fields = ["=id"]
    ordering = ["-id"]
    # bsn_hash is never shown, let alone editable; the page says only whether there is one.
    fields = [
        "first_name",
        "last_name",
        "date_of_birth",
        "email",
        "email_set_by_member",
        "phone",
        "phone_set_by_member",
        "language",
        "language_set_by_member",
        "postal_address",
        "has_bsn_hash",
        "merged_into",
        "created_at",
        "updated_at",
        "who_read",
    ]
    readonly_fields = [field for field in fields if field != "postal_address"]
    inlines = [WorkerNumberInline, MembershipInline]

    def get_urls(self):
        urls = [
            path(
                "find/",
                self.admin_site.admin_view(self.find_view),
                name="enrolment_person_find",
            )
        ]
        return urls + super().get_urls()

    @method_decorator(sensitive_post_parameters("name", "phone", "email", "date_of_birth"))
    @method_decorator(never_cache)
    def find_view(self, request: HttpRequest) -> HttpResponse:
        """Find a person by name, phone or e-mail: a POST form whose answer is the list itself
        (no redirect, no terms in any URL or log). Each search records who saw whom."""
        if not person_finder(request):
            raise PermissionDenied
        form = PersonFindForm(request.POST if request.method == "POST" else None)
        found = None
        if request.method == "POST" and form.is_valid():
            try:
                found = persons_find(**form.cleaned_data)
            except ApplicationError as exc:
                for field, errors in (exc.detail or {}).items():
                    for error in errors:
                        form.add_error(None if field == "__all__" else field, error)
            else:
                shown = len(found.persons)
                person_access_record(
                    user=request.user,
                    person_ids=[person.pk for person in found.persons],
                    through=Through.SEARCH,
                    detail=f"by {', '.join(found.fields)}; {shown} shown",
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Find a person",
            "opts": self.model._meta,
            "form": form,
            "found": found,
            "limit": PERSON_SEARCH_LIMIT,
        }
        # Names on the page: never_cache keeps it out of a browser's or proxy's cache.
        return TemplateResponse(request, "admin/enrolment/person/find.html", context)

    def access_person_ids(self, obj: Person) -> list[int]:
        return [obj.pk]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {**(extra_context or {}), "can_find_persons": person_finder(request)}
        return super().changelist_view(request, extra_context)

    @admin.display(description="access log")
    def who_read(self, obj: Person) -> str:
        url = reverse("admin:enrolment_personaccess_changelist")
        return format_html(
            '<a href="{}?person__id__exact={}">Who read this person\'s data</a>', url, obj.pk
        )

    def get_fields(self, request: HttpRequest, obj: Person | None = None) -> list[str]:
        fields = list(super().get_fields(request, obj))
        if not access_log_viewer(request):
            fields.remove("who_read")
        return fields

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        # Only the postal address can be changed here (every other field is read-only).
        user = request.user
        return (
            user.is_active
            and getattr(user, "is_union_admin", False)
            and user.has_perm("enrolment.change_person")
        )

    def save_model(self, request: HttpRequest, obj: Person, form, change: bool) -> None:
        if "postal_address" in form.changed_data:
            person_postal_address_set(person_id=obj.pk, address=form.cleaned_data["postal_address"])
            logger.info(
                "admin user %s set the postal address of person %s", request.user.pk, obj.pk
            )

    @admin.display(description="name")
    def masked_name(self, obj: Person) -> str:
        return mask_name(obj.first_name, obj.last_name)

    @admin.display(description="born", ordering="date_of_birth")
    def year_of_birth(self, obj: Person) -> int:
        return obj.date_of_birth.year

    @admin.display(boolean=True, description="e-mail")
    def has_email(self, obj: Person) -> bool:
        return bool(obj.email)

    @admin.display(boolean=True, description="phone")
    def has_phone(self, obj: Person) -> bool:
        return bool(obj.phone)

    @admin.display(boolean=True, description="merged")
    def merged(self, obj: Person) -> bool:
        return obj.merged_into_id is not None

    @admin.display(boolean=True, description="BSN hash on file")
    def has_bsn_hash(self, obj: Person) -> bool:
        return bool(obj.bsn_hash)


@admin.register(WorkerNumber)
class WorkerNumberAdmin(PersonAccessLogged, ReadOnlyAdmin):
    access_through = Through.ADMIN_WORKER_NUMBER
    list_display = ["id", "organisation", "masked_worker_number", "person_link", "created_at"]
    list_filter = ["organisation__kind"]
    list_select_related = ["organisation"]
    search_fields = ["=organisation__kvk", "organisation__name"]
    fields = ["organisation", "worker_number", "person", "created_at"]
    readonly_fields = fields

    @admin.display(description="worker number")
    def masked_worker_number(self, obj: WorkerNumber) -> str:
        return mask_identifier(obj.worker_number)

    @admin.display(description="person", ordering="person_id")
    def person_link(self, obj: WorkerNumber) -> str:
        return admin_link(Person, obj.person_id)


@admin.register(PossibleDuplicate)
class PossibleDuplicateAdmin(PersonAccessLogged, ReadOnlyAdmin):
    access_through = Through.ADMIN_POSSIBLE_DUPLICATE
    list_display = [
        "id",
        "person_link",
        "candidate_link",
        "reason",
        "upload",
        "status",
        "created_at",
        "decided_at",
        "decided_by",
    ]
    list_filter = ["status", "reason"]
    list_select_related = ["upload", "decided_by"]
    search_fields = ["=id", "=person__id", "=candidate__id"]
    fields = [
        "person",
        "candidate",
        "reason",
        "upload",
        "status",
        "created_at",
        "decided_at",
        "decided_by",
    ]
    readonly_fields = fields
    actions = ["confirm", "dismiss"]

    def access_person_ids(self, obj: PossibleDuplicate) -> list[int]:
        return [obj.person_id, obj.candidate_id]

    @admin.display(description="person", ordering="person_id")
    def person_link(self, obj: PossibleDuplicate) -> str:
        return admin_link(Person, obj.person_id)

    @admin.display(description="candidate", ordering="candidate_id")
    def candidate_link(self, obj: PossibleDuplicate) -> str:
        return admin_link(Person, obj.candidate_id)

    def has_decide_permission(self, request: HttpRequest) -> bool:
        # The form is read-only, but deciding is a change all the same.
        return request.user.has_perm("enrolment.change_possibleduplicate")

    @admin.action(description="Confirm (merge the two persons)", permissions=["decide"])
    def confirm(self, request: HttpRequest, queryset: QuerySet[PossibleDuplicate]) -> None:
        self._decide(request, queryset, possible_duplicate_confirm, "Merged")

    @admin.action(description="Dismiss (they are different people)", permissions=["decide"])
    def dismiss(self, request: HttpRequest, queryset: QuerySet[PossibleDuplicate]) -> None:
        self._decide(request, queryset, possible_duplicate_dismiss, "Dismissed")

    def _decide(self, request, queryset, service, verb: str) -> None:
        done = 0
        for duplicate in queryset.filter(status=PossibleDuplicate.Status.OPEN).order_by("pk"):
            try:
                service(duplicate=duplicate, user=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"#{duplicate.pk}: {exc.message}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, f"{verb} {done} possible duplicate(s).", messages.SUCCESS)


def _signed_in_by(event: MembershipEvent) -> str:
    """How the member had signed in when they made this change in the portal: by a link to
    their phone or e-mail, or by the letter's code alone (which whoever holds the letter and
    knows the date of birth could use: such a leave can be undone by the member for 14
    days)."""
    how = (event.data or {}).get("signed_in_by", "")
    return {"code": "letter code", "link": "link"}.get(how, "")


class LeaveSignInFilter(admin.SimpleListFilter):
    title = "signed in by"
    parameter_name = "signed_in_by"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("code", "letter code"), ("link", "link")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("code", "link"):
            return queryset.filter(data__signed_in_by=self.value())
        return queryset


class LeftByCodeFilter(admin.SimpleListFilter):
    """Memberships whose current leave was made after signing in by the letter's code."""

    title = "left after signing in by"
    parameter_name = "left_by"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("code", "letter code")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "code":
            return queryset.filter(
                status=Membership.Status.OPTED_OUT,
                events__reason="opt_out",
                events__data__signed_in_by="code",
            ).distinct()
        return queryset


class MembershipEventInline(ReadOnlyInline):
    model = MembershipEvent
    show_change_link = False
    fields = [
        "occurred_at",
        "from_status",
        "to_status",
        "actor",
        "actor_user",
        "reason",
        "signed_in_by",
        "upload",
    ]
    readonly_fields = fields

    @admin.display(description="signed in by")
    def signed_in_by(self, obj: MembershipEvent) -> str:
        return _signed_in_by(obj)


@admin.register(Membership)
class MembershipAdmin(PersonAccessLogged, ReadOnlyAdmin):
    access_through = Through.ADMIN_MEMBERSHIP
    list_display = [
        "id",
        "person_link",
        "sector",
        "status",
        "spell",
        "covered_from",
        "window_ends",
        "void",
        "last_seen_period_end",
    ]
    list_filter = ["status", "sector", "void", LeftByCodeFilter]
    list_select_related = ["sector"]
    search_fields = ["=id", "=person__id"]
    ordering = ["-id"]
    # Status and dates change only through the services, which also write the event.
    fields = [
        "person",
        "sector",
        "status",
        "spell",
        "covered_from",
        "enrolled_on",
        "window_ends",
        "window_waits_for_letter",
        "void",
        "opted_out_on",
        "ended_on",
        "last_seen_period_end",
        "enrolled_by_upload",
        "merged_into",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    inlines = [MembershipEventInline]
    actions = ["opt_out_by_phone"]

    @admin.display(description="person", ordering="person_id")
    def person_link(self, obj: Membership) -> str:
        return admin_link(Person, obj.person_id)

    def has_opt_out_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("enrolment.change_membership")

    @admin.action(description="Opt out (the member phoned the union)", permissions=["opt_out"])
    def opt_out_by_phone(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        done = 0
        for membership in queryset.order_by("pk"):
            try:
                membership_opt_out(
                    membership=membership,
                    actor=MembershipEvent.Actor.ADMIN,
                    reason=PHONED_THE_UNION,
                    user=request.user,
                )
            except ApplicationError as exc:
                self.message_user(request, f"#{membership.pk}: {exc.message}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, f"Opted out {done} membership(s).", messages.SUCCESS)


@admin.register(MembershipEvent)
class MembershipEventAdmin(MembershipPersonAccessLogged, ReadOnlyAdmin):
    """Append-only: the database refuses updates and deletes, and so does this page."""

    access_through = Through.ADMIN_MEMBERSHIP_EVENT

    list_display = [
        "id",
        "membership_link",
        "from_status",
        "to_status",
        "occurred_at",
        "actor",
        "reason",
        "signed_in_by",
    ]
    list_filter = ["actor", "to_status", "reason", LeaveSignInFilter]
    search_fields = ["=membership__id"]
    ordering = ["-id"]
    fields = [
        "membership",
        "from_status",
        "to_status",
        "occurred_at",
        "actor",
        "actor_user",
        "upload",
        "reason",
        "note",
        "data",
    ]
    readonly_fields = fields

    @admin.display(description="membership", ordering="membership_id")
    def membership_link(self, obj: MembershipEvent) -> str:
        return admin_link(Membership, obj.membership_id)

    @admin.display(description="signed in by")
    def signed_in_by(self, obj: MembershipEvent) -> str:
        return _signed_in_by(obj)


@admin.register(RosterUpload)
class RosterUploadAdmin(ReadOnlyAdmin):
    # No file name in the list: payroll staff sometimes name a file after a worker.
    list_display = [
        "id",
        "organisation",
        "source",
        "status",
        "period_start",
        "period_end",
        "rows",
        "error_count",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "source"]
    list_select_related = ["organisation"]
    search_fields = ["=id", "=organisation__kvk", "organisation__name"]
    date_hierarchy = "created_at"
    # The stored file stays out of the admin: a roster is full of personal data.
    fields = [
        "organisation",
        "source",
        "uploaded_by",
        "api_key",
        "original_filename",
        "sha256",
        "size",
        "status",
        "failure_reason",
        "period_start",
        "period_end",
        "rows",
        "counts",
        "changes",
        "warnings",
        "error_count",
        "errors",
        "duplicate_of",
        "replaces",
        "superseded_by",
        "created_at",
        "started_at",
        "finished_at",
    ]
    readonly_fields = fields


@admin.register(PayrollLine)
class PayrollLineAdmin(PersonAccessLogged, ReadOnlyAdmin):
    access_through = Through.ADMIN_PAYROLL_LINE
    list_display = [
        "id",
        "upload",
        "row_number",
        "organisation",
        "sector",
        "hirer",
        "site",
        "period_start",
        "period_end",
        "superseded_by",
    ]
    list_filter = ["sector", ("superseded_by", admin.EmptyFieldListFilter)]
    list_select_related = ["upload", "organisation", "sector", "hirer", "site", "superseded_by"]
    search_fields = ["=upload__id", "=organisation__kvk"]
    # Millions of rows: counting them all for the "show all" link is not worth it.
    show_full_result_count = False
    fields = [
        "upload",
        "row_number",
        "organisation",
        "person",
        "worker_number",
        "sector",
        "hirer",
        "site",
        "period_start",
        "period_end",
        "cao_phase",
        "hours_worked",
        "gross_wages",
        "housing_deduction",
        "superseded_by",
    ]
    readonly_fields = fields


@admin.register(MinimumWageRate)
class MinimumWageRateAdmin(admin.ModelAdmin):
    """Union admins add each new statutory rate (indexed every January and July)."""

    list_display = ["valid_from", "hourly"]


@admin.register(MinimumWageYouthShare)
class MinimumWageYouthShareAdmin(admin.ModelAdmin):
    list_display = ["age", "percent"]


@admin.register(SignInLink)
class SignInLinkAdmin(MembershipPersonAccessLogged, ReadOnlyAdmin):
    """Who asked for portal sign-in links and whether they were used; never the token."""

    access_through = Through.ADMIN_SIGN_IN_LINK

    list_display = [
        "id",
        "membership_link",
        "channel",
        "created_at",
        "sent_at",
        "expires_at",
        "used_at",
    ]
    fields = ["membership_link", "channel", "created_at", "sent_at", "expires_at", "used_at"]
    readonly_fields = fields

    @admin.display(description="membership")
    def membership_link(self, obj: SignInLink) -> str:
        return admin_link(Membership, obj.membership_id)


@admin.register(AccessCode)
class AccessCodeAdmin(MembershipPersonAccessLogged, ReadOnlyAdmin):
    """That a printed code exists for a membership; the code itself is not kept."""

    access_through = Through.ADMIN_ACCESS_CODE

    list_display = ["id", "membership_link", "created_at"]
    fields = ["membership_link", "created_at"]
    readonly_fields = fields

    @admin.display(description="membership")
    def membership_link(self, obj: AccessCode) -> str:
        return admin_link(Membership, obj.membership_id)


@admin.register(ContactChange)
class ContactChangeAdmin(PersonAccessLogged, ReadOnlyAdmin):
    """New phone numbers and addresses members asked for in the portal and whether the code
    was typed; never the new number or address, never the code."""

    access_through = Through.ADMIN_CONTACT_CHANGE

    list_display = [
        "id",
        "person_link",
        "field",
        "created_at",
        "sent_at",
        "expires_at",
        "attempts",
        "confirmed_at",
    ]
    list_filter = ["field"]
    fields = [
        "person_link",
        "field",
        "created_at",
        "sent_at",
        "expires_at",
        "attempts",
        "confirmed_at",
    ]
    readonly_fields = fields

    @admin.display(description="person")
    def person_link(self, obj: ContactChange) -> str:
        return admin_link(Person, obj.person_id)


class RightsTextForm(forms.ModelForm):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    phase = forms.ChoiceField(
        choices=[("", "every phase"), *((p, f"phase {p}") for p in ("A", "B", "C"))],
        required=False,
    )

    class Meta:
        model = RightsText
        fields = ["topic", "language", "sector", "phase", "valid_from", "title", "body"]
        help_texts = {
            "sector": "Leave empty for every sector.",
            "valid_from": "Members see the newest version valid on the day they read it. To "
            'change a text from a later date, add a new version ("Save as new").',
            "body": "Plain text; an empty line starts a new paragraph. In the minimum wage text, "
            "{minimum_wage} becomes the member's hourly amount and {age} their age.",
        }

    def clean(self) -> dict:
        cleaned = super().clean()
        body = cleaned.get("body") or ""
        if cleaned.get("topic") == RightsText.Topic.MINIMUM_WAGE and "{minimum_wage}" not in body:
            # Without it members would read the rules but not the amount owed to them.
            raise forms.ValidationError(
                "The minimum wage text must contain {minimum_wage}, where the amount goes."
            )
        return cleaned


@admin.register(RightsText)
class RightsTextAdmin(admin.ModelAdmin):
    """Union admins edit the rights information members read, per sector, phase and language.

    A change that should start on a later date is a new version: "Save as new" with a later
    "valid from"; the old one stays until then.
    """

    form = RightsTextForm
    list_display = ["title", "topic", "language", "sector", "phase", "valid_from", "updated_at"]
    list_filter = ["topic", "language", "sector", "phase"]
    list_select_related = ["sector"]
    search_fields = ["title"]
    ordering = ["topic", "language", "sector", "phase", "-valid_from"]
    save_as = True
    readonly_fields = ["updated_at"]


@admin.register(PersonAccess)
class PersonAccessAdmin(ReadOnlyAdmin):
    """Who read what: append-only (the database refuses updates and deletes), read-only here for
    everyone. Reading this log is not itself logged: it shows ids, staff names and ways in,
    none of the members' data (docs/enrolment.md, "Who read what")."""

    list_display = ["at", "username", "person_link", "through", "detail"]
    list_filter = ["through", ("at", admin.DateFieldListFilter)]
    # By person id only: a search term travels in the URL.
    search_fields = ["=person__id"]
    ordering = ["-at", "-id"]
    fields = ["at", "user", "username", "person_link", "through", "detail"]
    readonly_fields = fields
    show_full_result_count = False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return access_log_viewer(request)

    def has_view_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return access_log_viewer(request)

    @admin.display(description="person", ordering="person_id")
    def person_link(self, obj: PersonAccess) -> str:
        return admin_link(Person, obj.person_id)
