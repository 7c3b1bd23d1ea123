"""Writes of the notifications app: recording notices, and delivering them."""

from notifications.services.delivery import (
    DeliveryOutcome,
    notice_channel,
    notice_deliver,
    notice_mark_queued,
    notices_dispatch_batch,
)
from notifications.services.records import (
    membership_notice_record,
    membership_subject,
    welcome_notices_record,
    window_closing_notices_record,
)

__all__ = [
    "DeliveryOutcome",
    "membership_notice_record",
    "membership_subject",
    "notice_channel",
    "notice_deliver",
    "notice_mark_queued",
    "notices_dispatch_batch",
    "welcome_notices_record",
    "window_closing_notices_record",
]
