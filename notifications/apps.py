from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Notifications listens: the apps below publish facts, and never call up.
        from notifications import listeners

        listeners.subscribe()

        # Facts of the kinds that live outside delivery.py: what each notice says when its
        # turn comes, or None when it no longer applies.
        from notifications.services.delivery import notice_facts_register
        from notifications.services.records import contact_changed_facts
        from notifications.services.rights import phase_change_facts, rights_reminder_facts
        from notifications.services.visits import visit_notice_facts

        notice_facts_register("visit", visit_notice_facts)
        notice_facts_register("rights_reminder", rights_reminder_facts)
        notice_facts_register("phase_change", phase_change_facts)
        notice_facts_register("contact_changed", contact_changed_facts)
