"""The supervision board's filters, shared by the page and its workbook (so the export is exactly the board).

The filter set works on sites' standings on tasks (AssignmentSite); `rectifications()` applies the same choices
to open rectification items, which have no task: the region and domain apply as they are, the light by the item's
deadline, and a task or a status other than "overdue" leaves no items (they are not answers to a task)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.choices import Domain
from accounts.filters import RegionSubtreeFilter
from core.filters import BootstrapFilterSet
from core.widgets import Picker

from . import board
from .choices import AnswerStatus, AssignmentStatus, Light
from .models import AssignmentSite


def _assignments(request):
    """The published and closed tasks the user may see (a few dozen a year: searched in the browser)."""
    from .models import Assignment
    from .selectors import assignments_visible_to

    if request is None:
        return Assignment.objects.none()
    return assignments_visible_to(request.user).exclude(status=AssignmentStatus.DRAFT).order_by("-due_at", "-id")


class BoardFilter(BootstrapFilterSet):
    assignment = django_filters.ModelChoiceFilter(
        label=_("工作任务"),
        queryset=_assignments,
        empty_label=_("全部任务"),
        widget=Picker(placeholder=_("全部任务（可输入名称搜索）")),
    )
    region = RegionSubtreeFilter(label=_("区县/区划"), paths=("site__region__path",))
    domain = django_filters.ChoiceFilter(
        label=_("领域"), field_name="site__domain", choices=Domain.choices, empty_label=_("全部领域")
    )
    light = django_filters.ChoiceFilter(
        label=_("红黄绿灯"), choices=Light.choices, method="filter_light", empty_label=_("全部")
    )
    status = django_filters.ChoiceFilter(
        label=_("报送状态"), choices=AnswerStatus.choices, method="filter_status", empty_label=_("全部状态")
    )

    class Meta:
        model = AssignmentSite
        fields = ["assignment", "region", "domain", "light", "status"]

    def __init__(self, *args, moment: board.Moment | None = None, **kwargs):
        self.moment = moment or board.Moment.at()
        super().__init__(*args, **kwargs)

    def filter_light(self, queryset, name, value):
        return queryset.filter(board.target_light_q(value, self.moment))

    def filter_status(self, queryset, name, value):
        return queryset.filter(board.target_status_q(value, self.moment))

    @property
    def active(self) -> bool:
        return any(self._chosen().get(name) for name in self.filters)

    def _chosen(self) -> dict:
        self.errors  # noqa: B018 - validates the form, as `qs` does; invalid choices are ignored there and here
        return getattr(self.form, "cleaned_data", {})

    def rectifications(self, queryset):
        """The same choices applied to open rectification items (see the module docstring)."""
        data = self._chosen()
        status = data.get("status")
        if data.get("assignment") or (status and status != AnswerStatus.OVERDUE):
            return queryset.none()
        if status == AnswerStatus.OVERDUE:
            queryset = queryset.filter(board.rectification_light_q(Light.RED, self.moment))
        if data.get("region"):
            queryset = queryset.filter(site__region__path__startswith=data["region"].path)
        if data.get("domain"):
            queryset = queryset.filter(site__domain=data["domain"])
        if data.get("light"):
            queryset = queryset.filter(board.rectification_light_q(data["light"], self.moment))
        return queryset
