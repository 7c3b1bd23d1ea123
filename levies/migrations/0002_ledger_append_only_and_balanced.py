from __future__ import annotations

from django.db import migrations

# The ledger is the record of money: the database itself refuses to change or delete a posting
# or a transaction, whatever code path tries, and refuses to commit a transaction whose postings
# do not sum to zero. The balance check is a constraint trigger DEFERRABLE INITIALLY DEFERRED,
# so the legs of a transaction may be inserted one by one and are checked together at COMMIT
# (or at SET CONSTRAINTS ... IMMEDIATE).
FORWARD = """
CREATE FUNCTION levies_refuse_ledger_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only (% on % refused)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER ledgerposting_append_only
    BEFORE UPDATE OR DELETE ON levies_ledgerposting
    FOR EACH ROW EXECUTE FUNCTION levies_refuse_ledger_change();

CREATE TRIGGER ledgertransaction_append_only
    BEFORE UPDATE OR DELETE ON levies_ledgertransaction
    FOR EACH ROW EXECUTE FUNCTION levies_refuse_ledger_change();

CREATE FUNCTION levies_check_transaction_balanced() RETURNS trigger AS $$
DECLARE
    total numeric;
BEGIN
    SELECT coalesce(sum(amount), 0) INTO total
    FROM levies_ledgerposting WHERE transaction_id = NEW.transaction_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance (sum %)', NEW.transaction_id, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER ledgerposting_balanced
    AFTER INSERT ON levies_ledgerposting
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION levies_check_transaction_balanced();
"""

REVERSE = """
DROP TRIGGER IF EXISTS ledgerposting_balanced ON levies_ledgerposting;
DROP FUNCTION IF EXISTS levies_check_transaction_balanced();
DROP TRIGGER IF EXISTS ledgertransaction_append_only ON levies_ledgertransaction;
DROP TRIGGER IF EXISTS ledgerposting_append_only ON levies_ledgerposting;
DROP FUNCTION IF EXISTS levies_refuse_ledger_change();
"""


class Migration(migrations.Migration):
    dependencies = [("levies", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
