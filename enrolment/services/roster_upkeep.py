"""What keeps roster uploads from lingering: imports killed mid-way, and the uploaded files.

A roster file holds names, dates of birth, phone numbers, wages and sometimes BSNs. Once an
upload has ended (applied, rejected, duplicate) its file has served its purpose and is deleted;
what the uploader and the union need later (the hash for duplicate detection, counts, the errors
with their values) is in the database. A failed upload's file is kept for
``UNIONROLL_ROSTER_FAILED_RETENTION_DAYS`` so the failure can be looked into, then purged.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from enrolment.models import ROSTER_DIR, RosterUpload

logger = logging.getLogger(__name__)

ENDED = (
    RosterUpload.Status.APPLIED,
    RosterUpload.Status.REJECTED,
    RosterUpload.Status.DUPLICATE,
    RosterUpload.Status.SUPERSEDED,
)
# A received upload that no worker took up for this long lost its queue message.
RECEIVED_STALE_AFTER = dt.timedelta(hours=24)
# Files under rosters/ that no upload names (a crash between writing the file and its row) are
# deleted once they are this old; younger ones may belong to an upload being stored right now.
ORPHAN_AFTER = dt.timedelta(days=1)


def roster_uploads_stale_fail(*, now: dt.datetime | None = None) -> list[int]:
    """Mark failed every upload whose import stopped for good; return their ids.

    A running import holds its upload's row lock for the whole of its transaction (see
    ``roster._process``), however long it takes; a killed worker's connection ends and
    PostgreSQL releases the lock and rolls its work back. So an upload still ``processing``
    whose row is not locked, claimed longer than ``UNIONROLL_ROSTER_STALE_MINUTES`` ago, has no
    import behind it. ``SKIP LOCKED`` passes over live imports without waiting for them.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=settings.UNIONROLL_ROSTER_STALE_MINUTES)
    processing = Q(status=RosterUpload.Status.PROCESSING)
    stale = (
        (processing & Q(started_at__lt=cutoff))
        # Uploads claimed before the claim recorded its time.
        | (processing & Q(started_at__isnull=True, created_at__lt=cutoff))
        | Q(status=RosterUpload.Status.RECEIVED, created_at__lt=now - RECEIVED_STALE_AFTER)
    )
    with transaction.atomic():
        ids = list(
            RosterUpload.objects.filter(stale)
            .select_for_update(skip_locked=True)
            .order_by()
            .values_list("pk", flat=True)
        )
        if ids:
            RosterUpload.objects.filter(pk__in=ids).update(
                status=RosterUpload.Status.FAILED,
                failure_reason=RosterUpload.FailureReason.STOPPED,
                finished_at=now,
            )
    for upload_id in ids:
        logger.warning("roster upload %s stopped before it finished; marked failed", upload_id)
    return ids


def roster_file_discard(*, upload_id: int) -> None:
    """Delete an upload's stored file and forget its name; the rest of the upload stays."""
    name = RosterUpload.objects.filter(pk=upload_id).values_list("file", flat=True).first() or ""
    if not name:
        # The command line reads a file where it is and stores none: never ours to delete.
        return
    # The file first: if clearing the name failed, the purge would try again; the other way
    # round a file could stay on disk with nothing pointing to it.
    default_storage.delete(name)
    RosterUpload.objects.filter(pk=upload_id, file=name).update(file="")


def roster_files_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the files of failed uploads past their retention time, of ended uploads whose
    file was left behind, and files no upload names. Returns how many files were deleted."""
    now = now or timezone.now()
    retention_cutoff = now - dt.timedelta(days=settings.UNIONROLL_ROSTER_FAILED_RETENTION_DAYS)
    expired = Q(status__in=ENDED) | Q(
        status=RosterUpload.Status.FAILED, finished_at__lt=retention_cutoff
    )
    deleted = 0
    for upload_id in (
        RosterUpload.objects.filter(expired).exclude(file="").values_list("pk", flat=True)
    ):
        roster_file_discard(upload_id=upload_id)
        deleted += 1
    deleted += _orphans_delete(now=now)
    if deleted:
        logger.info("deleted %s roster files", deleted)
    return deleted


def _orphans_delete(*, now: dt.datetime) -> int:
    try:
        _, names = default_storage.listdir(ROSTER_DIR)
    except FileNotFoundError:
        return 0
    paths = {f"{ROSTER_DIR}/{name}" for name in names}
    known = set(RosterUpload.objects.filter(file__in=paths).values_list("file", flat=True))
    deleted = 0
    for path in sorted(paths - known):
        if default_storage.get_modified_time(path) < now - ORPHAN_AFTER:
            default_storage.delete(path)
            deleted += 1
    return deleted
