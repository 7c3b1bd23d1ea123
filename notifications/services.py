"""Writes of the notifications app. Delivery arrives with the members issue; until then a
notice is recorded as due, once, and the record is what later delivery works from."""

from __future__ import annotations

from django.db import connection, transaction


def welcome_notices_record(*, upload_id: int) -> int:
    """Record a welcome notice as due for every enrolment that this roster upload made.

    Idempotent: the (person, kind, subject) constraint makes a second run insert nothing. The
    subject names the enrolment spell, so a re-enrolment after an opt-out is told again.
    """
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO notifications_notice
                (person_id, membership_id, kind, subject, status, created_at)
            SELECT m.person_id, m.id, 'welcome',
                   'membership:' || m.id || ':spell:' || coalesce((e.data->>'spell')::int, 1),
                   'due', now()
            FROM enrolment_membershipevent e
            JOIN enrolment_membership m ON m.id = e.membership_id
            WHERE e.upload_id = %s AND e.to_status = 'enrolled'
            ON CONFLICT (person_id, kind, subject) DO NOTHING
            """,
            [upload_id],
        )
        return cur.rowcount
