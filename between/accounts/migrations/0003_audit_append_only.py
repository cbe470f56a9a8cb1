"""On PostgreSQL, the database itself refuses UPDATE and DELETE on the audit trail, so no code
path (nor a person at a SQL prompt with the app's role) can rewrite history unnoticed.

TRUNCATE is not covered by a trigger on purpose: Django's test runner empties tables with it
between transactional tests. In production the application's database role is granted no
TRUNCATE privilege on this table (see docs/adr/001-foundation.md)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION between_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = 'accounts_auditevent is append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_auditevent_append_only
  BEFORE UPDATE OR DELETE ON accounts_auditevent
  FOR EACH ROW EXECUTE FUNCTION between_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS accounts_auditevent_append_only ON accounts_auditevent;
DROP FUNCTION IF EXISTS between_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
