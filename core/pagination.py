"""Pagination that stays flat on the last page: the deferred join.

`Paginator(queryset, n).get_page(k)` on a deep page makes the database build every row before the offset, joins
and all (`OFFSET 99970` over sites ⋈ regions ⋈ organizations sorts them all, on disk at 100,000 rows).
DeferredPaginator pages the ids instead: the filtered, ordered queryset's `pk`s are sliced in the database
(an index-only scan when an index matches the ordering), and only that page's rows are loaded with their
select_related/prefetch_related, in the same order, in the same query:

    SELECT … FROM site ⋈ … WHERE site.id IN (SELECT id FROM site WHERE … ORDER BY … LIMIT 30 OFFSET 99970)
    ORDER BY …

The count stays one query, so a page costs what Django's Paginator costs (count + rows) at any depth. The
ordering gets `pk` appended when it has no unique tie-breaker, so pages never overlap or skip rows. A page in the
second half is counted from the end in the reverse order (`ORDER BY … DESC LIMIT 30 OFFSET count - top`): the last
page reads 30 rows of an index backwards, and where no index matches the ordering (an ordering across a join, such
as organizations by region path) the database keeps only the 30 first rows in a top-N heap instead of sorting
every row, on disk past work_mem.

Use it for any list page over a queryset (`DeferredPaginator(filterset.qs, PAGE_SIZE).get_page(...)`); give
your list an index that matches its default ordering (e.g. `models.Index(fields=["-year", "name", "id"])`) so
the id slice is an index scan. Lists of Python objects keep Django's Paginator.
"""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def _with_tiebreaker(queryset: QuerySet) -> QuerySet:
    ordering = list(queryset.query.order_by) or list(queryset.model._meta.ordering or [])
    if not queryset.query.default_ordering and not queryset.query.order_by:
        ordering = []
    names = {str(term).lstrip("-") for term in ordering}
    if not names & {"pk", "id", queryset.model._meta.pk.name}:
        ordering.append("pk")
    return queryset.order_by(*ordering)


class DeferredPaginator(Paginator):
    """A Paginator over a QuerySet whose pages select their ids first (see the module's docstring)."""

    def __init__(self, object_list: QuerySet, per_page, orphans=0, allow_empty_first_page=True):
        super().__init__(_with_tiebreaker(object_list), per_page, orphans, allow_empty_first_page)

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        queryset = self.object_list
        ordered = queryset.order_by(*queryset.query.order_by)
        if bottom > self.count - top:  # nearer the end: count from the end, in reverse order (see the docstring)
            ids = ordered.reverse().values("pk")[self.count - top : self.count - bottom]
        else:
            ids = ordered.values("pk")[bottom:top]
        return self._get_page(_rows(queryset, ids), number, self)


def _rows(queryset: QuerySet, ids: QuerySet) -> QuerySet:
    """The rows whose pks `ids` selects, loaded as `queryset` loads them (select_related, prefetch_related, only/
    defer) and in its order, without its filters: they were applied to the ids, and applying them again would
    make the database evaluate a search or a scope twice. A queryset with annotations, extra() or distinct keeps
    its filters (its annotations may depend on them)."""
    query = queryset.query
    if query.annotations or query.extra or query.distinct or query.combinator:
        return queryset.filter(pk__in=ids)
    rows = queryset.model._base_manager.filter(pk__in=ids).order_by(*query.order_by)
    rows.query.select_related = query.select_related
    rows.query.deferred_loading = query.deferred_loading
    rows._prefetch_related_lookups = queryset._prefetch_related_lookups
    return rows.using(queryset.db)
