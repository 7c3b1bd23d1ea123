from __future__ import annotations

from django.apps import AppConfig


class LeviesConfig(AppConfig):
    name = "levies"
    default_auto_field = "django.db.models.BigAutoField"
