"""Reads for the member portal's pages. Every function takes the signed-in member's ids from the
caller (the session), never from the request's parameters."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from enrolment.models import PayrollLine
from notifications.models import WorkplaceVisit


def person_age(*, date_of_birth: dt.date, on: dt.date) -> int:
    """Full years on ``on`` (someone born on 29 February turns a year older on 1 March)."""
    before_birthday = (on.month, on.day) < (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - before_birthday


def person_current_phase(*, person_id: int, sector_id: int | None = None) -> str:
    """The agency CAO phase ("A", "B", …) on the member's latest current payroll line, in the
    membership's sector when given; "" when no roster names one."""
    lines = PayrollLine.objects.filter(person_id=person_id, superseded_by__isnull=True).exclude(
        cao_phase=""
    )
    if sector_id is not None:
        lines = lines.filter(sector_id=sector_id)
    line = lines.order_by("-period_end", "-id").only("cao_phase").first()
    return line.cao_phase.strip().upper() if line else ""


def person_recent_site_ids(*, person_id: int, today: dt.date) -> set[int]:
    """Sites where the person worked in the last UNIONROLL_VISIT_RECENT_WEEKS weeks, by current
    (not superseded) payroll lines."""
    since = today - dt.timedelta(weeks=settings.UNIONROLL_VISIT_RECENT_WEEKS)
    return set(
        PayrollLine.objects.filter(
            person_id=person_id,
            superseded_by__isnull=True,
            site__isnull=False,
            period_end__gte=since,
        )
        .values_list("site_id", flat=True)
        .distinct()
    )


def visits_upcoming_for_person(*, person_id: int, now: dt.datetime) -> QuerySet[WorkplaceVisit]:
    """Scheduled visits that start after ``now`` at the sites where the person worked recently,
    soonest first."""
    site_ids = person_recent_site_ids(person_id=person_id, today=timezone.localdate(now))
    return (
        WorkplaceVisit.objects.filter(
            site_id__in=site_ids,
            status=WorkplaceVisit.Status.SCHEDULED,
            starts_at__gt=now,
        )
        .select_related("site")
        .order_by("starts_at", "id")
    )
