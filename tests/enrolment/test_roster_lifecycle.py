"""An upload's life: processed by a worker (never inside the request), refused when too large,
marked failed when its import was cut off, and its file deleted once it is no longer needed."""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
import typing

import pytest
import time_machine
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from employers.services import api_key_create
from enrolment import tasks
from enrolment.models import Person, RosterUpload
from enrolment.services import roster as roster_service
from enrolment.services import (
    roster_files_purge,
    roster_import_path,
    roster_process,
    roster_submit,
    roster_uploads_stale_fail,
)
from tests.enrolment.factories import RosterUploadFactory
from tests.roster_people import HEADER, ROSTER_WITH_ERRORS, VALID_ROSTER, roster_file
from unionroll.exceptions import ApplicationError

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
STOPPED_MESSAGE = (
    "The import stopped before it finished. Nothing from this file was applied. "
    "Please upload it again."
)


def key_client(organisation) -> APIClient:
    _, raw_key = api_key_create(organisation=organisation, name="Payroll export")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def submitted(organisation, content: str, capture, name="loonrun-week-45.csv") -> RosterUpload:
    with capture(execute=True):
        upload = roster_submit(
            organisation=organisation, file=roster_file(content, name), filename=name, source="web"
        )
    upload.refresh_from_db()
    return upload


def stored_file_of(upload: RosterUpload):
    return default_storage.path(f"rosters/{upload.storage_key}")


# --- Processing happens in a worker, never inside the upload request ---


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_upload_request_answers_before_processing_begins(
    flexwerk, settings, monkeypatch
):
    settings.UNIONROLL_ROSTER_PROCESS_INLINE = False
    go_on = threading.Event()
    real_process = roster_service.roster_process

    def held_back(**kwargs):
        assert go_on.wait(timeout=60)
        return real_process(**kwargs)

    monkeypatch.setattr(roster_service, "roster_process", held_back)

    response = key_client(flexwerk).post(
        "/api/v1/rosters/", {"file": roster_file(VALID_ROSTER)}, format="multipart"
    )

    # The response is complete while processing has not even begun.
    assert response.status_code == 202
    assert response.json()["status"] == "received"
    upload = RosterUpload.objects.get(pk=response.json()["id"])
    assert upload.status == RosterUpload.Status.RECEIVED
    assert Person.objects.count() == 0
    (worker,) = [t for t in threading.enumerate() if t.name == f"roster-upload-{upload.pk}"]
    assert worker.daemon

    go_on.set()
    worker.join(timeout=60)

    assert not worker.is_alive()
    upload.refresh_from_db()
    assert upload.status == RosterUpload.Status.APPLIED
    assert Person.objects.count() == 2


def test_with_a_broker_the_web_upload_queues_the_task_and_does_not_run_it(
    client, anna, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(tasks.roster_process_task.app.conf, "task_always_eager", False)
    queued = []
    monkeypatch.setattr(tasks.roster_process_task, "delay", lambda *args: queued.append(args))
    client.force_login(anna)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("enrolment:roster_list"), {"file": roster_file(VALID_ROSTER)}
        )

    upload = RosterUpload.objects.get()
    assert response.status_code == 302
    assert queued == [(upload.pk,)]
    assert upload.status == RosterUpload.Status.RECEIVED
    assert Person.objects.count() == 0


# --- Size limit at the upload ---


