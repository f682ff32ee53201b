"""PostgreSQL only: trigram and bigram indexes on UPPER(name) and UPPER(brand_name) for the site list's keyword
search (sites.filters.matching_site_ids, core.search; pg_trgm and dsm_bigrams come from accounts.0006).
SQLite: nothing (it stays correct, not fast)."""

from django.db import migrations

INDEXES = {
    "site_name_trgm": "sites_site USING gin (UPPER(name) gin_trgm_ops)",
    "site_brand_trgm": "sites_site USING gin (UPPER(brand_name) gin_trgm_ops)",
    "site_name_bigram": "sites_site USING gin (dsm_bigrams(UPPER(name)))",
    "site_brand_bigram": "sites_site USING gin (dsm_bigrams(UPPER(brand_name)))",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
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
