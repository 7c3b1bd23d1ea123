"""Reads of the enrolment app."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from employers.models import User
from enrolment.models import Membership, RosterUpload


def roster_uploads_visible_to(*, user: User) -> QuerySet[RosterUpload]:
    """Agency users see their organisation's uploads; union admins see all; others none."""
    qs = RosterUpload.objects.select_related("organisation")
    if user.is_authenticated and user.is_union_admin:
        return qs
    if user.is_authenticated and user.organisation_id:
        return qs.filter(organisation_id=user.organisation_id)
    return qs.none()


def roster_upload_summary(upload: RosterUpload) -> dict[str, Any]:
    """The one shape the command line (--json), the API and the web page report."""
    counts = upload.counts or {}
    return {
        "upload_id": upload.pk,
        "status": upload.status,
        "period_start": upload.period_start.isoformat() if upload.period_start else None,
        "period_end": upload.period_end.isoformat() if upload.period_end else None,
        "rows": upload.rows,
        "persons_created": counts.get("persons_created", 0),
        "persons_matched": counts.get("persons_matched", 0),
        "memberships_enrolled": counts.get("memberships_enrolled", 0),
        "memberships_reactivated": counts.get("memberships_reactivated", 0),
        "opt_outs_respected": counts.get("opt_outs_respected", 0),
        "possible_duplicates": counts.get("possible_duplicates", 0),
        "replaces": upload.replaces_id,
        "duplicate_of": upload.duplicate_of_id,
        "changes": upload.changes or {},
        "warnings": upload.warnings or [],
        "error_count": upload.error_count,
        "errors": upload.errors or [],
    }


def membership_find(*, organisation_kvk: str, worker_number: str) -> Membership | None:
    """The membership of the worker an organisation knows by this number (its first sector)."""
    raise NotImplementedError


def membership_describe(membership: Membership) -> dict[str, Any]:
    """Status, window and the full event history, for support staff and ``membership_show``."""
    raise NotImplementedError


def roster_progress(*, upload_id: int) -> dict[str, Any]:
    """Where a running upload is: {"phase": ..., "rows_done": ...}; empty when not running."""
    raise NotImplementedError
