"""Thin Celery tasks: take ids, call a service, safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def roster_process_task(upload_id: int) -> str:
    from enrolment.services import roster_process

    # A finished upload is returned unchanged, so a redelivered message does nothing.
    return roster_process(upload_id=upload_id).status


@shared_task
def roster_uploads_stale_fail_task() -> int:
    from enrolment.services import roster_uploads_stale_fail

    return len(roster_uploads_stale_fail())


@shared_task
def roster_files_purge_task() -> int:
    from enrolment.services import roster_files_purge

    return roster_files_purge()


@shared_task
def memberships_advance() -> dict[str, int]:
    from enrolment.services import memberships_advance as advance

    return advance()


@shared_task(acks_late=True)
def signin_request_process_task(request_id: int) -> str:
    """A member's request for a sign-in link: look the contact up, issue the link, have it
    sent. Takes the request's id only: what was typed waits in the database, never in the
    broker. Safe to run twice: the first run deletes the request."""
    from enrolment.credentials import signin_request_process

    return signin_request_process(request_id=request_id)
