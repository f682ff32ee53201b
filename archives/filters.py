"""Filters of archives' lists: the review inbox, and the evidence filter archives adds to the site list."""

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.choices import Domain
from accounts.filters import RegionSubtreeFilter
from core.filters import BootstrapFilterSet

from .choices import MaterialCategory
from .models import Material
from .selectors import with_evidence_counts

DATE = forms.DateInput({"type": "date"})


class ReviewInboxFilter(BootstrapFilterSet):
    q = django_filters.CharFilter(label=_("示范点或材料"), method="filter_keyword")
    region = RegionSubtreeFilter(paths=("site__region__path",))
    category = django_filters.ChoiceFilter(label=_("类别"), choices=MaterialCategory.choices, empty_label=_("全部类别"))
    domain = django_filters.ChoiceFilter(
        label=_("领域"), field_name="site__domain", choices=Domain.choices, empty_label=_("全部领域")
    )
    uploaded_from = django_filters.DateFilter(
        label=_("上传日期从"), field_name="created_at__date", lookup_expr="gte", widget=DATE
    )
    uploaded_to = django_filters.DateFilter(
        label=_("上传日期至"), field_name="created_at__date", lookup_expr="lte", widget=DATE
    )

    class Meta:
        model = Material
        fields = ["q", "region", "category", "domain", "uploaded_from", "uploaded_to"]

    def filter_keyword(self, queryset, name, value):
        value = value.strip()
        condition = (
            Q(site__name__icontains=value)
            | Q(site__organization__name__icontains=value)
            | Q(title__icontains=value)
            | Q(site__region__label__icontains=value)
        )
        code = value.upper().removeprefix("S")
        if code.isdigit():  # a site code as shown on its pages (S00012)
            condition |= Q(site_id=int(code))
        return queryset.filter(condition)


class EvidenceBand(django_filters.ChoiceFilter):
    """Sites by the share of this year's applicable items that have an accepted material."""

    NONE, LOW, MOST, FULL = "none", "low", "most", "full"
    BANDS = [
        (NONE, _("0%（尚无通过的佐证）")),
        (LOW, _("低于 50%")),
        (MOST, _("50%–99%")),
        (FULL, _("100%")),
    ]

    def __init__(self, **kwargs):
        super().__init__(
            label=_("佐证完整度"), choices=self.BANDS, empty_label=_("全部"), method=self.filter_band, **kwargs
        )

    @classmethod
    def filter_band(cls, queryset, name, value):
        sites = with_evidence_counts(queryset).filter(evidence_total__gt=0)
        accepted, total = F("evidence_accepted"), F("evidence_total")
        if value == cls.NONE:
            return sites.filter(evidence_accepted=0)
        if value == cls.LOW:  # some, but less than half
            return sites.filter(evidence_accepted__gt=0, evidence_total__gt=accepted * 2)
        if value == cls.MOST:
            return sites.filter(evidence_total__lte=accepted * 2, evidence_accepted__lt=total)
        return sites.filter(evidence_accepted__gte=total)


def evidence_band_filter(request):
    """Declared on ArchivesConfig.site_filters: the site list's evidence filter, for those who may read
    materials (not a viewer, §8)."""
    if request is None or not request.user.has_perm("archives.view_material"):
        return None
    return EvidenceBand()
