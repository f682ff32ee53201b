"""Data scope: the one place that decides which rows a user may see.

Every `…_visible_to(user)` selector in every app is built on `restrict_to_scope`, so a list page, its
export, its detail page and background jobs all apply the same rule:

- scope "全市" (city): everything;
- scope "所辖区域" (region): rows whose region lies in the user's region subtree;
- scope "指定对象" (assigned): only rows the caller's `assigned` condition names (own site, assigned
  sites, team's sites…); with no such condition, nothing;
- an anonymous or inactive user: nothing.

The subtree and the assigned rows are resolved to ids first (one indexed query, kept on the user object, so
once per request), and the condition becomes `region_id IN (…) OR id IN (…)`: two index scans PostgreSQL can
BitmapOr, where `region.path LIKE … OR id IN (subquery)` across a join could use no index at all.
"""

from django.db.models import IntegerField, Q, QuerySet, Value

from .choices import DataScope

# Any model write in this process moves the generation on (AccountsConfig.ready connects the signals), which
# drops every cached resolution: an assignment, a region move or a user's new scope counts at once, even for
# a user object that outlives one request (a job, a shell, a test). Writes are rare beside the reads.
_generation = [0]


def note_write(**kwargs) -> None:
    """Signal receiver (post_save, post_delete, m2m_changed of any model): cached scope ids are stale."""
    _generation[0] += 1


# Past this many regions in a subtree, the ids stay in the database (a subquery) instead of the SQL text.
ID_LIST_LIMIT = 5000
_REGIONS, _ASSIGNED = 0, 1


def subtree_region_ids(region) -> list[int] | QuerySet:
    """The ids of `region` and every region under it (one query on the indexed path prefix): a list, or a
    subquery when the subtree is larger than ID_LIST_LIMIT."""
    from .models import Region

    subtree = Region.objects.filter(path__startswith=region.path).order_by().values_list("pk", flat=True)
    ids = list(subtree[: ID_LIST_LIMIT + 1])
    return subtree if len(ids) > ID_LIST_LIMIT else ids


def _resolved(
    user, key: str, assigned_ids: list[QuerySet] | None, *, regions: bool = True
) -> tuple[list[int] | QuerySet | None, list[int]]:
    """(ids of the user's region subtree or None, ids of the rows assigned to them): at most one query (a UNION
    ALL of what is not known yet), cached on the user object: the subtree for every model, the assigned ids per
    model (`key`).

    The user object lives for one request (or one job), and any write through the ORM's signals starts the cache
    afresh (note_write); code that changes a user's region or assignments with bulk writes (queryset.update,
    bulk_create) and reads again with the same object calls forget_scope(user)."""
    from .models import Region

    cache = user.__dict__.get("_scope_ids")
    if cache is None or cache.get("generation") != _generation[0]:
        cache = user.__dict__["_scope_ids"] = {"generation": _generation[0]}
    region = user.region if regions and user.scope == DataScope.REGION and user.region_id else None
    region_key = ("regions", region.path if region is not None else None)
    assigned_key = ("assigned", key, assigned_ids is not None)
    parts = []
    if region is not None and region_key not in cache:
        parts.append(
            Region.objects.filter(path__startswith=region.path)
            .order_by()
            .annotate(part=Value(_REGIONS, output_field=IntegerField()))
            .values_list("part", "pk")
        )
    if assigned_key not in cache:
        for ids_query in assigned_ids or ():
            field = ids_query.query.values_select[0] if ids_query.query.values_select else "pk"
            parts.append(
                ids_query.order_by()
                .annotate(part=Value(_ASSIGNED, output_field=IntegerField()))
                .values_list("part", field)
            )
    rows = []
    if len(parts) == 1:
        rows = list(parts[0])
    elif parts:
        rows = list(parts[0].union(*parts[1:], all=True).order_by())
    if region_key not in cache:
        region_ids = [pk for part, pk in rows if part == _REGIONS] if region is not None else None
        if region_ids is not None and len(region_ids) > ID_LIST_LIMIT:
            region_ids = Region.objects.filter(path__startswith=region.path).order_by().values("pk")
        cache[region_key] = region_ids
    if assigned_key not in cache:
        cache[assigned_key] = sorted({pk for part, pk in rows if part == _ASSIGNED})
    return cache[region_key], cache[assigned_key]


def scope_region_ids(user) -> list[int] | QuerySet | None:
    """The ids of a region-scoped user's region subtree as restrict_to_scope resolves them (the same cached list or
    subquery, so no further query when the user's scope was applied already), None for any other scope. For
    conditions on a region subtree beside the scope's: `region_id IN (…)` is an index scan, where the region's path
    compared across a join makes PostgreSQL read every region of the country."""
    if not getattr(user, "is_authenticated", False) or user.scope != DataScope.REGION or not user.region_id:
        return None
    return _resolved(user, "", None)[0]


def scope_assigned_ids(user, model, assigned_ids: list[QuerySet]) -> list[int]:
    """The ids of the `model` rows assigned to `user` as restrict_to_scope resolves them for `assigned_ids` (the
    same cached list: no further query once the user's scope was applied to `model`). An empty list proves every
    one of those queries empty, so a caller may leave them out of its own conditions."""
    if not getattr(user, "is_authenticated", False):
        return []
    return _resolved(user, model._meta.label_lower, assigned_ids)[1]


def forget_scope(user) -> None:
    """Drop the ids resolved for `user` (after changing their region or assignments within one request)."""
    user.__dict__.pop("_scope_ids", None)


def restrict_to_scope(
    queryset: QuerySet,
    user,
    *,
    region_field: str,
    assigned: Q | None = None,
    assigned_ids: list[QuerySet] | None = None,
) -> QuerySet:
    """Filter `queryset` to what `user` may see.

    region_field: the lookup from the queryset's model to a Region ("region", "organization__region"),
    or "" when the queryset is of regions themselves.
    assigned: the rows an assigned-scope user may see (also granted to region-scoped users, so that an
    object assigned to someone outside its region stays visible to them), as a condition.
    assigned_ids: the same as queries of the rows' pks, each a one-column values_list (e.g.
    `[X.objects.filter(user=u).values_list("site")]`), resolved to a list together with the region ids in one
    query (a UNION ALL), once per user object and model: give it where the condition would otherwise be
    subqueries ORed with the region, which make every page scan the whole table. One model, one such list.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser or user.scope == DataScope.CITY:
        return queryset
    condition = Q(pk__in=[])
    if not region_field:  # regions themselves: the path prefix is an index scan on their own table
        region_ids, ids = None, _resolved(user, queryset.model._meta.label_lower, assigned_ids, regions=False)[1]
        if user.scope == DataScope.REGION and user.region_id:
            condition |= Q(path__startswith=user.region.path)
    else:
        region_ids, ids = _resolved(user, queryset.model._meta.label_lower, assigned_ids)
    if region_ids is not None:
        condition |= Q(**{f"{region_field}__in": region_ids})
    if ids:
        condition |= Q(pk__in=ids)
    if assigned is not None:
        condition |= assigned
    return queryset.filter(condition)
