"""Rights notices: a yearly reminder of a member's main rights, and a notice when their phase
under the agency CAO changes. Both recorded set-based; the dispatcher delivers them.

Yearly reminder: a member hears it on each anniversary of their first welcome notice that went
out (sent, or a letter queued for print), for as long as the membership is live. The welcome is
the first time they heard of their rights, so "a year after we told you" is the anniversary that
means something to the member; ``covered_from`` can lie weeks before a member ever heard from us
(a roster uploaded late), and a membership whose welcome never went out has nothing to remind of.
The subject names the anniversary's calendar year (``rights:<membership>:<year>``), so a day the
beat missed is caught up the next day and each year is told once.

Phase change: after a roster commits, each person in it whose phase on their line differs from
the phase on their previous period's line in the same sector (both filled in) is told what the
new phase means: ``phase:<membership>:<phase>``, once per phase.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notice
from notifications.services.visits import LIVE_STATUSES

# Phases whose meaning the notice spells out; other phase codes get the general text.
PHASES_EXPLAINED = ("A", "B", "C")

_RIGHTS_REMINDERS_SQL = """
WITH welcomed AS (
    SELECT n.membership_id,
           (min(n.sent_at) AT TIME ZONE 'Europe/Amsterdam')::date AS welcomed_on
    FROM notifications_notice n
    WHERE n.kind = 'welcome' AND n.status IN ('sent', 'queued_for_print')
      AND n.membership_id IS NOT NULL AND n.sent_at < %(cutoff)s
    GROUP BY n.membership_id
), due AS (
    SELECT m.person_id, m.id AS membership_id,
           extract(year FROM w.welcomed_on)::int
               + extract(year FROM age(%(today)s::date, w.welcomed_on))::int AS year
    FROM welcomed w
    JOIN enrolment_membership m ON m.id = w.membership_id
    JOIN enrolment_person p ON p.id = m.person_id
    WHERE m.status = ANY(%(live)s) AND p.merged_into_id IS NULL
      AND age(%(today)s::date, w.welcomed_on) >= interval '1 year'
)
INSERT INTO notifications_notice
    (person_id, membership_id, kind, subject, status, data, created_at)
SELECT d.person_id, d.membership_id, 'rights_reminder',
       'rights:' || d.membership_id || ':' || d.year, 'due',
       jsonb_build_object('year', d.year), now()
FROM due d
ORDER BY d.person_id
ON CONFLICT (person_id, kind, subject) DO NOTHING
"""


def rights_reminders_record(*, today: dt.date | None = None) -> int:
    """Record the yearly rights reminder of every live membership whose welcome anniversary has
    come this year and was not told yet. Safe to run any number of times a day."""
    today = today or timezone.localdate()
    # A welcome sent after this moment cannot have had its first anniversary by today.
    cutoff = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time()))
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            _RIGHTS_REMINDERS_SQL, {"today": today, "cutoff": cutoff, "live": LIVE_STATUSES}
        )
        return cur.rowcount


_PHASE_CHANGES_SQL = """
INSERT INTO notifications_notice
    (person_id, membership_id, kind, subject, status, data, created_at)
SELECT DISTINCT ON (m.id)
       l.person_id, m.id, 'phase_change', 'phase:' || m.id || ':' || upper(btrim(l.cao_phase)),
       'due',
       jsonb_build_object('phase', upper(btrim(l.cao_phase)),
                          'previous', upper(btrim(prev.cao_phase))),
       now()
FROM enrolment_payrollline l
JOIN enrolment_membership m ON m.person_id = l.person_id AND m.sector_id = l.sector_id
JOIN enrolment_person p ON p.id = l.person_id
CROSS JOIN LATERAL (
    SELECT e.cao_phase
    FROM enrolment_payrollline e
    WHERE e.person_id = l.person_id AND e.sector_id = l.sector_id
      AND e.superseded_by_id IS NULL AND e.period_start < l.period_start
    ORDER BY e.period_start DESC, e.id DESC
    LIMIT 1
) prev
WHERE l.upload_id = %(upload)s AND l.superseded_by_id IS NULL
  AND btrim(l.cao_phase) <> '' AND btrim(prev.cao_phase) <> ''
  AND upper(btrim(prev.cao_phase)) <> upper(btrim(l.cao_phase))
  AND m.status = ANY(%(live)s) AND p.merged_into_id IS NULL
ORDER BY m.id, l.id
ON CONFLICT (person_id, kind, subject) DO NOTHING
"""


def phase_change_notices_record(*, upload_id: int) -> int:
    """Record a phase-change notice for every member of this roster whose phase changed since
    their previous period. Idempotent: once per membership and phase."""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(_PHASE_CHANGES_SQL, {"upload": upload_id, "live": LIVE_STATUSES})
        return cur.rowcount


def rights_url() -> str:
    return settings.UNIONROLL_PORTAL_BASE_URL + reverse("portal:rights")


def _live(notice: Notice) -> bool:
    membership = notice.membership
    return (
        membership is not None
        and membership.status in LIVE_STATUSES
        and notice.person.merged_into_id is None
    )


def rights_reminder_facts(notice: Notice, today: dt.date) -> Any:
    """None once the member has left: a reminder of rights is for members."""
    from notifications.rendering import NoticeFacts

    if not _live(notice):
        return None
    return NoticeFacts(first_name=notice.person.first_name, extra={"rights_url": rights_url()})


def phase_change_facts(notice: Notice, today: dt.date) -> Any:
    from notifications.rendering import NoticeFacts

    if not _live(notice):
        return None
    phase = (notice.data or {}).get("phase", "")
    return NoticeFacts(
        first_name=notice.person.first_name,
        extra={
            "phase": phase,
            "phase_explained": phase if phase in PHASES_EXPLAINED else "",
            "rights_url": rights_url(),
        },
    )
