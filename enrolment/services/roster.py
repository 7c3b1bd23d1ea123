"""Roster ingest: submit a file, validate every row, apply it whole or not at all."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.core.files import File

from employers.models import ApiKey, Organisation, User
from enrolment.models import RosterUpload

# progress(phase, rows_done): phase is "validating" or "applying".
ProgressCallback = Callable[[str, int], None]


def roster_submit(
    *,
    organisation: Organisation,
    file: File,
    filename: str,
    source: str,
    user: User | None = None,
    api_key: ApiKey | None = None,
) -> RosterUpload:
    """Store the file, record a ``received`` upload and queue its processing on commit."""
    raise NotImplementedError


def roster_process(*, upload_id: int, progress: ProgressCallback | None = None) -> RosterUpload:
    """Validate and apply a stored upload. Safe to run twice: a finished upload is returned as is.

    Ends in ``applied``, ``rejected`` (nothing applied, every error recorded) or ``duplicate``.
    """
    raise NotImplementedError


def roster_import_path(
    *,
    organisation: Organisation,
    path: Path,
    source: str = RosterUpload.Source.CLI,
    user: User | None = None,
    progress: ProgressCallback | None = None,
) -> RosterUpload:
    """Submit and process a file synchronously (command line, demo, benchmarks)."""
    raise NotImplementedError
