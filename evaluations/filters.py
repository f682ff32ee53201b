"""Filters of a round's lists: its sites (the sites page, assignment, progress) and its sheets (progress, export).

Each FilterSet takes the round (`round_=`) so that its choices (teams, scorers) are the round's own, and the
request so that the region tree is the user's (accounts.filters.RegionSubtreeFilter).
"""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.choices import Domain
from accounts.filters import RegionSubtreeFilter
from core.filters import BootstrapFilterSet
from core.widgets import Picker
from sites.choices import SiteState

from .choices import AdjustmentKind, AdjustmentSource, SheetKind, SheetStatus, Stage
from .models import Adjustment, RoundResult, RoundSite, ScoreSheet, Team

UNASSIGNED = "none"
# The states a round's result can send a site to (sites.rules.round_outcome).
RESULT_OUTCOMES = [
    (state.value, state.label)
    for state in (SiteState.FORMAL, SiteState.IMPROVING, SiteState.NOT_PASSED, SiteState.ELIMINATED)
]


def _round_teams(round_, leader=None):
    teams = round_.teams.order_by("name", "id") if round_ is not None else Team.objects.none()
    return teams.filter(leader=leader) if leader is not None else teams


def _use_team_picker(filterset, round_, leader, *, unassigned: bool) -> None:
    """The team filter searches the round's teams on the server (a country's round has thousands): only the chosen
    team (and “未分配” where offered) is in the page; the queryset still refuses a team outside the round or, for a
    team leader, outside their own teams."""
    field = filterset.form.fields["team"]
    source = reverse("evaluations:pick_teams", args=[round_.pk]) if round_ is not None else ""
    field.widget = Picker(
        source=source,
        placeholder=_("全部验收组（可输入名称搜索）"),
        fixed=[(UNASSIGNED, _("未分配"))] if unassigned else [],
        attrs={"class": "form-select"},
    )
    # Set after the widget: the queryset setter hands the widget its choices.
    field.queryset = filterset.filters["team"].queryset = _round_teams(round_, leader)
    field.null_label = filterset.filters["team"].null_label = _("未分配") if unassigned else None


class EntryFilter(BootstrapFilterSet):
    """A round's sites: by name, domain, region (any level), stage and team (or none yet)."""

    q = django_filters.CharFilter(label=_("关键词"), method="filter_keyword")
    domain = django_filters.ChoiceFilter(
        label=_("领域"), field_name="site__domain", choices=Domain.choices, empty_label=_("全部领域")
    )
    region = RegionSubtreeFilter(paths=("site__region__path",))
    stage = django_filters.ChoiceFilter(label=_("考评类型"), choices=Stage.choices, empty_label=_("全部类型"))
    team = django_filters.ModelChoiceFilter(
        label=_("验收组"),
        queryset=Team.objects.none(),
        method="filter_team",
        empty_label=_("全部验收组"),
        null_value=UNASSIGNED,
    )

    class Meta:
        model = RoundSite
        fields = ["q", "domain", "region", "stage", "team"]

    def __init__(self, *args, round_=None, leader=None, **kwargs):
        super().__init__(*args, **kwargs)
        _use_team_picker(self, round_, leader, unassigned=leader is None)

    def filter_keyword(self, queryset, name, value):
        condition = Q()
        for word in value.split():
            condition &= Q(site__name__icontains=word) | Q(site__organization__name__icontains=word)
        return queryset.filter(condition)

    def filter_team(self, queryset, name, value):
        if value == UNASSIGNED:
            return queryset.filter(team__isnull=True)
        return queryset.filter(team=value)


class ProgressEntryFilter(EntryFilter):
    """The progress page's sites: also "only those still waiting for a sheet", and one site by id (a link from a
    notification: services.progress_url)."""

    pending = django_filters.BooleanFilter(
        label=_("只看未完成"), method="filter_pending", widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )
    entry = django_filters.NumberFilter(method="filter_entry", widget=forms.HiddenInput)

    class Meta(EntryFilter.Meta):
        fields = [*EntryFilter.Meta.fields, "pending", "entry"]

    def filter_pending(self, queryset, name, value):
        if not value:
            return queryset
        waiting = ScoreSheet.objects.filter(
            entry=OuterRef("pk"), kind=SheetKind.ONSITE, status__in=(SheetStatus.NOT_STARTED, SheetStatus.IN_PROGRESS)
        )
        return queryset.filter(Exists(waiting))

    def filter_entry(self, queryset, name, value):
        return queryset.filter(pk=value)


