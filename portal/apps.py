from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The member portal: a face on top of enrolment, notifications and employers. No models."""

    name = "portal"
    default_auto_field = "django.db.models.BigAutoField"
