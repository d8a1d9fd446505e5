"""The database's own guarantee that a provider's active appointments never overlap.

PostgreSQL only (an exclusion constraint over a GiST index, which needs btree_gist for the
``provider_id WITH =`` part). On SQLite the booking services serialise writers with
IMMEDIATE transactions instead (see config.settings).
"""

from django.db import migrations

CONSTRAINT = "booking_appt_no_overlap"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"""
        ALTER TABLE booking_appointment ADD CONSTRAINT {CONSTRAINT}
        EXCLUDE USING gist (
            provider_id WITH =,
            tstzrange("start", occupied_until, '[)') WITH &&
        ) WHERE (status IN ('held', 'requested', 'confirmed'))
        """
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE booking_appointment DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]

    operations = [migrations.RunPython(add_constraint, drop_constraint)]
