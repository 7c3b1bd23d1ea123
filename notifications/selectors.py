"""Reads of the notifications app: what a workplace visit's notices have reached (the visit's
admin page)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count

from notifications.models import Notice, OrganisationNotice, WorkplaceVisit
from notifications.services.visits import visit_subject

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
