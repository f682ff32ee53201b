"""Several small lists of different models in one round trip: a page that shows a dozen short lists (a site's
members, narrators, route, history, …) reads them in one UNION ALL query instead of one query each.

Each list is an ordinary queryset — its filters, select_related, annotations, order and slice are kept — whose
rows travel as JSON objects (one per row, keyed by the fields' column names) and are rebuilt into model instances
field by field, with the same Python values the ORM gives (tests/core/test_together.py compares them with plain
loading on SQLite and PostgreSQL). Only for small lists: every row is read, nothing is paged.
"""

import datetime
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connections, models
from django.db.models import F, Func, IntegerField, QuerySet, TextField, Value, Window
from django.db.models.functions import Cast, JSONObject, RowNumber
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime, parse_time

# PostgreSQL before 16 builds the objects with JSONB_BUILD_OBJECT, which takes at most 100 arguments (50 keys):
# a wider row travels as several objects.
KEYS_PER_OBJECT = 50
SEP = "__"


class _JSONRow(JSONObject):
    """JSONObject without its SQLite feature probe: that is a query of its own, once per connection, which would
    make a page's query count depend on what ran before it. Every SQLite this project runs on has JSON functions
    (its JSONFields need them)."""

    def as_sqlite(self, compiler, connection, **extra_context):
        return Func.as_sql(self, compiler, connection, **extra_context)


@dataclass
class _Part:
    """One model in a list's rows: the list's own (path ()) or one reached through select_related."""

    path: tuple[str, ...]
    model: type[models.Model]
    fields: list  # the concrete fields read (all, unless only()/defer() narrowed them)
    link: models.Field | None  # the foreign key from the part above


