"""The JSON side of the searchable pickers (core/widgets.py, static/js/pickers.js).

Each app's picker view passes a queryset already restricted to the user's data scope; this turns a search
into at most LIMIT results, best first, so the browser never receives more than a page of options.
"""

from collections.abc import Callable

from django.db.models import Q, QuerySet
from django.http import JsonResponse

from .search import contains

LIMIT = 20


def picker_response(
    request,
    queryset: QuerySet,
    *,
    search: list[str],
    label: Callable = str,
    extra: Callable | None = None,
    order_by: tuple[str, ...] = (),
) -> JsonResponse:
    """Results for `?q=`: every word of the query must match one of the `search` fields (icontains; through
    core.search.contains, so a field with trigram and bigram indexes answers from them on PostgreSQL)."""
    query = request.GET.get("q", "").strip()[:100]
    for word in query.split():
        condition = Q()
        for field in search:
            condition |= contains(field, word)
        queryset = queryset.filter(condition)
    if order_by:
        queryset = queryset.order_by(*order_by)
    results = []
    for obj in queryset[:LIMIT]:
        row = {"value": str(obj.pk), "text": label(obj)}
        if extra is not None:
            row.update(extra(obj))
        results.append(row)
    return JsonResponse({"results": results, "more": len(results) == LIMIT})
