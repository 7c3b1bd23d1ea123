from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from enrolment.admin import PersonAccessLogged
from enrolment.models import Membership, Person, PersonAccess
from notifications.admin_letters import VisitLettersAdminMixin
from notifications.models import DeliveryAttempt, Notice, OrganisationNotice, WorkplaceVisit
from notifications.selectors import (
    VISIT_NOTICE_GROUPS,
    visit_access_notices,
    visit_notice_counts,
)
from notifications.services import (
    visit_cancel,
    visit_reschedule,
    visit_schedule,
    visit_validate,
)
from notifications.services.visits import visit_reader_languages
from notifications.visit_texts import (
    NOTE_PHRASES,
    PLACE_PHRASES,
    language_label,
    visit_missing_languages,
    visit_text_source,
)
from unionroll.admin import ReadOnlyAdmin, admin_link
from unionroll.exceptions import ApplicationError


@admin.register(Notice)
class NoticeAdmin(PersonAccessLogged, ReadOnlyAdmin):
    """Notices are recorded by the enrolment flow and sent by tasks; staff only watch them.

    A notice stuck in ``sending`` means a worker stopped mid-delivery: it is not sent again on
    its own (it may have gone out), so staff decide. Errors are codes, never provider texts.
    Opening one is recorded in the access log (enrolment's PersonAccessLogged).
    """

    access_through = PersonAccess.Through.ADMIN_NOTICE

    list_display = [
        "id",
        "kind",
        "status",
        "channel",
        "attempts",
        "last_error",
        "person_link",
        "membership_link",
        "created_at",
        "sent_at",
    ]
    list_filter = ["kind", "status", "channel"]
    search_fields = ["=id", "=person__id", "=membership__id"]
    ordering = ["-id"]
    fields = [
        "person",
        "membership",
        "kind",
        "subject",
        "status",
        "channel",
        "attempts",
        "last_error",
        "provider_id",
        "not_before",
        "queued_at",
        "document",
        "data",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields

    @admin.display(description="person", ordering="person_id")
    def person_link(self, obj: Notice) -> str:
        return admin_link(Person, obj.person_id)

    @admin.display(description="membership", ordering="membership_id")
    def membership_link(self, obj: Notice) -> str:
        return admin_link(Membership, obj.membership_id)


@admin.register(OrganisationNotice)
class OrganisationNoticeAdmin(ReadOnlyAdmin):
    """Access notices of workplace visits to hirers and agencies; sent by tasks, watched here.
    The visit's own page shows those of its current version."""

    list_display = [
        "id",
        "organisation",
        "kind",
        "subject",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    ]
    list_filter = ["kind", "status"]
    list_select_related = ["organisation"]
    search_fields = ["=id", "organisation__name", "=organisation__kvk", "subject"]
    ordering = ["-id"]
    fields = [
        "organisation",
        "kind",
        "subject",
        "status",
        "channel",
        "attempts",
        "last_error",
        "provider_id",
        "not_before",
        "data",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields


# --- Workplace visits -----------------------------------------------------------------------------


def _text_field_name(part: str, code: str) -> str:
    return f"{part}_{code}"


def visit_languages_summary(visit: WorkplaceVisit) -> tuple[str, bool]:
    """Which languages the members at the visit's site read, and which of them have no place
    or note of their own, and whether any is missing: "Members at this site read: Polski (41),
    Română (12). Missing: Română (note)." Counts only, never a name."""
    readers = visit_reader_languages(site_id=visit.site_id, starts_at=visit.starts_at)
    if not readers:
        return "No members at this site in the recent weeks, so no language is missing.", False
    read = ", ".join(f"{language_label(code)} ({n})" for code, n in readers.items())
    missing = visit_missing_languages(visit_text_source(visit), list(readers))
    if not missing:
        return f"Members at this site read: {read}. Every one of these has a text.", False
    gaps = ", ".join(
        f"{language_label(code)} ({', '.join(parts)})" for code, parts in missing.items()
    )
    return (
        f"Members at this site read: {read}. Missing: {gaps}. They read the plain text, with a "
        "line saying it is not yet translated.",
        True,
    )


def _per_language_fields() -> dict[str, forms.Field]:
    """The place and note in each language: form fields, gathered into the visit's
    ``place_translations`` / ``note_translations`` ({language: text}) when the form is clean."""
    fields: dict[str, forms.Field] = {}
    for part in ("place", "note"):
        for code, name in settings.LANGUAGES:
            if part == "place":
                field = forms.CharField(max_length=200, required=False)
            else:
                field = forms.CharField(
                    required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 60})
                )
            field.label = f"{part.capitalize()} in {name}"
            fields[_text_field_name(part, code)] = field
    return fields


# A form class only to declare those fields: the admin builds its form from declared fields.
_PerLanguageTextsForm = type("_PerLanguageTextsForm", (forms.Form,), _per_language_fields())


# The visit's own fields, in the order the form shows them.
VISIT_FIELDS = [
    "site",
    "starts_at",
    "ends_at",
    "place_phrase",
    "place",
    "languages",
    "note_phrases",
    "note",
    "plain_language",
    "notify_days_ahead",
]


