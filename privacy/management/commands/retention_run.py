"""manage.py retention_run: one pass of the retention rules (docs/data-protection.md,
"Retention"), as the daily task runs them; prints what it did, in counts."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from privacy.retention import retention_run


class Command(BaseCommand):
    help = "Apply the retention rules now (erase inactive persons, purge old sign-in data)."

    def handle(self, *args, **options) -> None:
        for key, count in retention_run().items():
            self.stdout.write(f"{key}: {count}")
