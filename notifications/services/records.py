"""Recording notices as due. The (person, kind, subject) constraint makes each record once-only;
delivery (notifications.services.delivery) works from these rows."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from enrolment.models import Membership
from notifications.models import Notice
from notifications.rendering import NoticeFacts

_MEMBERSHIP_SUBJECT = re.compile(r"^membership:(\d+):spell:(\d+)$")


def membership_subject(*, membership_id: int, spell: int) -> str:
    """What a membership notice is about: one enrolment spell of one membership."""
    return f"membership:{membership_id}:spell:{spell}"


def membership_subject_spell(subject: str) -> int | None:
    match = _MEMBERSHIP_SUBJECT.match(subject)
    return int(match.group(2)) if match else None


def welcome_notices_record(*, upload_id: int) -> int:
    """Record a welcome notice as due for every enrolment that this roster upload made.

    Idempotent: the (person, kind, subject) constraint makes a second run insert nothing. The
    subject names the enrolment spell, so a re-enrolment after an opt-out is told again. The
    membership remembers the upload that last enrolled it, so this reads one table, not the
    event log; a membership that a later upload re-enrolled before this ran is told by that
    upload's run, under its new spell. Delivery is left to the dispatcher (a beat task), so a
    roster of a million rows does not queue a million tasks inside its commit hook.
    """
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO notifications_notice
                (person_id, membership_id, kind, subject, status, created_at)
            SELECT m.person_id, m.id, 'welcome', 'membership:' || m.id || ':spell:' || m.spell,
                   'due', now()
            FROM enrolment_membership m
            WHERE m.enrolled_by_upload_id = %s
            ORDER BY m.person_id
            ON CONFLICT (person_id, kind, subject) DO NOTHING
            """,
            [upload_id],
        )
        return cur.rowcount


def membership_notice_record(
    *, membership_id: int, kind: str, spell: int, data: dict[str, Any] | None = None
) -> int | None:
    """Record a notice about one spell of a membership (an opt-out or rejoin confirmation).

    Returns the new notice's id, or None if that notice was recorded before (a task run twice).
    """
    membership = Membership.objects.only("person_id").get(pk=membership_id)
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO notifications_notice
                (person_id, membership_id, kind, subject, status, data, created_at, queued_at)
            VALUES (%s, %s, %s, %s, 'due', %s::jsonb, now(), now())
            ON CONFLICT (person_id, kind, subject) DO NOTHING
            RETURNING id
            """,
            [
                membership.person_id,
                membership_id,
                kind,
                membership_subject(membership_id=membership_id, spell=spell),
                _json(data),
            ],
        )
        row = cur.fetchone()
    return row[0] if row else None


def window_closing_notices_record(
    *, today: dt.date | None = None, days: int | None = None
) -> list[int]:
    """Record "your opt-out window closes soon" for windows ending within ``days`` days.

    Once per spell (the constraint), and only for members whose welcome has reached them (sent,
    or a letter handed over or posted): the welcome told them the date first, and it is the
    welcome that started the window. A day the
    beat missed is caught up the next day, because the range starts at today.
    """
    today = today or timezone.localdate()
    days = settings.UNIONROLL_WINDOW_CLOSING_DAYS if days is None else days
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO notifications_notice
                (person_id, membership_id, kind, subject, status, created_at, queued_at)
            SELECT m.person_id, m.id, 'window_closing', w.subject, 'due', now(), now()
            FROM enrolment_membership m
            CROSS JOIN LATERAL (
                SELECT 'membership:' || m.id || ':spell:' || m.spell AS subject
            ) w
            WHERE m.status = 'enrolled'
              AND m.window_ends BETWEEN %(today)s AND %(last)s
              AND EXISTS (
                  SELECT 1 FROM notifications_notice n
                  WHERE n.person_id = m.person_id AND n.kind = 'welcome'
                    AND n.subject = w.subject
                    AND (n.status = 'sent'
                         OR (n.status = 'queued_for_print' AND n.handed_over_at IS NOT NULL))
              )
            ORDER BY m.id
            ON CONFLICT (person_id, kind, subject) DO NOTHING
            RETURNING id
            """,
            {"today": today, "last": today + dt.timedelta(days=days)},
        )
        return sorted(row[0] for row in cur.fetchall())


def contact_changed_notice_record(*, person_id: int, field: str, previous: str) -> int:
    """Record "your phone number / e-mail address for the union was changed", addressed to the
    ``previous`` one, within the caller's transaction; returns the notice id.

    One notice per change, recorded in the change's own transaction (nothing records it twice):
    the subject is the field and a random id, so changing the number twice tells both earlier
    numbers.
    """
    if field not in ("phone", "email"):
        raise ValueError(f"not a contact field: {field!r}")
    notice = Notice.objects.create(
        person_id=person_id,
        kind=Notice.Kind.CONTACT_CHANGED,
        subject=f"contact:{field}:{uuid.uuid4().hex}",
        data={"field": field, f"to_{field}": previous},
    )
    return notice.pk


def contact_changed_facts(notice: Notice, today: dt.date) -> NoticeFacts:
    return NoticeFacts(
        first_name=notice.person.first_name, extra={"field": (notice.data or {}).get("field")}
    )


def _json(data: dict[str, Any] | None) -> str | None:
    return None if data is None else json.dumps(data)


def opt_out_notice_withdraw(*, membership_id: int, spell: int) -> int:
    """The member undid their leave: the confirmation of it, if it has not gone out yet (it
    waits for the morning, or is a letter not yet handed over), is cancelled. Returns how many
    were."""
    return Notice.objects.filter(
        membership_id=membership_id,
        kind=Notice.Kind.OPT_OUT,
        subject=membership_subject(membership_id=membership_id, spell=spell),
        status__in=(Notice.Status.DUE, Notice.Status.DEFERRED, Notice.Status.QUEUED_FOR_PRINT),
        # A letter the union has handed over or posted has reached the member.
        handed_over_at__isnull=True,
    ).update(status=Notice.Status.CANCELLED)
