"""Text search that PostgreSQL answers from an index, for terms of two characters too.

`contains(field, term)` is the condition "`field` contains `term`, in any case" (what `icontains` means), written
so that PostgreSQL can use an index:

- a term of three characters or more: `UPPER(field) LIKE UPPER('%term%')` (that is `icontains`), which a trigram
  index on `UPPER(field)` (pg_trgm, `gin_trgm_ops`) answers;
- a term of exactly two characters (杨柳): pg_trgm extracts no trigram from it and would read the whole table, so
  the condition is `dsm_bigrams(UPPER(field)) @> ARRAY[UPPER('杨柳')]`, answered by a GIN index on the field's
  bigrams (the function and the indexes are made by accounts.0006 and sites.0005). A text contains a two-character
  term exactly when the term is one of its bigrams, so this is the same condition;
- one character, or any other database (SQLite): plain `icontains`, correct everywhere.

A field searched this way needs both indexes (see the migrations); each side of an OR needs its own, so a search
over several fields is best written `pk IN (… UNION …)` (sites.filters.matching_site_ids).
"""

from django.db import connection
from django.db.models import Func, Q, TextField, Value
from django.db.models.functions import Upper


class Bigrams(Func):
    """`dsm_bigrams(text)`: the distinct two-character substrings of a text (PostgreSQL, accounts.0006)."""

    function = "dsm_bigrams"

    def __init__(self, expression, **extra):
        from django.contrib.postgres.fields import ArrayField

        super().__init__(expression, output_field=ArrayField(TextField()), **extra)


class _Contains(Func):
    """`bigrams @> ARRAY[UPPER(term)]` as a boolean expression usable in filter()."""

    template = "%(expressions)s"
    arg_joiner = " @> ARRAY["

    def __init__(self, bigrams, term, **extra):
        from django.db.models import BooleanField

        super().__init__(bigrams, Upper(Value(term, output_field=TextField())), output_field=BooleanField(), **extra)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        return f"({sql}]::text[])", params


def uses_bigrams(term: str) -> bool:
    return connection.vendor == "postgresql" and len(term) == 2


def contains(field: str, term: str) -> Q:
    """`field` contains `term` in any case, indexable on PostgreSQL (see the module's docstring)."""
    if uses_bigrams(term):
        return Q(_Contains(Bigrams(Upper(field)), term))
    return Q(**{f"{field}__icontains": term})
