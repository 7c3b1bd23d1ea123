"""A worker killed in the middle of an import: the upload is marked failed, nothing of the file
was applied, and the same file uploaded again goes through. A live import, however long it
runs, is never marked stale."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone

from enrolment import tasks
from enrolment.models import Membership, PayrollLine, Person, RosterUpload
from enrolment.services import roster as roster_service
from enrolment.services import roster_submit, roster_uploads_stale_fail
from tests.processes import child_process_environment
from tests.roster_people import VALID_ROSTER, roster_file

ROOT = Path(__file__).resolve().parents[2]
# Starting Django in a child process on a loaded machine; not a timing assertion.
DEADLINE_SECONDS = 60

# A worker that runs the real import task and is held, with everything applied inside its still
# open transaction, until it is killed.
WORKER = """
import os, sys, time
import django
from django.conf import settings
settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
django.setup()
from enrolment import tasks
from enrolment.services import ingest_sql

upload_id, marker = int(sys.argv[1]), sys.argv[2]
real_apply = ingest_sql.apply

def apply_then_hang(cur, **kwargs):
    result = real_apply(cur, **kwargs)
    cur.execute("SELECT pg_backend_pid()")
    with open(marker + ".tmp", "w") as fh:
        fh.write(str(cur.fetchone()[0]))
    os.replace(marker + ".tmp", marker)
    time.sleep(3600)
    return result

ingest_sql.apply = apply_then_hang
tasks.roster_process_task(upload_id)
"""


def wait_for(condition, what: str, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if process is not None and process.poll() is not None:
            pytest.fail(f"the worker exited (code {process.returncode}) before {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"waited {DEADLINE_SECONDS} s for {what}")
        time.sleep(0.1)


def backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


@pytest.mark.django_db(transaction=True)
def test_an_import_whose_worker_was_killed_is_failed_and_the_file_can_be_sent_again(
    flexwerk, tmp_path, monkeypatch
):
    # Queued for a worker: the child process below is that worker.
    with monkeypatch.context() as queue:
        queue.setattr(roster_service, "_queue_processing", lambda upload_id: None)
        upload = roster_submit(
            organisation=flexwerk,
            file=roster_file(VALID_ROSTER),
            filename="loonrun-week-45.csv",
            source="web",
        )
    marker = tmp_path / "applied-not-committed"
    env = child_process_environment()
    env["UNIONROLL_MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(upload.pk), str(marker)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "worker.log").open("wb"),
    )
    try:
        wait_for(marker.exists, "the import to reach its last step", worker)
        backend_pid = int(marker.read_text())
        upload.refresh_from_db()
        assert upload.status == RosterUpload.Status.PROCESSING

        # Alive, however long it has been running: never stale.
        with time_machine.travel(timezone.now() + dt.timedelta(hours=2), tick=False):
            assert roster_uploads_stale_fail() == []
        upload.refresh_from_db()
        assert upload.status == RosterUpload.Status.PROCESSING

        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=DEADLINE_SECONDS)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    # PostgreSQL ends the killed worker's session and rolls its transaction back.
    wait_for(lambda: not backend_alive(backend_pid), "the killed worker's session to end")

    # The claim ("processing") was committed before the import's transaction: it outlived it.
    upload.refresh_from_db()
    assert upload.status == RosterUpload.Status.PROCESSING
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=29), tick=False):
        assert roster_uploads_stale_fail() == []
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31), tick=False):
        assert tasks.roster_uploads_stale_fail_task.delay().get() == 1

    upload.refresh_from_db()
    assert upload.status == RosterUpload.Status.FAILED
    assert upload.failure_reason == RosterUpload.FailureReason.STOPPED
    # Nothing from the file was applied.
    assert Person.objects.count() == 0
    assert PayrollLine.objects.count() == 0
    assert Membership.objects.count() == 0

    again = roster_submit(
        organisation=flexwerk,
        file=roster_file(VALID_ROSTER),
        filename="loonrun-week-45.csv",
        source="web",
    )

    again.refresh_from_db()
    assert again.status == RosterUpload.Status.APPLIED
    assert Person.objects.count() == 2
    upload.refresh_from_db()
    assert upload.status == RosterUpload.Status.FAILED
