from __future__ import annotations

from django.db import migrations

# Membership events are the history the current state is rebuilt from: the database itself
# refuses to change or delete one, whatever code path tries.
FORWARD = """
CREATE FUNCTION enrolment_refuse_event_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'membership events are append-only (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER membershipevent_append_only
    BEFORE UPDATE OR DELETE ON enrolment_membershipevent
    FOR EACH ROW EXECUTE FUNCTION enrolment_refuse_event_change();
"""

REVERSE = """
DROP TRIGGER IF EXISTS membershipevent_append_only ON enrolment_membershipevent;
DROP FUNCTION IF EXISTS enrolment_refuse_event_change();
"""


class Migration(migrations.Migration):
    dependencies = [("enrolment", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