def read_together(named: dict[str, QuerySet]) -> dict[str, list]:
    """Each queryset's rows as model instances (with their select_related objects and annotations), all read in
    one query. Each queryset needs an order_by (its rows come back in that order), and may not use
    prefetch_related, distinct, aggregation or values()."""
    if not named:
        return {}
    plans, branches, params, width = [], [], [], 1
    databases = {queryset.db for queryset in named.values()}
    if len(databases) != 1:
        raise ValueError("read_together: every list must come from the same database")
    using = databases.pop()
    connection = connections[using]
    for index, (name, queryset) in enumerate(named.items()):
        parts, annotations, keys = _plan(name, queryset)
        chunks = [dict(keys[start : start + KEYS_PER_OBJECT]) for start in range(0, len(keys), KEYS_PER_OBJECT)]
        width = max(width, len(chunks))
        selected = {
            "together_list": Value(index, output_field=IntegerField()),
            # The rows' order, numbered by the same ordering as the list's ORDER BY (which the LIMIT, if any, cuts).
            "together_position": Window(RowNumber(), order_by=list(queryset.query.order_by)),
        }
        selected.update({f"together_row{n}": _JSONRow(**chunk) for n, chunk in enumerate(chunks)})
        sql, branch_params = queryset.values(**selected).query.get_compiler(using=using).as_sql()
        plans.append((name, parts, annotations, len(chunks)))
        branches.append((sql, len(chunks)))
        params.extend(branch_params)
    # Each list a subquery of its own, so that its ORDER BY and LIMIT are allowed in the compound on every backend
    # (the SQL is the ORM's, compiled above with its parameters apart).
    sql = " UNION ALL ".join(
        f"SELECT *{', NULL' * (width - columns)} FROM ({branch}) AS together_{index}"  # noqa: S608
        for index, (branch, columns) in enumerate(branches)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY 1, 2", params)
        rows = cursor.fetchall()
    lists: dict[str, list] = {name: [] for name in named}
    for row in rows:
        name, parts, annotations, columns = plans[row[0]]
        values = {}
        for raw in row[2 : 2 + columns]:
            values.update(raw if isinstance(raw, dict) else json.loads(raw, parse_float=Decimal))
        lists[name].append(_instance(parts, annotations, values, using, connection))
    return lists


def attach(instance: models.Model, accessor: str, rows: list) -> None:
    """Let `instance.<accessor>.all()` answer `rows` without a query, as prefetch_related(accessor) would (for a
    reverse foreign key or a many-to-many accessor)."""
    manager = getattr(instance, accessor)
    queryset = manager.get_queryset()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    field = getattr(manager, "field", None)
    if field is not None and field.many_to_one:  # a reverse foreign key: each row knows its parent, as prefetched
        for row in rows:
            field.set_cached_value(row, instance)
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[accessor] = queryset


# --- the plan of one list ---------------------------------------------------------------------------------------


def _plan(name: str, queryset: QuerySet):
    query = queryset.query
    if queryset._prefetch_related_lookups or query.distinct or query.combinator or queryset._fields is not None:
        raise ValueError(f"read_together: {name} may not use prefetch_related, distinct, union or values()")
    if query.group_by is not None or any(
        getattr(annotation, "contains_aggregate", False) for annotation in query.annotations.values()
    ):
        raise ValueError(f"read_together: {name} may not aggregate (count in a subquery instead)")
    if not query.order_by:
        raise ValueError(f"read_together: {name} needs an order_by")
    if query.select_related is True:
        raise ValueError(f"read_together: {name} must name its select_related relations")
    parts: list[_Part] = []
    _walk(queryset.model, (), query.get_select_mask(), query.select_related or {}, None, parts)
    keys = []
    for part in parts:
        for field in part.fields:
            _check(field)
            expression = F(SEP.join((*part.path, field.attname)))
            if isinstance(field, models.JSONField):  # as its stored text on every backend, decoded like the ORM
                expression = Cast(expression, TextField())
            keys.append((_key(part.path, field.attname), expression))
    annotations = {}
    for alias, annotation in query.annotation_select.items():
        _check(annotation.output_field)
        annotations[alias] = annotation.output_field
        keys.append((alias, F(alias)))
    return parts, annotations, keys


def _walk(model, path, mask, related, link, parts) -> None:
    fields = [field for field in model._meta.concrete_fields if not mask or field in mask]
    parts.append(_Part(path=path, model=model, fields=fields, link=link))
    for relation, deeper in related.items():
        field = model._meta.get_field(relation)
        if not (field.concrete and (field.many_to_one or field.one_to_one)):
            raise ValueError(f"read_together: select_related({relation!r}) must follow a foreign key")
        _walk(field.related_model, (*path, relation), mask.get(field, {}), deeper, field, parts)


def _key(path: tuple[str, ...], attname: str) -> str:
    return SEP.join((*path, attname))


SUPPORTED = (
    models.CharField,
    models.TextField,
    models.IntegerField,  # and the small, big, positive and auto ones
    models.BooleanField,
    models.DateTimeField,
    models.DateField,
    models.TimeField,
    models.DecimalField,
    models.FloatField,
    models.FileField,
    models.UUIDField,
    models.JSONField,
    models.ForeignKey,
)


def _check(field) -> None:
    if not isinstance(field, SUPPORTED):
        raise ValueError(f"read_together: no JSON reading for {field.__class__.__name__} ({field})")


# --- rebuilding the rows ----------------------------------------------------------------------------------------


def _instance(parts, annotations, values: dict, using: str, connection) -> models.Model:
    built: dict[tuple[str, ...], models.Model | None] = {}
    for part in parts:
        row = [_python(field, values.get(_key(part.path, field.attname)), connection) for field in part.fields]
        parent = built.get(part.path[:-1]) if part.path else None
        if part.path and parent is None:
            built[part.path] = None
            continue
        pk = row[part.fields.index(part.model._meta.pk)] if part.model._meta.pk in part.fields else None
        instance = None
        if not part.path or pk is not None:  # a null foreign key (a LEFT JOIN without a match) is None
            instance = part.model.from_db(using, [field.attname for field in part.fields], row)
        built[part.path] = instance
        if part.path:
            part.link.set_cached_value(parent, instance)
    root = built[()]
    for alias, output_field in annotations.items():
        setattr(root, alias, _python(output_field, values.get(alias), connection))
    return root


def _python(field, value, connection):
    """A JSON value as the ORM would give it for `field`."""
    if value is None:
        return None
    if isinstance(field, models.ForeignKey):
        return _python(field.target_field, value, connection)
    if isinstance(field, models.BooleanField):
        return bool(value)  # SQLite gives 0 and 1
    if isinstance(field, models.DateTimeField):
        moment = value if isinstance(value, datetime.datetime) else parse_datetime(value)
        if settings.USE_TZ:
            if timezone.is_naive(moment):  # SQLite keeps the text of the UTC time without an offset
                moment = timezone.make_aware(moment, connection.timezone)
            moment = moment.astimezone(datetime.UTC)
        return moment
    if isinstance(field, models.DateField):
        return parse_date(value)
    if isinstance(field, models.TimeField):
        return parse_time(value)
    if isinstance(field, models.DecimalField):
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        if field.decimal_places is not None:  # SQLite keeps a decimal as a float: its places as the ORM gives them
            number = number.quantize(Decimal(1).scaleb(-field.decimal_places), context=field.context)
        return number
    if isinstance(field, models.FloatField):
        return float(value)
    if isinstance(field, models.IntegerField):
        return int(value)
    if isinstance(field, models.UUIDField):
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    if isinstance(field, models.JSONField):
        return json.loads(value, cls=field.decoder)
    return value  # text, and a file's name (its field wraps it on access)
