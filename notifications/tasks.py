"""Thin Celery tasks: take ids, call a service, safe to run twice."""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(acks_late=True)
def welcome_notices_record(upload_id: int) -> int:
    from notifications import services

    return services.welcome_notices_record(upload_id=upload_id)


@shared_task(bind=True, acks_late=True)
def notice_deliver_task(self: Any, notice_id: int) -> str:
    """Deliver one notice; schedule the next try for a deferral (quiet hours, back-off).

    Run eagerly (development, tests) nothing is scheduled ahead: the task would run again at
    once. The dispatcher picks a deferred notice up when its time has come.
    """
    from notifications import services

    outcome = services.notice_deliver(notice_id=notice_id)
    if outcome.retry_at is not None and not self.app.conf.task_always_eager:
        notice_deliver_task.apply_async((notice_id,), eta=outcome.retry_at)
        services.notice_mark_queued(notice_id=notice_id, at=outcome.retry_at)
    return outcome.status


@shared_task(acks_late=True)
def notices_dispatch_task() -> int:
    """Beat, every few minutes: queue a delivery task for every notice whose time has come."""
    from notifications import services

    queued = 0
    # Each batch has committed its "queued" marks before its tasks are sent.
    while ids := services.notices_dispatch_batch():
        for notice_id in ids:
            notice_deliver_task.delay(notice_id)
        queued += len(ids)
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