def big_roster(size: int) -> bytes:
    row = "004211,Łukasz,Wróbel,1990-05-17,2026-11-02,2026-11-08,38.00,558.98\n".encode()
    body = HEADER.encode()
    return body + row * ((size - len(body)) // len(row) + 1)


def test_the_web_page_refuses_a_file_over_the_limit_with_its_size_and_nothing_is_stored(
    client, anna, settings
):
    settings.UNIONROLL_ROSTER_MAX_BYTES = 1024 * 1024  # 1 MB
    content = big_roster(3 * 1024 * 1024)

    client.force_login(anna)
    response = client.post(
        reverse("enrolment:roster_list"),
        {"file": SimpleUploadedFile("loonrun.csv", content, content_type="text/csv")},
    )

    assert response.status_code == 400
    assert "This file is 3 MB; files up to 1 MB can be uploaded." in text_of(response)
    assert not RosterUpload.objects.exists()
    assert not (settings.MEDIA_ROOT / "rosters").exists()


def test_the_api_refuses_a_file_over_the_limit_with_413_and_nothing_is_stored(flexwerk, settings):
    settings.UNIONROLL_ROSTER_MAX_BYTES = 1024 * 1024
    content = big_roster(3 * 1024 * 1024)

    response = key_client(flexwerk).post(
        "/api/v1/rosters/",
        {"file": SimpleUploadedFile("loonrun.csv", content, content_type="text/csv")},
        format="multipart",
    )

    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "file_too_large"
    assert body["message"] == "This file is 3 MB; files up to 1 MB can be uploaded."
    assert body["detail"]["max_size"] == 1024 * 1024
    assert not RosterUpload.objects.exists()
    assert not (settings.MEDIA_ROOT / "rosters").exists()


class _CountingUploadHandler(TemporaryFileUploadHandler):
    """Django's handler for large uploads, counting the bytes it is given to write."""

    written: typing.ClassVar[list[int]] = []

    def receive_data_chunk(self, raw_data, start):
        type(self).written.append(len(raw_data))
        return super().receive_data_chunk(raw_data, start)


@pytest.mark.parametrize("route", ["web", "api"])
def test_an_upload_over_the_limit_is_not_written_past_the_limit_while_it_arrives(
    client, anna, flexwerk, settings, route
):
    # The file is refused either way; what the size handler adds is that Django's own handler
    # never writes the rest of it to a temporary file (nor memory).
    settings.UNIONROLL_ROSTER_MAX_BYTES = 1024 * 1024
    settings.FILE_UPLOAD_HANDLERS = [f"{__name__}._CountingUploadHandler"]
    _CountingUploadHandler.written = []
    upload = {"file": SimpleUploadedFile("loonrun.csv", big_roster(8 * 1024 * 1024))}

    if route == "web":
        client.force_login(anna)
        response = client.post(reverse("enrolment:roster_list"), upload)
    else:
        response = key_client(flexwerk).post("/api/v1/rosters/", upload, format="multipart")

    assert response.status_code in (400, 413)
    assert sum(_CountingUploadHandler.written) <= settings.UNIONROLL_ROSTER_MAX_BYTES


def test_the_upload_page_still_refuses_a_post_without_its_csrf_token(anna, settings):
    # The view installs the size limit before the CSRF check, so it makes that check itself.
    client = Client(enforce_csrf_checks=True)
    client.force_login(anna)

    response = client.post(reverse("enrolment:roster_list"), {"file": roster_file(VALID_ROSTER)})

    assert response.status_code == 403
    assert not RosterUpload.objects.exists()
    assert not (settings.MEDIA_ROOT / "rosters").exists()


def test_a_file_of_exactly_the_limit_is_accepted(
    client, anna, settings, django_capture_on_commit_callbacks
):
    settings.UNIONROLL_ROSTER_MAX_BYTES = len(VALID_ROSTER.encode())
    client.force_login(anna)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("enrolment:roster_list"), {"file": roster_file(VALID_ROSTER)}
        )

    assert response.status_code == 302
    assert RosterUpload.objects.get().status == RosterUpload.Status.APPLIED


def test_the_service_refuses_a_file_over_the_limit_whoever_calls_it(flexwerk, settings):
    settings.UNIONROLL_ROSTER_MAX_BYTES = 100

    with pytest.raises(ApplicationError) as exc:
        roster_submit(
            organisation=flexwerk,
            file=File(ContentFile(VALID_ROSTER.encode())),
            filename="loonrun.csv",
            source="api",
        )

    assert exc.value.code == "file_too_large"
    assert not RosterUpload.objects.exists()


# --- Stale imports ---


def test_a_processing_upload_left_by_a_killed_worker_is_failed_with_a_reason(
    client, anna, flexwerk
):
    with time_machine.travel(NOW - dt.timedelta(minutes=31), tick=False):
        upload = RosterUploadFactory(
            organisation=flexwerk,
            status=RosterUpload.Status.PROCESSING,
            started_at=timezone.now(),
            period_start=None,
            period_end=None,
        )

    with time_machine.travel(NOW, tick=False):
        assert tasks.roster_uploads_stale_fail_task.delay().get() == 1

    upload.refresh_from_db()
    assert upload.status == RosterUpload.Status.FAILED
    assert upload.failure_reason == RosterUpload.FailureReason.STOPPED
    assert upload.finished_at == NOW
    client.force_login(anna)
    page = client.get(reverse("enrolment:roster_detail", args=[upload.pk]))
    assert "The import stopped before it finished" in text_of(page)
    assert "Please upload it again" in text_of(page)
    # The page stops following it.
    assert "roster_progress.js" not in page.content.decode()
    status = client.get(reverse("enrolment:roster_status", args=[upload.pk])).json()
    assert status == {"status": "failed", "running": False, "phase": None, "rows_done": None}
    detail = key_client(flexwerk).get(f"/api/v1/rosters/{upload.pk}/").json()
    assert detail["status"] == "failed"
    assert detail["failure_reason"] == "stopped"
    assert detail["failure_message"] == STOPPED_MESSAGE


