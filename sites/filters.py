"""The site list's filters, shared by the page and its Excel export (so the export is exactly the list)."""

import django_filters
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from accounts.choices import Domain
from accounts.filters import RegionSubtreeFilter
from accounts.models import PartyOrganization
from core.filters import BootstrapFilterSet
from core.search import contains
from core.widgets import Picker

from .choices import SiteLevel, SiteState
from .models import Batch, Site, Zone
from .selectors import sites_visible_to


def instructors_for(request):
    """The instructors of the sites the user may see: a filter offers no names from outside their scope."""
    if request is None:
        return get_user_model().objects.none()
    assigned = Site.instructors.through.objects.filter(site__in=sites_visible_to(request.user).values("pk"))
    return get_user_model().objects.filter(pk__in=assigned.values("user")).order_by("full_name")


def contributed_filters(request) -> dict:
    """Filters that apps above sites add to the list, which sites cannot import: an app declares
    `site_filters = {"name": "dotted.path.to.factory"}` on its AppConfig (as it declares its menu items); the
    factory takes the request and returns a django-filter Filter, or None for a user who may not use it."""
    found = {}
    for config in apps.get_app_configs():
        for name, path in getattr(config, "site_filters", {}).items():
            made = import_string(path)(request)
            if made is not None:
                found[name] = made
    return found


def matching_site_ids(term: str) -> QuerySet:
    """The ids of sites whose name, brand name or organization's name contains `term` (any case), as a subquery."""
    own = Site.objects.filter(contains("name", term) | contains("brand_name", term)).order_by().values_list("pk")
    organizations = PartyOrganization.objects.filter(contains("name", term)).order_by().values("pk")
    by_organization = Site.objects.filter(organization__in=organizations).order_by().values_list("pk")
    return own.union(by_organization)


class SiteFilter(BootstrapFilterSet):
    q = django_filters.CharFilter(label=_("关键词"), method="filter_keyword")
    domain = django_filters.ChoiceFilter(label=_("领域"), choices=Domain.choices, empty_label=_("全部领域"))
    region = RegionSubtreeFilter()
    state = django_filters.ChoiceFilter(label=_("状态"), choices=SiteState.choices, empty_label=_("全部状态"))
    level = django_filters.ChoiceFilter(label=_("级别"), choices=SiteLevel.choices, empty_label=_("全部级别"))
    year = django_filters.NumberFilter(label=_("推荐年度"), field_name="nomination_year")
    batch = django_filters.ModelChoiceFilter(
        label=_("授牌批次"), queryset=Batch.objects.all(), empty_label=_("全部批次")
    )
    zone = django_filters.ModelChoiceFilter(
        label=_("示范区/带"), queryset=Zone.objects.all(), method="filter_zone", empty_label=_("全部")
    )
    instructor = django_filters.ModelChoiceFilter(
        label=_("督查指导员"),
        queryset=instructors_for,
        method="filter_instructor",
        empty_label=_("全部"),
        widget=Picker(source="sites:pick_instructors", placeholder=_("全部（可输入姓名搜索）")),
    )
    sort = django_filters.OrderingFilter(
        label=_("排序"),
        fields=[
            ("name", "name"),
            ("nomination_year", "year"),
            ("state", "state"),
            ("domain", "domain"),
            ("region__path", "region"),
            ("updated_at", "updated"),
        ],
        field_labels={
            "name": _("名称"),
            "nomination_year": _("推荐年度"),
            "state": _("状态"),
            "domain": _("领域"),
            "region__path": _("区划"),
            "updated_at": _("更新时间"),
        },
    )

    class Meta:
        model = Site
        fields = ["q", "domain", "region", "state", "level", "year", "batch", "zone", "instructor"]

    def __init__(self, *args, request=None, **kwargs):
        extra = contributed_filters(request)
        if extra:  # this instance's filters only; the class keeps its own
            self.base_filters = {**type(self).base_filters, **extra}
        super().__init__(*args, request=request, **kwargs)

    def filter_keyword(self, queryset, name, value):
        """Sites whose name or brand, or whose organization's name, contains `value`: one `id IN (… UNION …)`
        with each side an index scan on PostgreSQL (trigram indexes, sites.0005 and accounts.0006), instead of
        three `icontains` ORed across a join, which scanned both tables for the count and again for the page."""
        return queryset.filter(pk__in=matching_site_ids(value))

    def filter_zone(self, queryset, name, value):
        return queryset.filter(pk__in=value.memberships.values("site"))

    def filter_instructor(self, queryset, name, value):
        return queryset.filter(pk__in=Site.instructors.through.objects.filter(user=value).values("site"))
