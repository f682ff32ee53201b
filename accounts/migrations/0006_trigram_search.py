"""PostgreSQL only: pg_trgm and trigram indexes on UPPER(party organization name) and UPPER(secretary), so the keyword searches
(`name__icontains`, which PostgreSQL runs as `UPPER(name) LIKE UPPER('%term%')`) are index scans. SQLite: nothing.
sites.0005 adds the sites' own; the extension is created here because sites depends on accounts."""

from django.db import migrations

INDEXES = {
    "org_name_trgm": "accounts_partyorganization USING gin (UPPER(name) gin_trgm_ops)",
    "org_secretary_trgm": "accounts_partyorganization USING gin (UPPER(secretary) gin_trgm_ops)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_list_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
