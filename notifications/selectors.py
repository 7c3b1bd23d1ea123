"""Reads of the notifications app: what a workplace visit's notices have reached (the visit's
admin page), and the letters to hand over at a visit."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count

from notifications.models import Notice, OrganisationNotice, WorkplaceVisit
from notifications.services.visits import (
    LIVE_STATUSES,
    SITE_MEMBERS_CTE,
    visit_recent_since,
    visit_subject,
)

# How the admin groups notice statuses: "waiting" is due or held back (quiet hours, a retry).
VISIT_NOTICE_GROUPS = ("waiting", "sending", "sent", "queued_for_print", "failed", "cancelled")
_GROUP_OF_STATUS = {"due": "waiting", "deferred": "waiting"}


@dataclass
class VisitNoticeCounts:
    """Member notices of one visit version: counts per channel and status group. A notice has
    no channel until its delivery starts (the member's details choose it then)."""

    by_channel: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(sum(groups.values()) for groups in self.by_channel.values())

    def by_group(self) -> dict[str, int]:
        totals = dict.fromkeys(VISIT_NOTICE_GROUPS, 0)
        for groups in self.by_channel.values():
            for group, count in groups.items():
                totals[group] += count
        return totals


def visit_notice_counts(*, visit: WorkplaceVisit, version: int | None = None) -> VisitNoticeCounts:
    """How many members the given version of the visit (default: the current one) reached, by
    channel and status. One grouped query on the visit-subject index."""
    subject = visit_subject(visit_id=visit.pk, version=version or visit.version)
    rows = (
        Notice.objects.filter(kind=Notice.Kind.VISIT, subject=subject)
        .values("channel", "status")
        .annotate(n=Count("id"))
    )
    counts = VisitNoticeCounts()
    for row in rows:
        channel = row["channel"] or "not yet chosen"
        group = _GROUP_OF_STATUS.get(row["status"], row["status"])
        groups = counts.by_channel.setdefault(channel, dict.fromkeys(VISIT_NOTICE_GROUPS, 0))
        groups[group] += row["n"]
    return counts


def visit_access_notices(
    *, visit: WorkplaceVisit, version: int | None = None
) -> list[OrganisationNotice]:
    """The access notices of a visit version, with their organisations, hirer first."""
    subject = visit_subject(visit_id=visit.pk, version=version or visit.version)
    notices = OrganisationNotice.objects.filter(subject=subject).select_related("organisation")
    return sorted(notices, key=lambda n: (n.data.get("role") != "hirer", n.organisation.name))


def visit_waiting_letters(*, visit: WorkplaceVisit) -> list[Notice]:
    """The printed welcome letters still to be handed over (queued for print, not handed over)
    of the members who count as at the visit's site, by the rule the visit's notices use
    (``SITE_MEMBERS_CTE``: a current payroll line there in the last UNIONROLL_VISIT_RECENT_WEEKS
    weeks, a live membership). Sorted by name, so the printed pile matches the list."""
    sql = f"""
        WITH {SITE_MEMBERS_CTE}
        SELECT n.id FROM notifications_notice n
        JOIN current_members c ON c.person_id = n.person_id
        WHERE n.kind = 'welcome' AND n.channel = 'letter' AND n.status = 'queued_for_print'
          AND n.handed_over_at IS NULL
        """
    with connection.cursor() as cur:
        cur.execute(
            sql,
            {"site": visit.site_id, "since": visit_recent_since(visit), "live": LIVE_STATUSES},
        )
        ids = [row[0] for row in cur.fetchall()]
    return list(
        Notice.objects.filter(pk__in=ids)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "pk")
    )
