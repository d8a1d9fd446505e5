"""Trigram indexes for the free-text search (``q``), on PostgreSQL only.

``icontains`` compiles to ``UPPER(column::text) LIKE UPPER('%...%')``, which a B-tree cannot
serve; a GIN index with ``gin_trgm_ops`` on the same expression can. SQLite (the embedded
default, small data) keeps scanning.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "directory_provider_name_trgm": ("directory_provider", "name"),
    "directory_provider_description_trgm": ("directory_provider", "description"),
    "directory_location_city_trgm": ("directory_location", "city"),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, column) in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0004_location_search_facts"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
