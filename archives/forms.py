"""Forms of the archive pages."""

from crispy_forms.layout import Column, Row
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import add_bootstrap_classes, form_helper

from .choices import MaterialCategory, ReviewState


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is validated by content in the service, not here."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True, "accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


ACCEPT = ".pdf,.jpg,.jpeg,.png,.webp,.heic,.docx,.xlsx,.pptx,.mp4,image/*"


class UploadForm(forms.Form):
    files = MultipleFileField(label=_("选择文件（可多选，手机可直接拍照）"), required=False)
    link = forms.URLField(
        label=_("或填写视频链接"),
        required=False,
        assume_scheme="https",
        help_text=_("汇报片已发布在视频网站时，可只填链接"),
    )
    category = forms.ChoiceField(label=_("类别"), choices=MaterialCategory.choices)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("标题"), max_length=200, required=False, help_text=_("留空则使用文件名"))
    items = forms.MultipleChoiceField(
        label=_("佐证的评分项"), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )

    def __init__(self, *args, item_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = item_choices
        self.initial.setdefault("year", timezone.localdate().year)
        self.helper = form_helper(
            "files",
            Row(
                Column("category", css_class="col-md-4"),
                Column("year", css_class="col-md-2"),
                Column("title", css_class="col-md-6"),
            ),
            "items",
            "link",
        )

    def clean(self):
        data = super().clean()
        if not data.get("files") and not data.get("link"):
            raise forms.ValidationError(_("请选择文件或填写视频链接"))
        return data


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("通过")), ("return", _("退回"))], widget=forms.HiddenInput)
    reason = forms.CharField(label=_("退回原因"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReplaceForm(forms.Form):
    file = forms.FileField(label=_("上传新版本"))


class MaterialFilterForm(forms.Form):
    q = forms.CharField(label=_("标题"), required=False)
    year = forms.IntegerField(label=_("年度"), required=False)
    state = forms.ChoiceField(label=_("审核状态"), required=False, choices=[("", _("全部")), *ReviewState.choices])
    kind = forms.ChoiceField(
        label=_("文件类型"),
        required=False,
        choices=[
            ("", _("全部")),
            ("image", _("图片")),
            ("pdf", _("PDF")),
            ("office", _("Office 文档")),
            ("mp4", _("视频")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_bootstrap_classes(self)
