"""Data scope: the one place that decides which rows a user may see.

Every `…_visible_to(user)` selector in every app is built on `restrict_to_scope`, so a list page, its
export, its detail page and background jobs all apply the same rule:

- scope "全市" (city): everything;
- scope "所辖区域" (region): rows whose region lies in the user's region subtree;
- scope "指定对象" (assigned): only rows the caller's `assigned` condition names (own site, assigned
  sites, team's sites…); with no such condition, nothing;
- an anonymous or inactive user: nothing.
"""

from django.db.models import Q, QuerySet

from .choices import DataScope


def restrict_to_scope(queryset: QuerySet, user, *, region_field: str, assigned: Q | None = None) -> QuerySet:
    """Filter `queryset` to what `user` may see.

    region_field: the lookup from the queryset's model to a Region ("region", "organization__region"),
    or "" when the queryset is of regions themselves.
    assigned: the rows an assigned-scope user may see (also granted to region-scoped users, so that an
    object assigned to someone outside its region stays visible to them).
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser or user.scope == DataScope.CITY:
        return queryset
    condition = Q(pk__in=[])
    if user.scope == DataScope.REGION and user.region_id:
        path_lookup = f"{region_field}__path" if region_field else "path"
        condition |= Q(**{f"{path_lookup}__startswith": user.region.path})
    if assigned is not None:
        condition |= assigned
    return queryset.filter(condition)
