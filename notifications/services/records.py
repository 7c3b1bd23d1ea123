"""Writes of the notifications app. Delivery arrives with the members issue; until then a
notice is recorded as due, once, and the record is what later delivery works from."""

from __future__ import annotations

from django.db import connection, transaction


def welcome_notices_record(*, upload_id: int) -> int:
    """Record a welcome notice as due for every enrolment that this roster upload made.

    Idempotent: the (person, kind, subject) constraint makes a second run insert nothing. The
    subject names the enrolment spell, so a re-enrolment after an opt-out is told again. The
    membership remembers the upload that last enrolled it, so this reads one table, not the
    event log; a membership that a later upload re-enrolled before this ran is told by that
    upload's run, under its new spell.
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
