"""Pages of long lists paged by a deferred join: the ordering is applied to the rows' ids alone (a narrow sort
that stays in memory, and only the joins the ordering and filters need), then the page's rows are read in full.

Sorting 100,000 entries with their sites, organizations, regions and teams selected alongside spills to disk
for every page; sorting their ids by the same keys does not. The page's objects keep the queryset's
select_related, so the template costs no more queries than before.
"""

from django.core.paginator import Page, Paginator


def deferred_page(queryset, number, per_page: int) -> Page:
    """The page `number` (as given in the request: bad values give the first or last page, as `get_page` does)
    of `queryset`, in its ordering."""
    page = Paginator(queryset.values_list("pk", flat=True), per_page).get_page(number)
    ids = list(page.object_list)
    rows = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page
