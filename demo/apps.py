from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """``manage.py demo_load``: the embedded demonstration, which drives every app from the top.
    Nothing imports it."""

    name = "demo"
    default_auto_field = "django.db.models.BigAutoField"