class WorkplaceVisitForm(_PerLanguageTextsForm, forms.ModelForm):
    languages = forms.MultipleChoiceField(
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The languages the visiting representatives speak.",
    )
    place_phrase = forms.ChoiceField(
        choices=[("", "(none: write the place below)")]
        + [(key, phrase) for key, phrase in PLACE_PHRASES.items()],
        required=False,
        label="Place from the list",
        help_text="Translated for every member. A written place below is added after it.",
    )
    note_phrases = forms.MultipleChoiceField(
        choices=list(NOTE_PHRASES.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Notes from the list",
        help_text="Translated for every member. A written note below is added after them.",
    )
    plain_language = forms.ChoiceField(
        choices=settings.LANGUAGES,
        initial="nl",
        required=False,
        label="Plain text language",
        help_text="The language the place and note above are written in.",
    )
    # The version this form was opened at: a change saved meanwhile by another admin (and told
    # to members) is not overwritten unseen.
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = WorkplaceVisit
        fields = VISIT_FIELDS

    TEXT_FIELDS = list(_per_language_fields())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version
        if "notify_days_ahead" in self.fields and not self.instance.pk:
            self.fields["notify_days_ahead"].initial = settings.UNIONROLL_VISIT_NOTICE_DAYS
        if "place" in self.fields:
            self.fields["place"].help_text = (
                "Plain text, for members whose language has no place of its own below (they "
                "also read that it is not yet translated)."
            )
        if "note" in self.fields:
            self.fields["note"].help_text = (
                "Plain text, for members whose language has no note of its own below: keep it "
                "short."
            )
        cancelled = self.instance.status == WorkplaceVisit.Status.CANCELLED
        for part in ("place", "note"):
            saved = getattr(self.instance, f"{part}_translations", None) or {}
            for code, _name in settings.LANGUAGES:
                field = self.fields[_text_field_name(part, code)]
                field.initial = saved.get(code, "")
                field.disabled = cancelled

    def _translations(self, data: dict, part: str) -> dict[str, str]:
        texts = {code: data.get(_text_field_name(part, code)) for code, _ in settings.LANGUAGES}
        return {code: text.strip() for code, text in texts.items() if text and text.strip()}

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
        data["place_translations"] = self._translations(data, "place")
        data["note_translations"] = self._translations(data, "note")
        try:
            visit_validate(
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                place=data.get("place") or "",
                languages=data.get("languages") or [],
                notify_days_ahead=data["notify_days_ahead"],
                now=timezone.now(),
                note=data.get("note") or "",
                place_phrase=data.get("place_phrase") or "",
                note_phrases=data.get("note_phrases") or [],
                place_translations=data["place_translations"],
                note_translations=data["note_translations"],
                plain_language=data.get("plain_language") or "nl",
            )
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
        return data


@admin.register(WorkplaceVisit)
class WorkplaceVisitAdmin(VisitLettersAdminMixin, admin.ModelAdmin):
    """Union admins schedule visits here (the add form), move them (change the time or place:
    everyone already told hears of it) and cancel them (the action). Every save goes through
    notifications.services, whose fan-out records the notices on commit.

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
        visit = list(VISIT_FIELDS)
        per_language = (
            "In each language",
            {
                "fields": WorkplaceVisitForm.TEXT_FIELDS,
                "description": (
                    visit_languages_summary(obj)[0]
                    if obj is not None
                    else "Once saved, this says which languages the members at the site read "
                    "and which of them still lack a text."
                ),
            },
        )
        if obj is None:
            return [(None, {"fields": visit}), per_language]
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
            per_language,
            ("Notices of this version", {"fields": ["member_notice_table", "access_notice_table"]}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: WorkplaceVisit | None = None):
        if obj is None:
            return []
        readonly = ["site", "status", "version", "created_by", "created_at"]
        readonly += ["member_notice_table", "access_notice_table"]
        if obj.status == WorkplaceVisit.Status.CANCELLED:
            readonly += [field for field in VISIT_FIELDS if field != "site"]
        return readonly

    def save_model(self, request: HttpRequest, obj: WorkplaceVisit, form, change: bool) -> None:
        data = form.cleaned_data
        texts = {
            "place": data.get("place") or "",
            "place_phrase": data.get("place_phrase") or "",
            "place_translations": data["place_translations"],
            "note": data.get("note") or "",
            "note_phrases": data.get("note_phrases") or [],
            "note_translations": data["note_translations"],
            "plain_language": data.get("plain_language") or "nl",
        }
        try:
            if not change:
                visit = visit_schedule(
                    site=data["site"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    languages=data.get("languages") or [],
                    notify_days_ahead=data["notify_days_ahead"],
                    created_by=request.user,
                    **texts,
                )
            else:
                visit = visit_reschedule(
                    visit_id=obj.pk,
                    expected_version=data.get("seen_version"),
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    languages=data.get("languages") or [],
                    notify_days_ahead=data["notify_days_ahead"],
                    **texts,
                )
        except ApplicationError as exc:
            # A race the form could not see (cancelled or started meanwhile).
            self.message_user(request, exc.message, messages.ERROR)
            return
        summary, missing = visit_languages_summary(visit)
        # Saved all the same: a missing translation is worth knowing, not worth refusing.
        if missing:
            self.message_user(request, summary, messages.WARNING)
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


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(ReadOnlyAdmin):
    """Every try at sending anything (notices, access notices, payment reminders, sign-in
    links), written by the outbound pipeline: what was tried when, and how it ended. No address
    and no text: an item is named by its kind and id, a failure by its code."""

    list_display = [
        "id",
        "item",
        "item_id",
        "attempt",
        "channel",
        "result",
        "code",
        "at",
        "retry_at",
    ]
    list_filter = ["item", "result", "channel"]
    search_fields = ["=item_id", "code"]
    ordering = ["-id"]
    fields = list_display
