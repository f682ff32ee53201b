"""Several counts in one round trip: a page that shows many small numbers (a menu's badges, a report's figures)
asks them together instead of one query each."""

from django.db.models import Count, IntegerField, QuerySet, Value


def count_rows(named: dict[str, QuerySet], limits: dict[str, int] | None = None) -> dict[str, int]:
    """Each queryset's number of rows, all in one query (a UNION ALL of one-row counts); with a limit, at most that
    many (a limit of 1 asks only whether there is a row, and stops at the first). Each count is over the rows' ids,
    so a queryset made distinct by its scope's joins still counts each row once."""
    limits = limits or {}
    parts = []
    for index, (name, queryset) in enumerate(named.items()):
        ids = queryset.order_by().values("pk")
        if name in limits:
            ids = ids[: limits[name]]
        parts.append(
            queryset.model._base_manager.filter(pk__in=ids)
            .order_by()
            .values(key=Value(index, output_field=IntegerField()))
            .annotate(n=Count("pk"))
        )
    if not parts:
        return {}
    rows = {row["key"]: row["n"] for row in parts[0].union(*parts[1:], all=True).order_by()}
    return {name: rows.get(index, 0) for index, name in enumerate(named)}
