"""Writes of the notifications app: workplace visits, recording notices, and delivering them."""

from notifications.services.delivery import (
    DeliveryOutcome,
    notice_channel,
    notice_deliver,
    notices_dispatch_batch,
)
from notifications.services.records import (
    contact_changed_notice_record,
    membership_notice_record,
    membership_subject,
    welcome_notices_record,
    window_closing_notices_record,
)
from notifications.services.rights import phase_change_notices_record, rights_reminders_record
from notifications.services.visits import (
    organisation_notice_deliver,
    organisation_notices_due,
    visit_access_notices_record,
    visit_cancel,
    visit_notices_record,
    visit_reschedule,
    visit_schedule,
    visit_subject,
    visit_validate,
)

__all__ = [
    "DeliveryOutcome",
    "contact_changed_notice_record",
    "membership_notice_record",
    "membership_subject",
    "notice_channel",
    "notice_deliver",
    "notices_dispatch_batch",
    "organisation_notice_deliver",
    "organisation_notices_due",
    "phase_change_notices_record",
    "rights_reminders_record",
    "visit_access_notices_record",
    "visit_cancel",
    "visit_notices_record",
    "visit_reschedule",
    "visit_schedule",
    "visit_subject",
    "visit_validate",
    "welcome_notices_record",
    "window_closing_notices_record",
]
