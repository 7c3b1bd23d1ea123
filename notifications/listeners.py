"""What notifications does when the apps below it publish a fact (unionroll.events).

Subscribed in NotificationsConfig.ready(). Each handler runs after the publisher's transaction
has committed and hands the work to a task (run at once without a broker), so a slow provider
never holds up a roster import or a page.
"""

from __future__ import annotations

import logging

from enrolment.events import (
    ContactDetailsReplaced,
    MembershipOptedIn,
    MembershipOptedOut,
    MembershipOptOutUndone,
    RosterApplied,
    SignInLinkRequested,
)
from notifications import tasks
from notifications.events import VisitCancelled, VisitChanged, VisitScheduled
from unionroll import events

logger = logging.getLogger(__name__)


def roster_applied(event: RosterApplied) -> None:
    tasks.welcome_notices_record.delay(event.upload_id)
    tasks.phase_change_notices_record_task.delay(event.upload_id)


def membership_opted_out(event: MembershipOptedOut) -> None:
    data = {"void": event.void, "ended_on": event.ended_on.isoformat() if event.ended_on else None}
    tasks.membership_notice_send_task.delay(event.membership_id, "opt_out", event.spell, data)


def membership_opt_out_undone(event: MembershipOptOutUndone) -> None:
    from notifications.services.records import opt_out_notice_withdraw

    opt_out_notice_withdraw(membership_id=event.membership_id, spell=event.spell)


def membership_opted_in(event: MembershipOptedIn) -> None:
    data = {"covered_from": event.covered_from.isoformat()}
    tasks.membership_notice_send_task.delay(event.membership_id, "opt_in", event.spell, data)


def contact_details_replaced(event: ContactDetailsReplaced) -> None:
    from notifications.services import contact_changed_notice_record

    notice_id = contact_changed_notice_record(
        person_id=event.person_id, field=event.field, previous=event.previous
    )
    tasks.notice_deliver_task.delay(notice_id)


def signin_link_requested(event: SignInLinkRequested) -> None:
    # The notifications queue: a link is wanted within seconds, not after a roster import on
    # the ingest queue. argsrepr keeps the token out of monitoring tools and worker logs.
    tasks.signin_link_send_task.apply_async(
        args=(event.link_id, event.token),
        queue="notifications",
        argsrepr=f"({event.link_id}, '***')",
    )


def visit_changed(event: VisitScheduled | VisitChanged | VisitCancelled) -> None:
    tasks.visit_notices_record_task.delay(event.visit_id, event.version)


def subscribe() -> None:
    events.subscribe(RosterApplied, roster_applied)
    events.subscribe(MembershipOptedOut, membership_opted_out)
    events.subscribe(MembershipOptedIn, membership_opted_in)
    events.subscribe(MembershipOptOutUndone, membership_opt_out_undone)
    events.subscribe(ContactDetailsReplaced, contact_details_replaced)
    events.subscribe(SignInLinkRequested, signin_link_requested)
    for visit_event in (VisitScheduled, VisitChanged, VisitCancelled):
        events.subscribe(visit_event, visit_changed)
