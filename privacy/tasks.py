from __future__ import annotations

from celery import shared_task


@shared_task
def retention_run_task() -> dict[str, int]:
    """Daily: the retention rules (privacy.retention); returns the counts."""
    from privacy.retention import retention_run

    return retention_run()
