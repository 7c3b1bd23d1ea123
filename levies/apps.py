from __future__ import annotations

from django.apps import AppConfig


class LeviesConfig(AppConfig):
    name = "levies"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Billing publishes, payments listens: billing does not import payments.
        from levies.payments import listeners

        listeners.subscribe()
