"""Forms of experiences, notices of criticism, study tours and pairings. Pickers search on the server within the
user's scope (core/widgets.py); the field querysets validate whatever the browser sends."""

from crispy_forms.layout import Column, Row
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import PartyOrganization
from core.forms import form_helper
from core.widgets import Picker, TreePicker
from sites.forms import SiteMultiPicker
from sites.models import Site, Zone
from sites.selectors import target_districts

from .attachments import MAX_FILES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
FILES_HELP = _("可选，最多 %(n)s 个：PDF、图片、Word、Excel 等，按文件内容识别类型。") % {"n": MAX_FILES}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is validated by content in the service (attachments.check_uploads)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(each, initial) for each in data if each]
        return [single(data, initial)] if data else []


def _submitted_order(form, name: str, chosen) -> list:
    """The chosen objects in the order the browser submitted them (a <select multiple> keeps its order)."""
    raw = form.data.getlist(form.add_prefix(name)) if hasattr(form.data, "getlist") else []
    by_pk = {str(obj.pk): obj for obj in chosen}
    ordered = [by_pk[value] for value in dict.fromkeys(raw) if value in by_pk]
    return ordered + [obj for obj in chosen if obj not in ordered]


class ExperienceForm(forms.Form):
    title = forms.CharField(label=_("经验名称"), max_length=200)
    summary = forms.CharField(label=_("经验摘要"), widget=forms.Textarea(attrs={"rows": 6}))
    sites = forms.ModelMultipleChoiceField(
        label=_("涉及示范点"),
        queryset=Site.objects.none(),
        required=False,
        widget=SiteMultiPicker(source="sites:pick", placeholder=_("输入示范点名称搜索，可多选")),
    )
    district = forms.ModelChoiceField(
        label=_("所属区县"),
        queryset=target_districts(),
        required=False,
        widget=TreePicker(
            max_depth=1, source="accounts:pick_regions", source_query="depth=1", placeholder=_("输入区县名称搜索")
        ),
        help_text=_("不涉及具体示范点时选择；涉及示范点时按示范点所在区县确定。"),
    )
    files = MultipleFileField(label=_("经验材料"), required=False, help_text=FILES_HELP)

    def __init__(self, *args, sites, staff: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = sites
        if not staff:
            del self.fields["district"]
        self.helper = form_helper("title", "summary", "sites", *(["district"] if staff else []), "files")


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("审定意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class NoticeForm(forms.Form):
    issued_on = forms.DateField(label=_("通报日期"), widget=DATE)
    number = forms.CharField(label=_("文号"), max_length=100, required=False)
    organization = forms.ModelChoiceField(
        label=_("被通报单位"),
        queryset=PartyOrganization.objects.none(),
        required=False,
        widget=Picker(source="accounts:pick_organizations", placeholder=_("输入党组织名称搜索")),
        help_text=_("通报一个单位时选择（其全部示范点都受影响）；与“被通报示范点”二选一。"),
    )
    site = forms.ModelChoiceField(
        label=_("被通报示范点"),
        queryset=Site.objects.none(),
        required=False,
        widget=Picker(source="sites:pick", placeholder=_("输入示范点名称搜索")),
    )
    reason = forms.CharField(label=_("通报事由"), widget=forms.Textarea(attrs={"rows": 5}))
    files = MultipleFileField(label=_("通报文件"), required=False, help_text=FILES_HELP)

    def __init__(self, *args, organizations, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["site"].queryset = sites
        self.helper = form_helper(
            Row(Column("issued_on", css_class="col-md-6"), Column("number", css_class="col-md-6")),
            Row(Column("organization", css_class="col-md-6"), Column("site", css_class="col-md-6")),
            "reason",
            "files",
        )

    def clean_issued_on(self):
        issued_on = self.cleaned_data["issued_on"]
        if issued_on and issued_on > timezone.localdate():
            raise forms.ValidationError(_("通报日期不能晚于今天"))
        return issued_on

    def clean(self):
        data = super().clean()
        if bool(data.get("organization")) == bool(data.get("site")):
            raise forms.ValidationError(_("请选择被通报的单位或示范点（二者选一）"))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), widget=forms.Textarea(attrs={"rows": 3}))


class TourForm(forms.Form):
    title = forms.CharField(label=_("活动名称"), max_length=200)
    held_on = forms.DateField(label=_("活动日期"), widget=DATE)
    participants = forms.CharField(label=_("参加人员"), widget=forms.Textarea(attrs={"rows": 2}))
    description = forms.CharField(label=_("活动安排"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    zone = forms.ModelChoiceField(
        label=_("按示范带/示范区带入点位"),
        queryset=Zone.objects.none(),
        required=False,
        help_text=_("选择后，未选点位时按其线路顺序带入全部示范点。"),
    )
    sites = forms.ModelMultipleChoiceField(
        label=_("观摩点位"),
        queryset=Site.objects.none(),
        required=False,
        widget=SiteMultiPicker(source="sites:pick", placeholder=_("输入示范点名称搜索，按观摩顺序依次选择")),
        help_text=_("按选择的先后排列观摩顺序；保存后可逐站修改顺序号。"),
    )

    def __init__(self, *args, sites, zones, stops=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = sites
        self.fields["zone"].queryset = zones
        self.stops = []
        for number, site in enumerate(stops, start=1):
            field = forms.IntegerField(label=site.picker_label, min_value=1, max_value=999, initial=number)
            field.widget.attrs.update({"class": "form-control form-control-sm", "inputmode": "numeric"})
            self.fields[f"stop_{site.pk}"] = field
            self.stops.append(self[f"stop_{site.pk}"])
        self.helper = form_helper(
            Row(Column("title", css_class="col-md-8"), Column("held_on", css_class="col-md-4")),
            "participants",
            "description",
            "zone",
            "sites",
        )

    def ordered_sites(self, zone_sites=None) -> list:
        """The route: chosen sites by their order number (new ones after, as chosen); a zone's sites in its
        order when none were chosen."""
        sites = _submitted_order(self, "sites", list(self.cleaned_data.get("sites") or []))
        if not sites and zone_sites:
            return list(zone_sites)
        numbers = {}
        for name, value in self.cleaned_data.items():
            if name.startswith("stop_") and value is not None:
                moved = value != self.fields[name].initial
                numbers[int(name.removeprefix("stop_"))] = (value, 0 if moved else 1)
        index = {site.pk: position for position, site in enumerate(sites)}
        return sorted(sites, key=lambda site: (*numbers.get(site.pk, (10_000, 1)), index[site.pk]))


class FeedbackForm(forms.Form):
    author_name = forms.CharField(label=_("反馈人"), max_length=50)
    site = forms.ModelChoiceField(label=_("针对示范点"), queryset=Site.objects.none(), required=False)
    content = forms.CharField(label=_("反馈意见"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, stops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = stops
        self.fields["site"].empty_label = _("整个活动")
        self.helper = form_helper("author_name", "site", "content")


class PairingForm(forms.Form):
    partner_organization = forms.ModelChoiceField(
        label=_("结对党组织"),
        queryset=PartyOrganization.objects.none(),
        required=False,
        widget=Picker(source="accounts:pick_organizations", placeholder=_("输入党组织名称搜索")),
    )
    partner_name = forms.CharField(
        label=_("结对对象"),
        max_length=200,
        required=False,
        help_text=_("结对党组织不在系统中时填写名称；选择了党组织可不填。"),
    )
    aims = forms.CharField(label=_("结对目标"), widget=forms.Textarea(attrs={"rows": 4}))
    started_on = forms.DateField(label=_("开始日期"), widget=DATE)
    ended_on = forms.DateField(label=_("结束日期"), required=False, widget=DATE)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner_organization"].queryset = organizations
        self.helper = form_helper(
            Row(Column("partner_organization", css_class="col-md-6"), Column("partner_name", css_class="col-md-6")),
            "aims",
            Row(Column("started_on", css_class="col-md-6"), Column("ended_on", css_class="col-md-6")),
        )

    def clean(self):
        data = super().clean()
        if not data.get("partner_organization") and not (data.get("partner_name") or "").strip():
            raise forms.ValidationError(_("请选择结对党组织或填写结对对象"))
        return data


class ActivityForm(forms.Form):
    held_on = forms.DateField(label=_("活动日期"), widget=DATE)
    title = forms.CharField(label=_("活动内容"), max_length=200)
    description = forms.CharField(label=_("活动情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(
            Row(Column("held_on", css_class="col-md-4"), Column("title", css_class="col-md-8")), "description"
        )
