from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def welcome_notices_record(upload_id: int) -> int:
    from notifications import services

    return services.welcome_notices_record(upload_id=upload_id)
