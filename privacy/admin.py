"""The erasure in the admin: an action on the Person admin (with a confirmation page asking for
the reason and showing why it is not possible yet, if it is not), and the read-only list of
erasures.

Enrolment registers the Person admin and knows nothing of privacy (it sits below it); privacy
comes after enrolment in INSTALLED_APPS, so this module loads later, takes enrolment's
registration off and registers a subclass that adds the action, as levies does for the roster
uploads. Everything else on the page stays enrolment's.
"""

from __future__ import annotations

import logging

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from enrolment.admin import PersonAdmin as EnrolmentPersonAdmin
from enrolment.models import Person
from privacy.erasure import erasure_refusal, merge_group, person_erase
from privacy.models import Erasure
from unionroll.admin import ReadOnlyAdmin
from unionroll.exceptions import ApplicationError

logger = logging.getLogger(__name__)

admin.site.unregister(Person)


class ErasureForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=500,
        help_text=(
            "Why, e.g. 'request by the member, letter of 2027-03-02'. Do not name the person: "
            "the reason is kept with the record of the erasure."
        ),
    )


def may_erase(user) -> bool:
    return bool(
        user.is_active
        and getattr(user, "is_union_admin", False)
        and user.has_perm("privacy.erase_person")
    )


@admin.register(Person)
class PersonAdmin(EnrolmentPersonAdmin):
    actions = ["erase_person"]

    def has_erase_permission(self, request: HttpRequest) -> bool:
        return may_erase(request.user)

    @admin.display(description="born", ordering="date_of_birth")
    def year_of_birth(self, obj: Person) -> int | None:
        # An erased person has no date of birth.
        return obj.date_of_birth.year if obj.date_of_birth else None

    @admin.action(description="Erase the selected person", permissions=["erase"])
    def erase_person(self, request: HttpRequest, queryset: QuerySet[Person]):
        """A confirmation page asks for the reason and says why it is not possible yet, if it
        is not; confirming erases the person and the records merged with them."""
        people = list(queryset.order_by("pk")[:2])
        if len(people) != 1:
            self.message_user(request, "Select one person at a time to erase.", messages.ERROR)
            return None
        person = people[0]
        form = ErasureForm(request.POST if "confirm" in request.POST else None)
        refusal = erasure_refusal(person.pk)
        if refusal is None and form.is_valid():
            try:
                erasure = person_erase(
                    person.pk,
                    form.cleaned_data["reason"],
                    by_user=request.user,
                    via=Erasure.Via.ADMIN,
                )
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return None
            logger.info("admin user %s erased person %s", request.user.pk, person.pk)
            self.message_user(
                request,
                f"Person #{person.pk} erased (erasure #{erasure.pk}).",
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(
            request,
            "admin/privacy/erasure/confirm.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Erase person #{person.pk}",
                "person": person,
                "records": merge_group(person.pk),
                "refusal": refusal,
                "form": form,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )


@admin.register(Erasure)
class ErasureAdmin(ReadOnlyAdmin):
    list_display = ["id", "person_id", "at", "via", "by_user", "by_name"]
    list_filter = ["via", "at"]
    search_fields = ["=person__id"]
    fields = ["person_id", "persons", "at", "via", "by_user", "by_name", "reason", "counts"]
    readonly_fields = fields
