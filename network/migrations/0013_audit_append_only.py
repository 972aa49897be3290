"""PostgreSQL itself refuses to change or delete an audit entry, whoever asks.

Only entries older than the network's retention period may be deleted (by the nightly prune).
TRUNCATE stays with the table's owner: the test suite empties tables that way between tests.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION network_audit_append_only() RETURNS trigger AS $$
DECLARE
    keep_days integer;
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT audit_retention_days INTO keep_days FROM network_networksettings WHERE id = 1;
        IF OLD.created_at < now() - make_interval(days => COALESCE(keep_days, 2557)) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'The audit log is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER network_audit_append_only
    BEFORE UPDATE OR DELETE ON network_auditevent
    FOR EACH ROW EXECUTE FUNCTION network_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS network_audit_append_only ON network_auditevent;
DROP FUNCTION IF EXISTS network_audit_append_only();
"""


def run(sql: str):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("network", "0012_audit_and_board_settings")]

    operations = [migrations.RunPython(run(CREATE), run(DROP))]
