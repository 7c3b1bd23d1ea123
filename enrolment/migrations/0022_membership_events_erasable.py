from __future__ import annotations

from django.db import migrations

# Membership events stay append-only, with one exception: an erasure (privacy.erasure) blanks
# the free-text note and the data (a receipt number, dates also kept on the membership) of a
# person's events, and nothing else. It says so with SET LOCAL unionroll.erasing = 'on' in its own
# transaction; any other change, and every DELETE, is refused as before.
FORWARD = """
CREATE OR REPLACE FUNCTION enrolment_refuse_event_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND coalesce(current_setting('unionroll.erasing', true), '') = 'on'
       AND (to_jsonb(NEW) - 'note' - 'data') = (to_jsonb(OLD) - 'note' - 'data') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'membership events are append-only (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""

REVERSE = """
CREATE OR REPLACE FUNCTION enrolment_refuse_event_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'membership events are append-only (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("enrolment", "0021_person_erasure")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
