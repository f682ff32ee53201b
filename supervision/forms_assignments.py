"""Forms of tasks (工作任务): a task and its target, the due-time change, a site's answer, a return's reason."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Domain
from accounts.models import Region
from core.widgets import MultiPicker, TreePicker
from sites.choices import SiteState
from sites.models import Site

from .assignments import MAX_TEXT, clean_reminder_days
from .attachments import MAX_FILES
from .choices import AssignmentStatus, TargetKind
from .models import Assignment

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is validated by content in the service (supervision.attachments)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(each, initial) for each in data if each]
        return [single(data, initial)] if data else []


def _rounds():
    # The round model belongs to evaluations (above this app): reached through the field, not imported.
    return Assignment._meta.get_field("target_round").related_model.objects.order_by("-year", "-id")


class AssignmentForm(forms.Form):
    title = forms.CharField(label=_("任务名称"), max_length=200)
    description = forms.CharField(
        label=_("任务要求"), required=False, widget=forms.Textarea(attrs={"rows": 5}), max_length=MAX_TEXT
    )
    due_at = forms.DateTimeField(label=_("截止时间"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    files_required = forms.BooleanField(label=_("报送时须上传附件"), required=False)
    target_kind = forms.ChoiceField(
        label=_("下发范围"), choices=TargetKind.choices, initial=TargetKind.DOMAIN, widget=forms.RadioSelect
    )
    target_round = forms.ModelChoiceField(label=_("考评轮次"), queryset=None, required=False)
    target_domain = forms.ChoiceField(label=_("领域"), choices=[("", "—"), *Domain.choices], required=False)
    target_region = forms.ModelChoiceField(
        label=_("区域（含下级）"),
        queryset=Region.objects.all(),
        required=False,
        widget=TreePicker(source="accounts:pick_regions", placeholder=_("选择区县或镇街（可输入名称搜索）")),
    )
    target_states = forms.MultipleChoiceField(
        label=_("示范点状态"), choices=SiteState.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    sites = forms.ModelMultipleChoiceField(
        label=_("指定示范点"),
        queryset=Site.objects.all(),
        required=False,
        widget=MultiPicker(source="sites:pick", placeholder=_("输入示范点名称搜索，可多选")),
    )
    reminder_days_before = forms.CharField(
        label=_("提前提醒（天）"),
        initial="3,1,0",
        required=False,
        help_text=_("截止前几天提醒，用逗号分隔，0 表示截止当天；发布时会立即通知一次"),
    )
    overdue_every_days = forms.IntegerField(label=_("逾期后每隔几天提醒"), min_value=1, max_value=60, initial=7)
    files = MultipleFileField(
        label=_("任务附件"),
        required=False,
        help_text=_("可选，最多 %(n)s 个：通知文件、表格模板等，按文件内容识别类型。") % {"n": MAX_FILES},
    )

    def __init__(self, *args, assignment: Assignment | None = None, **kwargs):
        if assignment is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": assignment.title,
                "description": assignment.description,
                "due_at": timezone.localtime(assignment.due_at),
                "files_required": assignment.files_required,
                "target_kind": assignment.target_kind,
                "target_round": assignment.target_round_id,
                "target_domain": assignment.target_domain,
                "target_region": assignment.target_region_id,
                "target_states": assignment.target_states,
                "sites": list(assignment.targets.values_list("site_id", flat=True)),
                "reminder_days_before": ",".join(str(d) for d in assignment.reminder_days_before or []),
                "overdue_every_days": assignment.overdue_every_days,
            }
        super().__init__(*args, **kwargs)
        self.fields["target_round"].queryset = _rounds()

    def clean_reminder_days_before(self):
        text = (self.cleaned_data.get("reminder_days_before") or "").replace("，", ",")
        return clean_reminder_days([part for part in text.split(",") if part.strip()])

    def clean_due_at(self):
        due_at = self.cleaned_data["due_at"]
        if due_at <= timezone.now():
            raise forms.ValidationError(_("截止时间须晚于现在"))
        return due_at

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("files", None)
        data.pop("sites", None)
        return data


class DueForm(forms.Form):
    due_at = forms.DateTimeField(label=_("新的截止时间"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    reason = forms.CharField(label=_("调整原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, assignment: Assignment, **kwargs):
        kwargs.setdefault("initial", {"due_at": timezone.localtime(assignment.due_at) + datetime.timedelta(days=3)})
        super().__init__(*args, **kwargs)


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("报送内容"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("写明完成情况；可上传附件，也可关联本示范点已有的档案材料。"),
    )
    files = MultipleFileField(
        label=_("附件"), required=False, help_text=_("最多 %(n)s 个，按文件内容识别类型。") % {"n": MAX_FILES}
    )
    materials = forms.ModelMultipleChoiceField(
        label=_("关联档案材料"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, target, **kwargs):
        super().__init__(*args, **kwargs)
        materials = target.site.materials.filter(deleted_at__isnull=True).order_by("-year", "title")
        self.fields["materials"].queryset = materials
        if target.assignment.files_required:
            self.fields["files"].label = _("附件（必传）")
        if not materials.exists():
            del self.fields["materials"]


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("退回原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


STATUS_FILTER = [("", _("全部状态")), *AssignmentStatus.choices]
