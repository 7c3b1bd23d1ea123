"""Reads of the employers app."""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass, field

from django.utils import timezone

from employers.models import ApiKey, Organisation, WorkplaceVisit
from employers.services import API_KEY_MARKER, API_KEY_PREFIX_LENGTH, hash_api_key

# Writing last_used_at on every request would turn each authenticated read into a write; a
# minute's precision is all anyone looking at "when was this key last used" needs.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def organisation_by_kvk(kvk: str) -> Organisation | None:
    return Organisation.objects.filter(kvk=kvk.strip()).first()


def api_key_by_prefix(prefix: str) -> ApiKey | None:
    return ApiKey.objects.select_related("organisation").filter(prefix=prefix.strip()).first()


def api_key_authenticate(raw_key: str) -> ApiKey | None:
    """The live key this plain key belongs to, or None (unknown, wrong or revoked)."""
    head = len(API_KEY_MARKER)
    if (
        not raw_key
        or not raw_key.startswith(API_KEY_MARKER)
        or raw_key[head + API_KEY_PREFIX_LENGTH : head + API_KEY_PREFIX_LENGTH + 1] != "_"
    ):
        return None
    prefix = raw_key[head : head + API_KEY_PREFIX_LENGTH]
    api_key = api_key_by_prefix(prefix)
    if api_key is None:
        return None
    # Compare in constant time so response timing reveals nothing about the stored hash.
    if not hmac.compare_digest(api_key.key_hash, hash_api_key(raw_key)):
        return None
    if api_key.revoked_at is not None:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


# --- Workplace visits ---------------------------------------------------------------------------

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
    from django.db.models import Count

    from notifications.models import Notice
    from notifications.services import visit_subject

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


def visit_access_notices(*, visit: WorkplaceVisit, version: int | None = None) -> list:
    """The access notices of a visit version, with their organisations, hirer first."""
    from notifications.models import OrganisationNotice
    from notifications.services import visit_subject

    subject = visit_subject(visit_id=visit.pk, version=version or visit.version)
    notices = OrganisationNotice.objects.filter(subject=subject).select_related("organisation")
    return sorted(notices, key=lambda n: (n.data.get("role") != "hirer", n.organisation.name))
