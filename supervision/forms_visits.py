"""Forms of the guidance visit and rectification pages."""

from crispy_forms.layout import Column, Row
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import RegionKind
from accounts.models import Region
from archives.forms import MultipleFileField, MultipleFileInput
from core.forms import add_bootstrap_classes, form_helper
from core.widgets import Picker
from sites.models import Site

from .attachments import MAX_FILES
from .visits import MAX_PHOTOS

PHOTO_ACCEPT = ".jpg,.jpeg,.png,.webp,.heic,image/*"
EVIDENCE_ACCEPT = ".pdf,.jpg,.jpeg,.png,.webp,.heic,.docx,.xlsx,.pptx,image/*"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class VisitForm(forms.Form):
    site = forms.ModelChoiceField(
        label=_("示范点"),
        queryset=Site.objects.none(),
        widget=Picker(source="supervision:visit_site_pick", placeholder=_("输入示范点名称搜索")),
    )
    visited_on = forms.DateField(label=_("指导日期"), widget=DateInput())
    participants = forms.CharField(label=_("参加人员"), max_length=300, help_text=_("如：张三（市委组织部）、李四"))
    findings = forms.CharField(label=_("发现的问题"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    suggestions = forms.CharField(
        label=_("指导意见"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = MultipleFileField(
        label=_("现场照片（可多选，手机可直接拍照）"),
        required=False,
        widget=MultipleFileInput(attrs={"multiple": True, "accept": PHOTO_ACCEPT}),
        help_text=_("最多 %(n)s 张，JPEG、PNG、WebP 或 HEIC 图片。") % {"n": MAX_PHOTOS},
    )

    def __init__(self, *args, sites=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites if sites is not None else Site.objects.none()
        self.initial.setdefault("visited_on", timezone.localdate())
        if editing:
            del self.fields["site"]
        self.helper = form_helper(
            *([] if editing else ["site"]),
            Row(Column("visited_on", css_class="col-sm-4"), Column("participants", css_class="col-sm-8")),
            "findings",
            "suggestions",
            "photos",
        )


class ItemForm(forms.Form):
    """One rectification item raised by the visit; a row left without a title is ignored."""

    title = forms.CharField(label=_("整改事项"), max_length=200, required=False)
    detail = forms.CharField(
        label=_("具体要求"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    due_on = forms.DateField(label=_("整改期限"), required=False, widget=DateInput())
    responsible = forms.CharField(label=_("责任人"), max_length=50, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_bootstrap_classes(self)

    def clean(self):
        data = super().clean()
        if data.get("title") and not data.get("due_on"):
            self.add_error("due_on", _("请填写整改期限"))
        return data


ItemFormSet = forms.formset_factory(ItemForm, extra=2, max_num=20, validate_max=True)


class ReportForm(forms.Form):
    note = forms.CharField(
        label=_("整改情况"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("写明采取了哪些措施、现在的情况。"),
    )
    files = MultipleFileField(
        label=_("佐证材料（照片、文件，手机可直接拍照）"),
        required=False,
        widget=MultipleFileInput(attrs={"multiple": True, "accept": EVIDENCE_ACCEPT}),
        help_text=_("最多 %(n)s 个，按文件内容识别类型。") % {"n": MAX_FILES},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper("note", "files")


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("退回原因"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("示范点会收到通知。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper("reason")


def _district_choices():
    return [("", _("全部区县"))] + [
        (str(region.pk), region.name)
        for region in Region.objects.filter(kind__in=[RegionKind.DISTRICT, RegionKind.MUNICIPAL]).order_by("path")
    ]


class VisitFilterForm(forms.Form):
    q = forms.CharField(label=_("示范点"), required=False)
    district = forms.TypedChoiceField(label=_("区县"), required=False, coerce=int, empty_value=None)
    start = forms.DateField(label=_("起始日期"), required=False, widget=DateInput())
    end = forms.DateField(label=_("截止日期"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = _district_choices()
        add_bootstrap_classes(self)


RECTIFICATION_STATES = [
    ("", _("全部")),
    ("open", _("整改中")),
    ("submitted", _("待确认")),
    ("overdue", _("已逾期")),
    ("closed", _("已整改")),
]


class RectificationFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("状态"), required=False, choices=RECTIFICATION_STATES)
    q = forms.CharField(label=_("示范点或事项"), required=False)
    district = forms.TypedChoiceField(label=_("区县"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = _district_choices()
        add_bootstrap_classes(self)
