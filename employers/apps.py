from __future__ import annotations

from django.apps import AppConfig


class EmployersConfig(AppConfig):
    name = "employers"
    default_auto_field = "django.db.models.BigAutoField"
