"""PostgreSQL only: what makes keyword searches index scans (core.search). SQLite: nothing.

- pg_trgm, and trigram indexes on UPPER(name) and UPPER(secretary) of party organizations, for terms of three
  characters or more (`icontains` is `UPPER(col) LIKE UPPER('%term%')` on PostgreSQL);
- dsm_bigrams(text), a text's distinct two-character substrings, and GIN indexes on dsm_bigrams(UPPER(…)) of the
  same columns, for two-character terms (杨柳), from which pg_trgm extracts no trigram.

sites.0005 adds the sites' own indexes; the extension and the function are made here because sites depends on
accounts."""

from django.db import migrations

BIGRAMS = """
CREATE OR REPLACE FUNCTION dsm_bigrams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}'::text[]) FROM generate_series(1, length(t) - 1) AS i
$$
"""

INDEXES = {
    "org_name_trgm": "accounts_partyorganization USING gin (UPPER(name) gin_trgm_ops)",
    "org_secretary_trgm": "accounts_partyorganization USING gin (UPPER(secretary) gin_trgm_ops)",
    "org_name_bigram": "accounts_partyorganization USING gin (dsm_bigrams(UPPER(name)))",
    "org_secretary_bigram": "accounts_partyorganization USING gin (dsm_bigrams(UPPER(secretary)))",
    # the region picker's search (accounts.pickers.regions) over a country's villages
    "region_label_trgm": "accounts_region USING gin (UPPER(label) gin_trgm_ops)",
    "region_label_bigram": "accounts_region USING gin (dsm_bigrams(UPPER(label)))",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(BIGRAMS)
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("DROP FUNCTION IF EXISTS dsm_bigrams(text)")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_list_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
