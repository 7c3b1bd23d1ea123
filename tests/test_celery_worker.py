"""A roster goes through a real broker and a real Celery worker process, as in production.

Runs only where ``CELERY_BROKER_URL`` is set (CI sets it to the machine's Redis); everywhere else
tasks run eagerly in-process and the rest of the suite covers the same code.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files import File

from employers.models import Organisation
from enrolment.models import EnrolmentPolicy, Membership, PayrollLine, Person, RosterUpload
from enrolment.services import roster_submit
from tests.employers.factories import OrganisationFactory, SectorFactory
from tests.processes import child_process_environment
from unionroll.synthetic import write_roster_csv

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(
        not os.environ.get("CELERY_BROKER_URL"), reason="needs CELERY_BROKER_URL (a real broker)"
    ),
]

ROOT = Path(__file__).resolve().parent.parent
QUEUES = "default,ingest,notifications,levies"
# Worker start (Django set-up) plus processing a small roster; generous for a loaded CI machine.
DEADLINE_SECONDS = 60


def _worker_environment() -> dict[str, str]:
    """The worker must use the *test* database and media root, not the ones in the environment."""
    env = child_process_environment()
    env["UNIONROLL_MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
    return env


def _celery(*args: str, env: dict[str, str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "unionroll", *args], cwd=ROOT, env=env, **kwargs
    )


@pytest.fixture
def celery_worker_process(tmp_path):
    env = _worker_environment()
    # A message left by an earlier, interrupted run would name an upload this database lacks.
    purge = _celery("purge", "-f", "-Q", QUEUES, env=env, stdout=subprocess.DEVNULL)
    assert purge.wait(timeout=60) == 0
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = _celery(
            "worker",
            "-Q",
            QUEUES,
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            "-n",
            f"unionroll-test-{os.getpid()}@%h",
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield worker, log_path
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


def _log_tail(log_path: Path) -> str:
    return log_path.read_text(errors="replace")[-4000:]


@pytest.mark.django_db(transaction=True)
def test_roster_submitted_on_commit_is_applied_by_a_real_worker(celery_worker_process, tmp_path):
    worker, log_path = celery_worker_process
    sector = SectorFactory(code="meat")
    EnrolmentPolicy.objects.create(sector=sector)
    agency = OrganisationFactory(kind=Organisation.Kind.AGENCY, sectors=[sector])
    roster = tmp_path / "roster.csv"
    workers = write_roster_csv(
        roster,
        rows=25,
        seed=11,
        period_start=dt.date(2026, 11, 16),
        period_end=dt.date(2026, 11, 22),
    )

    # Autocommit (transaction=True): roster_submit's own transaction commits, and only then is
    # the task sent to the broker.
    with roster.open("rb") as fh:
        upload = roster_submit(
            organisation=agency, file=File(fh), filename="roster.csv", source="api"
        )
    assert upload.status == RosterUpload.Status.RECEIVED

    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        upload.refresh_from_db()
        if upload.status not in (RosterUpload.Status.RECEIVED, RosterUpload.Status.PROCESSING):
            break
        assert worker.poll() is None, f"worker exited early:\n{_log_tail(log_path)}"
        time.sleep(0.25)

    assert upload.status == RosterUpload.Status.APPLIED, (
        f"upload is {upload.status} (waited up to {DEADLINE_SECONDS} s), "
        f"errors {upload.errors[:3]}:\n{_log_tail(log_path)}"
    )
    assert upload.rows == 25
    assert Person.objects.count() == workers
    assert PayrollLine.objects.filter(upload=upload).count() == 25
    assert (
        Membership.objects.filter(sector=sector, status=Membership.Status.ENROLLED).count()
        == workers
    )