def test_an_upload_processing_for_less_than_the_stale_time_is_left_alone(flexwerk, settings):
    settings.UNIONROLL_ROSTER_STALE_MINUTES = 30
    upload = RosterUploadFactory(
        organisation=flexwerk,
        status=RosterUpload.Status.PROCESSING,
        started_at=NOW - dt.timedelta(minutes=29),
    )

    assert roster_uploads_stale_fail(now=NOW) == []

    upload.refresh_from_db()
    assert upload.status == RosterUpload.Status.PROCESSING
    assert upload.failure_reason == ""


def test_the_stale_time_is_a_setting(flexwerk, settings):
    settings.UNIONROLL_ROSTER_STALE_MINUTES = 5
    upload = RosterUploadFactory(
        organisation=flexwerk,
        status=RosterUpload.Status.PROCESSING,
        started_at=NOW - dt.timedelta(minutes=6),
    )

    assert roster_uploads_stale_fail(now=NOW) == [upload.pk]


def test_a_received_upload_no_worker_took_up_for_a_day_is_failed(flexwerk):
    with time_machine.travel(NOW - dt.timedelta(hours=25), tick=False):
        lost = RosterUploadFactory(organisation=flexwerk, status=RosterUpload.Status.RECEIVED)
    with time_machine.travel(NOW - dt.timedelta(hours=2), tick=False):
        queued = RosterUploadFactory(organisation=flexwerk, status=RosterUpload.Status.RECEIVED)

    assert roster_uploads_stale_fail(now=NOW) == [lost.pk]

    queued.refresh_from_db()
    assert queued.status == RosterUpload.Status.RECEIVED


def test_finished_uploads_are_never_marked_stale(flexwerk):
    old = NOW - dt.timedelta(days=3)
    for status in (RosterUpload.Status.APPLIED, RosterUpload.Status.REJECTED):
        RosterUploadFactory(organisation=flexwerk, status=status, started_at=old)

    assert roster_uploads_stale_fail(now=NOW) == []


