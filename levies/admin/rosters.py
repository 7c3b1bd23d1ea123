"""Roster uploads in the admin, with the levies' own action on them: assess the pay periods of
the selected uploads.

Enrolment registers the roster upload admin and knows nothing of levies (it sits below them);
levies comes after enrolment in INSTALLED_APPS, so this module loads later, takes enrolment's
registration off and registers a subclass that adds the action. Everything else on the page
stays enrolment's.
"""

from __future__ import annotations

from functools import partial

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from enrolment.admin import RosterUploadAdmin as EnrolmentRosterUploadAdmin
from enrolment.models import RosterUpload
from levies.tasks import levies_assess_task

admin.site.unregister(RosterUpload)


@admin.register(RosterUpload)
class RosterUploadAdmin(EnrolmentRosterUploadAdmin):
    actions = ["assess_levies"]

    def has_assess_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("levies.add_levyassessmentrun")

    @admin.action(
        description="Assess levies for the pay periods of these uploads", permissions=["assess"]
    )
    def assess_levies(self, request: HttpRequest, queryset: QuerySet[RosterUpload]) -> None:
        # This only names the periods and queues the assessment task (run at once without a
        # broker), one per period, after this request's transaction.
        periods = sorted(
            set(
                queryset.filter(status=RosterUpload.Status.APPLIED).values_list(
                    "period_start", "period_end"
                )
            )
        )
        for start, end in periods:
            transaction.on_commit(partial(levies_assess_task.delay, str(start), str(end)))
        if periods:
            listed = ", ".join(f"{s:%d-%m-%Y} to {e:%d-%m-%Y}" for s, e in periods)
            self.message_user(request, f"Levy assessment queued for {listed}.", messages.SUCCESS)
        else:
            self.message_user(
                request, "None of these uploads is applied: nothing to assess.", messages.WARNING
            )
