from __future__ import annotations

from django.contrib import admin

from enrolment.admin import ReadOnlyAdmin, admin_link
from enrolment.models import Membership, Person
from notifications.models import Notice, OrganisationNotice


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    """Notices are recorded by the enrolment flow and sent by tasks; staff only watch them.

    A notice stuck in ``sending`` means a worker stopped mid-delivery: it is not sent again on
    its own (it may have gone out), so staff decide. Errors are codes, never provider texts.
    """

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
    The visit's own page (employers) shows those of its current version."""

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
