"""Filters of accounts lists. The region filter accepts any level and includes everything under it."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filters import BootstrapFilterSet
from core.widgets import TreePicker

from .choices import Domain, OrganizationKind
from .models import PartyOrganization
from .selectors import regions_visible_to


def _visible_regions(request):
    return regions_visible_to(request.user) if request else None


class OrganizationFilter(BootstrapFilterSet):
    q = django_filters.CharFilter(label=_("关键词"), method="filter_keyword")
    domain = django_filters.ChoiceFilter(label=_("领域"), choices=Domain.choices, empty_label=_("全部领域"))
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=OrganizationKind.choices, empty_label=_("全部类型"))
    region = django_filters.ModelChoiceFilter(
        label=_("区划"),
        queryset=_visible_regions,
        method="filter_region",
        empty_label=_("全部区划"),
        widget=TreePicker(source="accounts:pick_regions", placeholder=_("全部区划（可输入名称搜索）")),
    )

    class Meta:
        model = PartyOrganization
        fields = ["q", "domain", "kind", "region"]

    def filter_keyword(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(secretary__icontains=value))

    def filter_region(self, queryset, name, value):
        return queryset.filter(region__path__startswith=value.path)