def test_a_redelivered_task_for_an_upload_failed_as_stopped_changes_nothing(
    flexwerk, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(roster_service, "_queue_processing", lambda upload_id: None)
    upload = submitted(flexwerk, VALID_ROSTER, django_capture_on_commit_callbacks)
    RosterUpload.objects.filter(pk=upload.pk).update(
        status=RosterUpload.Status.FAILED, failure_reason=RosterUpload.FailureReason.STOPPED
    )

    assert roster_process(upload_id=upload.pk).status == RosterUpload.Status.FAILED

    assert Person.objects.count() == 0


# --- Uploaded files do not live forever ---


def test_an_applied_upload_loses_its_file_and_keeps_its_hash_for_duplicates(
    flexwerk, django_capture_on_commit_callbacks
):
    first = submitted(flexwerk, VALID_ROSTER, django_capture_on_commit_callbacks)

    assert first.status == RosterUpload.Status.APPLIED
    assert first.file.name == ""
    assert not os.path.exists(stored_file_of(first))
    assert first.sha256

    again = submitted(flexwerk, VALID_ROSTER, django_capture_on_commit_callbacks)

    assert again.status == RosterUpload.Status.DUPLICATE
    assert again.duplicate_of == first
    assert again.file.name == ""
    assert not os.path.exists(stored_file_of(again))


def test_a_rejected_upload_loses_its_file_and_keeps_its_error_report(
    client, anna, flexwerk, django_capture_on_commit_callbacks
):
    upload = submitted(flexwerk, ROSTER_WITH_ERRORS, django_capture_on_commit_callbacks)

    assert upload.status == RosterUpload.Status.REJECTED
    assert upload.file.name == ""
    assert not os.path.exists(stored_file_of(upload))
    client.force_login(anna)
    report = client.get(reverse("enrolment:roster_errors_csv", args=[upload.pk]))
    assert "hours_worked" in report.content.decode("utf-8-sig")


def test_the_file_is_deleted_only_when_the_outcome_commits(
    flexwerk, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(roster_service, "_queue_processing", lambda upload_id: None)
    upload = submitted(flexwerk, VALID_ROSTER, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        roster_process(upload_id=upload.pk)

    # Applied, but not committed yet: the file is still there.
    assert os.path.exists(stored_file_of(upload))
    for callback in callbacks:
        callback()
    assert not os.path.exists(stored_file_of(upload))


def test_a_failed_upload_keeps_its_file_until_the_retention_time_then_it_is_purged(
    flexwerk, django_capture_on_commit_callbacks, monkeypatch, settings
):
    from enrolment.services import ingest_sql

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(ingest_sql, "apply", broken)
    with time_machine.travel(NOW - dt.timedelta(days=7, minutes=1), tick=False):
        upload = submitted(flexwerk, VALID_ROSTER, django_capture_on_commit_callbacks)
    assert upload.status == RosterUpload.Status.FAILED
    assert os.path.exists(stored_file_of(upload))

    with time_machine.travel(NOW - dt.timedelta(minutes=2), tick=False):
        assert roster_files_purge() == 0
    assert os.path.exists(stored_file_of(upload))

    with time_machine.travel(NOW, tick=False):
        assert tasks.roster_files_purge_task.delay().get() == 1

    assert not os.path.exists(stored_file_of(upload))
    upload.refresh_from_db()
    assert upload.file.name == ""
    assert upload.status == RosterUpload.Status.FAILED
    assert upload.sha256


def test_the_retention_time_of_failed_uploads_is_a_setting(flexwerk, settings):
    settings.UNIONROLL_ROSTER_FAILED_RETENTION_DAYS = 2
    upload = RosterUploadFactory(
        organisation=flexwerk,
        status=RosterUpload.Status.FAILED,
        finished_at=NOW - dt.timedelta(days=3),
    )
    upload.file.save(upload.storage_key, ContentFile(b"x"), save=True)

    assert roster_files_purge(now=NOW) == 1

    upload.refresh_from_db()
    assert upload.file.name == ""


def test_the_purge_leaves_running_uploads_files_and_sweeps_ended_and_orphaned_ones(
    flexwerk, settings
):
    running = RosterUploadFactory(organisation=flexwerk, status=RosterUpload.Status.PROCESSING)
    running.file.save(running.storage_key, ContentFile(b"x"), save=True)
    # An ended upload whose file outlived it (the process stopped before deleting it).
    ended = RosterUploadFactory(organisation=flexwerk, status=RosterUpload.Status.APPLIED)
    ended.file.save(ended.storage_key, ContentFile(b"x"), save=True)
    # A file whose upload row was never committed.
    orphan = default_storage.save("rosters/orphan", ContentFile(b"x"))
    young_orphan = default_storage.save("rosters/young-orphan", ContentFile(b"x"))
    old = (NOW - dt.timedelta(days=2)).timestamp()
    os.utime(default_storage.path(orphan), (old, old))
    os.utime(default_storage.path(young_orphan), (NOW.timestamp(), NOW.timestamp()))

    assert roster_files_purge(now=NOW) == 2

    assert default_storage.exists(running.file.name)
    assert not os.path.exists(stored_file_of(ended))
    assert not default_storage.exists(orphan)
    assert default_storage.exists(young_orphan)


def test_the_command_line_import_never_deletes_the_file_it_was_given(
    tmp_path, flexwerk, django_capture_on_commit_callbacks
):
    applied = tmp_path / "week-45.csv"
    applied.write_text(VALID_ROSTER, encoding="utf-8")
    rejected = tmp_path / "week-45-errors.csv"
    rejected.write_text(ROSTER_WITH_ERRORS, encoding="utf-8")

    with django_capture_on_commit_callbacks(execute=True):
        assert roster_import_path(organisation=flexwerk, path=applied).status == "applied"
        assert roster_import_path(organisation=flexwerk, path=rejected).status == "rejected"
        assert roster_import_path(organisation=flexwerk, path=applied).status == "duplicate"
    roster_files_purge(now=timezone.now() + dt.timedelta(days=30))

    assert applied.read_text(encoding="utf-8") == VALID_ROSTER
    assert rejected.read_text(encoding="utf-8") == ROSTER_WITH_ERRORS
