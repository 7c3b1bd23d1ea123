"""Thin Celery tasks: take ids, call a service, safe to run twice."""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(acks_late=True)
def welcome_notices_record(upload_id: int) -> int:
    from notifications import services

    return services.welcome_notices_record(upload_id=upload_id)


# Notices per delivery task the dispatcher sends. Publishing a task message costs about
# 0.35 ms, so one per notice made the 20,000 notices of a large workplace visit take 7.6 s to
# hand over; a hundred per task takes 200 messages, and a worker still moves on quickly (each
# notice is one provider call).
DELIVERY_CHUNK = 100


def _deliver(notice_id: int) -> str:
    """Deliver one notice. A deferral (quiet hours, a try that failed for now) is not scheduled
    as a delayed task message: a Redis broker hands an unacknowledged ETA message out again
    after its visibility timeout, so they multiply. The dispatcher picks the notice up from the
    database when its time has come."""
    from notifications import services

    return services.notice_deliver(notice_id=notice_id).status


@shared_task(acks_late=True)
def notice_deliver_task(notice_id: int) -> str:
    """Deliver one notice (a confirmation just recorded, a retry)."""
    return _deliver(notice_id)


@shared_task(acks_late=True)
def notices_deliver_task(notice_ids: list[int]) -> dict[str, int]:
    """Deliver a chunk of notices from the dispatcher, one after the other. Safe to run twice:
    each notice is claimed by a conditional UPDATE, so a notice already sent is skipped."""
    outcomes: dict[str, int] = {}
    for notice_id in notice_ids:
        status = _deliver(notice_id)
        outcomes[status] = outcomes.get(status, 0) + 1
    return outcomes


@shared_task(acks_late=True)
def notices_dispatch_task() -> int:
    """Beat, every few minutes: queue delivery for every notice whose time has come."""
    from notifications import services

    queued = 0
    # Each batch has committed its "queued" marks before its tasks are sent.
    while ids := services.notices_dispatch_batch():
        for start in range(0, len(ids), DELIVERY_CHUNK):
            notices_deliver_task.delay(ids[start : start + DELIVERY_CHUNK])
        queued += len(ids)
    # Everything else the outbound pipeline failed to send for now, whose time has come.
    organisation_notices_retry_task.delay()
    invoice_reminders_retry_task.delay()
    signin_links_retry_task.delay()
    return queued


@shared_task(acks_late=True)
def membership_notice_send_task(
    membership_id: int, kind: str, spell: int, data: dict[str, Any] | None = None
) -> int | None:
    """Record a confirmation (opt-out, rejoin) for one spell and deliver it."""
    from notifications import services

    notice_id = services.membership_notice_record(
        membership_id=membership_id, kind=kind, spell=spell, data=data
    )
    if notice_id is not None:
        notice_deliver_task.delay(notice_id)
    return notice_id


@shared_task(acks_late=True)
def window_closing_notices_record_task() -> int:
    """Beat, daily: record and deliver "your opt-out window closes soon"."""
    from notifications import services

    ids = services.window_closing_notices_record()
    for notice_id in ids:
        notice_deliver_task.delay(notice_id)
    return len(ids)


# --- Workplace visits and rights notices -------------------------------------------------------


@shared_task(acks_late=True)
def visit_notices_record_task(visit_id: int, version: int) -> int:
    """After a visit is scheduled, moved or cancelled: record the members' notices (the
    dispatcher sends them when due) and send the access notices to the organisations."""
    from notifications import services

    recorded = services.visit_notices_record(visit_id=visit_id, version=version)
    for notice_id in services.visit_access_notices_record(visit_id=visit_id, version=version):
        organisation_notice_deliver_task.delay(notice_id)
    return recorded


@shared_task(acks_late=True)
def organisation_notice_deliver_task(notice_id: int) -> str:
    from notifications import services

    return services.organisation_notice_deliver(notice_id=notice_id)


@shared_task(acks_late=True)
def organisation_notices_retry_task() -> int:
    """From the dispatcher: access notices whose retry time has come."""
    from notifications import services

    ids = services.organisation_notices_due()
    for notice_id in ids:
        organisation_notice_deliver_task.delay(notice_id)
    return len(ids)


@shared_task(acks_late=True)
def rights_reminders_record_task() -> int:
    """Beat, daily: record the yearly rights reminders that have come due (the dispatcher
    delivers them)."""
    from notifications import services

    return services.rights_reminders_record()


@shared_task(acks_late=True)
def phase_change_notices_record_task(upload_id: int) -> int:
    """After a roster commits: record phase-change notices (the dispatcher delivers them)."""
    from notifications import services

    return services.phase_change_notices_record(upload_id=upload_id)


# --- Payment reminders and sign-in links ------------------------------------------------------


@shared_task(acks_late=True)
def invoice_reminders_send_task() -> dict[str, int]:
    """Beat, daily: the payment reminders that have come due."""
    from notifications.services.reminders import invoice_reminders_send

    return invoice_reminders_send()


@shared_task(acks_late=True)
def invoice_reminders_retry_task() -> int:
    """From the dispatcher: reminders whose send failed for now and whose time has come."""
    from notifications.services.reminders import invoice_reminders_retry

    return invoice_reminders_retry()


@shared_task(acks_late=True)
def signin_link_send_task(link_id: int, token: str) -> str:
    """Send one sign-in link. The token travels only in this message (only its hash is
    stored); the phone number or address is read from the database, never passed here."""
    from notifications.services.signin_links import signin_link_send

    return signin_link_send(link_id=link_id, token=token)


@shared_task(acks_late=True)
def signin_links_retry_task() -> int:
    from notifications.services.signin_links import signin_links_retry

    return signin_links_retry()


@shared_task(acks_late=True)
def contact_code_send_task(change_id: int, code: str) -> str:
    """Send the code for a new phone number or address. The code travels only in this message
    (only its keyed hash is stored); the new contact is read from the database."""
    from notifications.services.contact_codes import contact_code_send

    return contact_code_send(change_id=change_id, code=code)
