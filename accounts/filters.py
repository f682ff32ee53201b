"""Filters of accounts lists. The region filter accepts any level and includes everything under it."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filters import BootstrapFilterSet
from core.search import contains
from core.widgets import TreePicker

from .choices import DataScope, Domain, OrganizationKind
from .models import PartyOrganization, User
from .roles import Role
from .scope import subtree_region_ids
from .selectors import regions_visible_to


def _visible_regions(request):
    return regions_visible_to(request.user) if request else None


class RegionSubtreeFilter(django_filters.ModelChoiceFilter):
    """A region chosen from the user's tree (searchable; regions_visible_to): the rows at that region or under it.

    `paths` are the lookups to a region's path ("region__path", "site__region__path"); a row matches when any of
    them lies under the chosen region."""

    def __init__(self, *args, paths=("region__path",), **kwargs):
        self.paths = paths
        kwargs.setdefault("label", _("区划"))
        kwargs.setdefault("queryset", _visible_regions)
        kwargs.setdefault("empty_label", _("全部区划"))
        kwargs.setdefault(
            "widget", TreePicker(source="accounts:pick_regions", placeholder=_("全部区划（可输入名称搜索）"))
        )
        super().__init__(*args, **kwargs)

    def filter(self, queryset, value):
        """`region_id IN (ids of the chosen subtree)` (resolved by one indexed query on the path prefix), which
        PostgreSQL answers from the foreign key's index instead of comparing paths across a join."""
        if not value:
            return queryset
        ids = subtree_region_ids(value)
        condition = Q()
        for path in self.paths:
            if path.endswith("__path"):
                condition |= Q(**{f"{path.removesuffix('__path')}__in": ids})
            else:
                condition |= Q(**{f"{path}__startswith": value.path})
        return queryset.filter(condition)


class OrganizationFilter(BootstrapFilterSet):
    q = django_filters.CharFilter(label=_("关键词"), method="filter_keyword")
    domain = django_filters.ChoiceFilter(label=_("领域"), choices=Domain.choices, empty_label=_("全部领域"))
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=OrganizationKind.choices, empty_label=_("全部类型"))
    region = RegionSubtreeFilter()

    class Meta:
        model = PartyOrganization
        fields = ["q", "domain", "kind", "region"]

    def filter_keyword(self, queryset, name, value):
        """Name or secretary contains `value`: `id IN (… UNION …)`, each side a trigram index scan on PostgreSQL."""
        by_name = PartyOrganization.objects.filter(contains("name", value)).order_by().values_list("pk")
        by_secretary = PartyOrganization.objects.filter(contains("secretary", value)).order_by().values_list("pk")
        return queryset.filter(pk__in=by_name.union(by_secretary))


class UserFilter(BootstrapFilterSet):
    """The user list's filters; shared by the page and anything that lists users later (exports)."""

    q = django_filters.CharFilter(label=_("关键词"), method="filter_keyword")
    role = django_filters.ChoiceFilter(
        label=_("角色"), choices=Role.choices, method="filter_role", empty_label=_("全部角色")
    )
    scope = django_filters.ChoiceFilter(label=_("数据范围"), choices=DataScope.choices, empty_label=_("全部范围"))
    region = RegionSubtreeFilter(paths=("region__path", "organization__region__path"))
    active = django_filters.ChoiceFilter(
        label=_("状态"),
        choices=[("1", _("在用")), ("0", _("已停用"))],
        method="filter_active",
        empty_label=_("全部状态"),
    )

    class Meta:
        model = User
        fields = ["q", "role", "scope", "region", "active"]

    def filter_keyword(self, queryset, name, value):
        condition = Q()
        for word in value.split():
            condition &= (
                Q(full_name__icontains=word)
                | Q(username__icontains=word)
                | Q(phone__icontains=word)
                | Q(unit__icontains=word)
            )
        return queryset.filter(condition)

    def filter_role(self, queryset, name, value):
        matches = Q(groups__name=value)
        if value == Role.ADMIN:
            matches |= Q(is_superuser=True)
        return queryset.filter(pk__in=queryset.model.objects.filter(matches).values("pk"))

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "1")
