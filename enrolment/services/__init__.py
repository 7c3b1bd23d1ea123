"""Writes of the enrolment app. Views, API, commands and tasks call these, nothing else."""

from __future__ import annotations

from .access import person_access_record
from .memberships import (
    membership_opt_in,
    membership_opt_out,
    memberships_advance,
)
from .persons import possible_duplicate_confirm, possible_duplicate_dismiss
from .roster import roster_import_path, roster_process, roster_size_check, roster_submit
from .roster_upkeep import roster_file_discard, roster_files_purge, roster_uploads_stale_fail
from .sectors import sector_add

__all__ = [
    "membership_opt_in",
    "membership_opt_out",
    "memberships_advance",
    "person_access_record",
    "possible_duplicate_confirm",
    "possible_duplicate_dismiss",
    "roster_file_discard",
    "roster_files_purge",
    "roster_import_path",
    "roster_process",
    "roster_size_check",
    "roster_submit",
    "roster_uploads_stale_fail",
    "sector_add",
]
