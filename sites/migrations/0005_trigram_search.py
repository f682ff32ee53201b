"""PostgreSQL only: trigram indexes on UPPER(name) and UPPER(brand_name) for the site list's keyword search
(sites.filters.SiteFilter.filter_keyword). SQLite: nothing (it stays correct, not fast)."""

from django.db import migrations

INDEXES = {
    "site_name_trgm": "sites_site USING gin (UPPER(name) gin_trgm_ops)",
    "site_brand_trgm": "sites_site USING gin (UPPER(brand_name) gin_trgm_ops)",
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
    dependencies = [("sites", "0004_list_indexes"), ("accounts", "0006_trigram_search")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
