"""Roster ingest: submit a file, validate every row, apply it whole or not at all.

The pipeline is set-based so that a sector's million-row roster fits in memory and in time:

1. the reader parses and validates the file as a stream; valid rows are ``COPY``'d into a
   temporary staging table while the rest of the file is still being read;
2. cross-row checks run in SQL on the staging table; any error (from 1 or 2) rolls the savepoint
   back and the upload is recorded as ``rejected`` with every error: nothing else changed;
3. under a table lock, persons are matched and inserted, payroll lines stored, the replaced
   roster superseded and enrolment decisions written with their events, each as one
   ``INSERT … SELECT`` / ``UPDATE … FROM`` (see ``ingest_sql.py``);
4. on commit, welcome notices are recorded as due (by the notifications app).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.db import connection, connections, transaction
from django.utils import timezone

from employers.models import ApiKey, Organisation, Site, User
from enrolment.events import RosterApplied
from enrolment.models import RosterUpload
from enrolment.roster.sources import megabytes
from enrolment.roster.types import ReferenceData, RosterIssue
from unionroll import events
from unionroll.exceptions import Invalid, TooLarge

from . import ingest_sql

logger = logging.getLogger(__name__)

# progress(phase, rows_done): phase is "validating" or "applying".
ProgressCallback = Callable[[str, int], None]

# Rows between two progress reports: often enough for a progress bar to move smoothly,
# rare enough that reporting costs nothing measurable.
PROGRESS_EVERY = 20_000
PROGRESS_TTL = 60 * 60


def _new_upload(
    *,
    organisation: Organisation,
    fileobj: Any,
    filename: str,
    source: str,
    user: User | None,
    api_key: ApiKey | None = None,
) -> RosterUpload:
    """An unsaved upload for this file, with its hash and size; the file is left at its start."""
    if organisation.kind != Organisation.Kind.AGENCY:
        # Invalid, not Refused: the file is for the wrong kind of organisation, and clients of
        # the API have always been answered 400 for it.
        raise Invalid(
            "not_an_employer",
            "Only agencies and employers upload payroll rosters.",
            {"organisation": organisation.kvk},
        )
    fileobj.seek(0)
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
    fileobj.seek(0)
    if size == 0:
        raise Invalid("empty_file", "The file is empty.")
    return RosterUpload(
        organisation=organisation,
        source=source,
        uploaded_by=user,
        api_key=api_key,
        original_filename=Path(filename).name[:255],
        storage_key=uuid.uuid4().hex,
        sha256=digest.hexdigest(),
        size=size,
    )


def roster_submit(
    *,
    organisation: Organisation,
    file: File,
    filename: str,
    source: str,
    user: User | None = None,
    api_key: ApiKey | None = None,
) -> RosterUpload:
    """Store the file, record a ``received`` upload and queue its processing on commit.

    Never processes the file itself: a worker (or, without a broker, a background thread) does,
    so the upload request answers at once.
    """
    roster_size_check(size=file.size)
    upload = _new_upload(
        organisation=organisation,
        fileobj=file,
        filename=filename,
        source=source,
        user=user,
        api_key=api_key,
    )
    try:
        with transaction.atomic():
            upload.file.save(upload.storage_key, file, save=False)
            upload.save()
            transaction.on_commit(lambda: _queue_processing(upload.pk))
    except BaseException:
        # The file is written before the row; without the row nothing would ever delete it.
        if upload.file.name:
            upload.file.storage.delete(upload.file.name)
        raise
    logger.info("roster upload %s received (%s bytes, source %s)", upload.pk, upload.size, source)
    return upload


def roster_size_check(*, size: int) -> None:
    """Refuse a file over ``UNIONROLL_ROSTER_MAX_BYTES`` before it is stored or read."""
    limit = settings.UNIONROLL_ROSTER_MAX_BYTES
    if size > limit:
        raise TooLarge(
            "file_too_large",
            f"This file is {megabytes(size)}; files up to {megabytes(limit)} can be uploaded.",
            {"size": size, "max_size": limit},
        )


def roster_import_path(
    *,
    organisation: Organisation,
    path: Path,
    source: str = RosterUpload.Source.CLI,
    user: User | None = None,
    progress: ProgressCallback | None = None,
) -> RosterUpload:
    """Submit and process a file synchronously (command line, demo, benchmarks)."""
    path = Path(path)
    with path.open("rb") as fh:
        upload = _new_upload(
            organisation=organisation, fileobj=fh, filename=path.name, source=source, user=user
        )
    upload.save()
    # The command line reads the file where it is; storing a copy of a large file only to read
    # it back would double the I/O.
    return _process(upload, path, progress)


def roster_process(*, upload_id: int, progress: ProgressCallback | None = None) -> RosterUpload:
    """Validate and apply a stored upload. Safe to run twice: a finished upload is returned as is.

    Ends in ``applied``, ``rejected`` (nothing applied, every error recorded) or ``duplicate``.
    """
    upload = RosterUpload.objects.select_related("organisation").get(pk=upload_id)
    if upload.status not in (RosterUpload.Status.RECEIVED, RosterUpload.Status.PROCESSING):
        return upload
    return _process(upload, Path(upload.file.path), progress)


class _Duplicate(Exception):
    def __init__(self, earlier: RosterUpload) -> None:
        super().__init__("roster duplicate")
        self.earlier = earlier


def _queue_processing(upload_id: int) -> None:
    from enrolment import tasks

    if not tasks.roster_process_task.app.conf.task_always_eager:
        # A broker: a worker takes it.
        tasks.roster_process_task.delay(upload_id)
    elif settings.UNIONROLL_ROSTER_PROCESS_INLINE:
        # Tests: processed right here, when the upload commits, so they can assert the outcome.
        # On an error the service has already marked the upload failed and logged why
        # (without personal data); the uploader then sees "Failed" on the upload's page.
        with contextlib.suppress(Exception):
            tasks.roster_process_task.delay(upload_id)
    else:
        # No broker (development): a background thread, so the request still answers at once
        # and the page shows the progress, as with a worker.
        threading.Thread(
            target=_process_in_background,
            args=(upload_id,),
            name=f"roster-upload-{upload_id}",
            daemon=True,
        ).start()


def _process_in_background(upload_id: int) -> None:
    try:
        roster_process(upload_id=upload_id)
    except Exception:
        # An error inside the import has marked the upload failed; one before it (the upload
        # gone) would otherwise leave no trace. The log's formatter keeps the stack trace and
        # leaves out the error's text: database error texts can quote row values, which are
        # personal data (unionroll/logs.py).
        logger.exception("roster upload %s: processing ended with an error", upload_id)
    finally:
        # The thread's own connection; nothing else would ever close it.
        connections.close_all()


class _Rejected(Exception):
    def __init__(self, errors: list[RosterIssue], error_count: int) -> None:
        super().__init__("roster rejected")
        self.errors = errors
        self.error_count = error_count


def _report(upload_id: int, phase: str, rows: int, progress: ProgressCallback | None) -> None:
    cache.set(
        RosterUpload.progress_cache_key(upload_id),
        {"phase": phase, "rows_done": rows},
        PROGRESS_TTL,
    )
    if progress:
        progress(phase, rows)


def _process(upload: RosterUpload, path: Path, progress: ProgressCallback | None) -> RosterUpload:
    # Claimed (committed) before the import's transaction, which holds the upload's row lock
    # while it runs: a "processing" upload whose row nobody holds has no live import behind it
    # (its worker was killed), and ``roster_uploads_stale_fail`` marks it failed. A redelivered
    # task takes up an upload left "processing" by a killed worker, unless it was failed since.
    started_at = timezone.now()
    claimed = RosterUpload.objects.filter(
        pk=upload.pk,
        status__in=[RosterUpload.Status.RECEIVED, RosterUpload.Status.PROCESSING],
    ).update(status=RosterUpload.Status.PROCESSING, started_at=started_at)
    if not claimed:
        upload.refresh_from_db()
        return upload
    upload.status, upload.started_at = RosterUpload.Status.PROCESSING, started_at

    # An unchanged re-upload is answered before the file is even read.
    earlier = _current_with_same_content(upload)
    if earlier is not None:
        return _mark_duplicate(upload, earlier)

    try:
        with transaction.atomic():
            # The row lock makes a second worker that picked up the same task skip it.
            locked = (
                RosterUpload.objects.select_for_update(skip_locked=True)
                .filter(
                    pk=upload.pk,
                    status__in=[RosterUpload.Status.RECEIVED, RosterUpload.Status.PROCESSING],
                )
                .first()
            )
            if locked is None:
                upload.refresh_from_db()
                return upload
            return _validate_and_apply(locked, path, progress)
    except Exception:
        # Nothing of this run was kept (one transaction); the upload must not stay
        # "processing" for ever. An IntegrityError here is a lost race with another upload for
        # the same organisation and period. The stack trace is logged without the error's
        # text: database error texts can quote row values, which are personal data.
        logger.exception("roster upload %s failed", upload.pk)
        RosterUpload.objects.filter(pk=upload.pk).update(
            status=RosterUpload.Status.FAILED,
            failure_reason=RosterUpload.FailureReason.ERROR,
            finished_at=timezone.now(),
        )
        raise
    finally:
        cache.delete(RosterUpload.progress_cache_key(upload.pk))


def _current_with_same_content(upload: RosterUpload) -> RosterUpload | None:
    return (
        RosterUpload.objects.filter(
            organisation_id=upload.organisation_id,
            sha256=upload.sha256,
            status=RosterUpload.Status.APPLIED,
        )
        .exclude(pk=upload.pk)
        .first()
    )


def _mark_duplicate(upload: RosterUpload, earlier: RosterUpload) -> RosterUpload:
    upload.status = RosterUpload.Status.DUPLICATE
    upload.duplicate_of = earlier
    upload.period_start, upload.period_end = earlier.period_start, earlier.period_end
    upload.rows = earlier.rows
    upload.finished_at = timezone.now()
    upload.save(
        update_fields=[
            "status",
            "duplicate_of",
            "period_start",
            "period_end",
            "rows",
            "finished_at",
        ]
    )
    _discard_file_on_commit(upload)
    logger.info("roster upload %s is a duplicate of %s", upload.pk, earlier.pk)
    return upload


def _discard_file_on_commit(upload: RosterUpload) -> None:
    # Only once the outcome is committed: a rollback leaves the upload as it was, file and all.
    from .roster_upkeep import roster_file_discard

    upload_id = upload.pk
    transaction.on_commit(lambda: roster_file_discard(upload_id=upload_id))


def reference_data_for(organisation: Organisation) -> ReferenceData:
    from employers.models import Sector

    sectors = dict(Sector.objects.values_list("code", "id"))
    hirers = dict(
        Organisation.objects.filter(kind=Organisation.Kind.HIRER).values_list("kvk", "id")
    )
    sites: dict[tuple[int, str], tuple[int, int]] = {}
    sites_by_code: dict[str, list[tuple[int, int, int]]] = {}
    for site_id, hirer_id, code, sector_id in Site.objects.values_list(
        "id", "hirer_id", "code", "sector_id"
    ):
        sites[(hirer_id, code)] = (site_id, sector_id)
        sites_by_code.setdefault(code, []).append((hirer_id, site_id, sector_id))
    return ReferenceData(
        organisation_id=organisation.pk,
        sectors=sectors,
        organisation_sector_ids=tuple(organisation.sectors.values_list("id", flat=True)),
        hirers=hirers,
        sites=sites,
        sites_by_code=sites_by_code,
    )


def _validate_and_apply(
    upload: RosterUpload, path: Path, progress: ProgressCallback | None
) -> RosterUpload:
    from enrolment.roster.reader import RosterReader

    organisation = upload.organisation
    reader = RosterReader(
        path,
        reference=reference_data_for(organisation),
        bsn_matching=settings.UNIONROLL_BSN_MATCHING,
        bsn_secret=settings.UNIONROLL_BSN_SECRET,
        max_errors=settings.UNIONROLL_MAX_REPORTED_ERRORS,
    )
    try:
        with transaction.atomic():
            counts, changes, apply_warnings = _stage_and_apply(upload, reader, progress)
    except _Duplicate as duplicate:
        return _mark_duplicate(upload, duplicate.earlier)
    except _Rejected as rejected:
        upload.status = RosterUpload.Status.REJECTED
        upload.errors = [e.as_dict() for e in rejected.errors]
        upload.error_count = rejected.error_count
        upload.warnings = [w.as_dict() for w in reader.warnings]
        upload.rows = reader.rows_seen
        if reader.period:
            upload.period_start, upload.period_end = reader.period
        upload.finished_at = timezone.now()
        upload.save()
        _discard_file_on_commit(upload)
        logger.info("roster upload %s rejected with %s errors", upload.pk, upload.error_count)
        return upload

    upload.status = RosterUpload.Status.APPLIED
    upload.counts = counts
    upload.changes = changes
    upload.warnings = [w.as_dict() for w in [*reader.warnings, *apply_warnings]]
    upload.rows = reader.rows_seen
    upload.period_start, upload.period_end = reader.period
    upload.finished_at = timezone.now()
    upload.save()
    _discard_file_on_commit(upload)

    # Welcome notices, phase-change notices: notifications listens.
    events.publish(RosterApplied(upload_id=upload.pk))
    logger.info("roster upload %s applied: %s rows", upload.pk, upload.rows)
    return upload


def _stage_and_apply(
    upload: RosterUpload, reader: Any, progress: ProgressCallback | None
) -> tuple[dict[str, int], dict[str, Any], list[RosterIssue]]:
    with connection.cursor() as cursor:
        cur = cursor.cursor  # the psycopg cursor, for COPY
        cur.execute(ingest_sql.DROP_TEMP_TABLES)
        cur.execute(ingest_sql.CREATE_STAGING)
        _report(upload.pk, "validating", 0, progress)
        batches = reader.copy_batches(
            batch_rows=PROGRESS_EVERY, workers=settings.UNIONROLL_ROSTER_READ_WORKERS
        )
        with cur.copy(ingest_sql.COPY_STAGING) as copy:
            while True:
                # Only the reading is guarded: whatever the file holds, reading it ends in rows
                # or errors, so a fault there refuses the file. A database error (in the COPY
                # below) is not the file's fault and still fails the upload.
                try:
                    batch = next(batches)
                except StopIteration:
                    break
                except Exception:
                    # The trace without the error's text, which can quote a cell of the file.
                    logger.exception("roster upload %s: reading stopped on an error", upload.pk)
                    batches.close()
                    reader.abandon()
                    break
                copy.write(batch)
                _report(upload.pk, "validating", reader.rows_seen, progress)
        _report(upload.pk, "validating", reader.rows_seen, progress)

        errors = list(reader.errors)
        error_count = reader.error_count
        if reader.period is None and error_count == 0:
            errors.append(RosterIssue(code="empty_file", message="The file has no rows.", row=1))
            error_count += 1
        if error_count == 0:
            cross = ingest_sql.cross_row_errors(cur, limit=settings.UNIONROLL_MAX_REPORTED_ERRORS)
            errors.extend(cross[0])
            error_count += cross[1]
        if error_count:
            reported = errors[: settings.UNIONROLL_MAX_REPORTED_ERRORS]
            if reader.stopped is not None and reader.stopped not in reported:
                reported.append(reader.stopped)  # why the list ends where it does
            raise _Rejected(reported, error_count)

        _report(upload.pk, "applying", reader.rows_seen, progress)
        # Imports queue here, one at a time; autovacuum skips the locked table so it cannot
        # ANALYZE it half-way through (see ingest_sql).
        cur.execute(ingest_sql.LOCK_PERSONS)
        period_start, period_end = reader.period
        current = (
            RosterUpload.objects.filter(
                organisation_id=upload.organisation_id,
                period_start=period_start,
                period_end=period_end,
                status=RosterUpload.Status.APPLIED,
            )
            .exclude(pk=upload.pk)
            .first()
        )
        if current is not None and current.sha256 == upload.sha256:
            raise _Duplicate(current)
        counts, changes = ingest_sql.apply(
            cur,
            upload_id=upload.pk,
            organisation_id=upload.organisation_id,
            period_start=period_start,
            period_end=period_end,
            replaces_id=current.pk if current else None,
            today=timezone.localdate(),
        )
        reused = (
            ingest_sql.reused_worker_numbers_warning(cur)
            if counts["worker_numbers_reused"]
            else None
        )
        upload.replaces = current
        return counts, changes, [reused] if reused else []