class AdjustmentFilter(BootstrapFilterSet):
    """A round's deduction and bonus lines (views/adjustments.py): by site name (or one site by id, a link from the
    site's page), kind, source and whether still in force."""

    ACTIVE, WITHDRAWN = "active", "withdrawn"

    q = django_filters.CharFilter(label=_("示范点"), method="filter_keyword")
    kind = django_filters.ChoiceFilter(label=_("类别"), choices=AdjustmentKind.choices, empty_label=_("扣分和加分"))
    source = django_filters.ChoiceFilter(label=_("来源"), choices=AdjustmentSource.choices, empty_label=_("全部来源"))
    state = django_filters.ChoiceFilter(
        label=_("状态"),
        method="filter_state",
        choices=((ACTIVE, _("有效")), (WITHDRAWN, _("已撤销"))),
        empty_label=_("全部状态"),
    )
    entry = django_filters.NumberFilter(field_name="entry", widget=forms.HiddenInput)

    class Meta:
        model = Adjustment
        fields = ["q", "kind", "source", "state", "entry"]

    def filter_keyword(self, queryset, name, value):
        condition = Q()
        for word in value.split():
            condition &= Q(entry__site__name__icontains=word)
        return queryset.filter(condition)

    def filter_state(self, queryset, name, value):
        return queryset.filter(withdrawn_at__isnull=value == self.ACTIVE)


class SheetFilter(BootstrapFilterSet):
    """A round's on-site sheets: by state, scorer, team and site name (the progress page's sheet list, its export)."""

    q = django_filters.CharFilter(label=_("示范点"), method="filter_keyword")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=SheetStatus.choices, empty_label=_("全部状态"))
    scorer = django_filters.ModelChoiceFilter(
        label=_("评分人员"), queryset=get_user_model().objects.none(), empty_label=_("全部评分人员")
    )
    team = django_filters.ModelChoiceFilter(
        label=_("验收组"),
        queryset=Team.objects.none(),
        field_name="entry__team",
        method="filter_team",
        empty_label=_("全部验收组"),
    )

    class Meta:
        model = ScoreSheet
        fields = ["q", "status", "scorer", "team"]

    def __init__(self, *args, round_=None, leader=None, **kwargs):
        super().__init__(*args, **kwargs)
        sheets = ScoreSheet.objects.filter(entry__round=round_, kind=SheetKind.ONSITE)
        if leader is not None:
            sheets = sheets.filter(entry__team__leader=leader)
        scorers = get_user_model().objects.filter(pk__in=sheets.values("scorer")).order_by("full_name", "username")
        # A country's round has ten thousand scorers: searched on the server, only the chosen one in the page.
        self.form.fields["scorer"].widget = Picker(
            source=reverse("evaluations:pick_scorers", args=[round_.pk]) if round_ is not None else "",
            placeholder=_("全部评分人员（可输入姓名搜索）"),
            attrs={"class": "form-select"},
        )
        self.filters["scorer"].queryset = scorers
        self.form.fields["scorer"].queryset = scorers  # after the widget: this hands it its choices
        _use_team_picker(self, round_, leader, unassigned=False)

    def filter_keyword(self, queryset, name, value):
        return queryset.filter(entry__site__name__icontains=value)

    def filter_team(self, queryset, name, value):
        return queryset.filter(entry__team=value)


# --- results (views/results.py; the exports of results use the same filter) ---------------------------------


class ResultFilter(BootstrapFilterSet):
    """A round's stored results (RoundResult rows, result_store.rows): by name, domain, region (any level, the site's
    region now), stage, proposed outcome and pass/fail.

    Ranks are computed over the whole round before they are stored, so a filtered list keeps the overall ranks."""

    q = django_filters.CharFilter(label=_("示范点"), method="filter_keyword")
    domain = django_filters.ChoiceFilter(label=_("领域"), choices=Domain.choices, empty_label=_("全部领域"))
    region = RegionSubtreeFilter(paths=("site__region__path",))
    stage = django_filters.ChoiceFilter(label=_("考评类型"), choices=Stage.choices, empty_label=_("全部类型"))
    outcome = django_filters.ChoiceFilter(label=_("拟处理"), choices=RESULT_OUTCOMES, empty_label=_("全部结果"))
    passed = django_filters.ChoiceFilter(
        label=_("是否通过"),
        choices=[("1", _("通过")), ("0", _("未通过"))],
        method="filter_passed",
        empty_label=_("全部"),
    )

    class Meta:
        model = RoundResult
        fields = ["q", "domain", "region", "stage", "outcome", "passed"]

    def filter_keyword(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(site__name__contains=word)
        return queryset

    def filter_passed(self, queryset, name, value):
        return queryset.filter(passed=(value == "1"))
