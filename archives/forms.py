"""Forms of the archive pages."""

from crispy_forms.layout import Column, Row
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import add_bootstrap_classes, form_helper
from core.widgets import MultiPicker, TreePicker

from .choices import MaterialCategory, ReviewState
from .validation import KINDS, MB, max_bytes


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
        label=_("佐证的评分项"), required=False, widget=MultiPicker(placeholder=_("输入编号或标题查找评分项"))
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
    file = forms.FileField(label=_("上传新版本"), error_messages={"required": _("请选择要上传的新版本文件")})


# Names and types a browser may give a kind's files besides its canonical ones.
EXTRA_EXTENSIONS = {"jpeg": ["jpeg"], "heic": ["heif"]}
EXTRA_TYPES = {"heic": ["image/heif"]}


def upload_rules() -> dict:
    """What the upload page's script checks before sending a byte (static/js/uploads.js): each accepted kind's
    extensions, MIME types and size limit, as archives.validation has them, and the reasons it gives. The
    server still decides, by content; this only spares a village connection a 50 MB upload that would be refused."""
    kinds = [
        {
            "label": kind.label,
            "extensions": [kind.extension, *EXTRA_EXTENSIONS.get(code, [])],
            "types": [kind.content_type, *EXTRA_TYPES.get(code, [])],
            "max_bytes": max_bytes(code),
            "max_mb": max_bytes(code) // MB,
        }
        for code, kind in KINDS.items()
    ]
    messages = {
        "type": _("不支持的文件类型：只接受 PDF、JPEG、PNG、WebP、HEIC、Word、Excel、PowerPoint 和 MP4 文件"),
        "size": _("%(kind)s不能超过 %(limit)s MB，这个文件有 %(size)s MB"),
        "size_any": _("文件不能超过 %(limit)s MB，这个文件有 %(size)s MB"),
        "empty": _("文件是空的"),
        "missing": _("请选择文件或填写视频链接"),
        "missing_version": _("请选择要上传的新版本文件"),
        "refused": _("未上传：%(reason)s"),
        "uploaded": _("已上传"),
        "network": _("网络错误，请重试"),
        "dismiss": _("关闭"),
        "partial": _("已上传 %(count)s 个文件，未上传的文件请按提示处理后重新选择。"),
        "reload": _("刷新页面，查看已上传的材料"),
        "dropped": _("%(count)s 个文件待上传"),
    }
    return {"kinds": kinds, "messages": {key: str(text) for key, text in messages.items()}}


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


class LedgerRequestForm(forms.Form):
    """A regional ledger: the whole city (city-wide staff only) or a district or town in the user's scope."""

    region = forms.ModelChoiceField(
        label=_("区划"),
        queryset=None,
        required=False,
        empty_label=_("全市"),
        widget=TreePicker(
            max_depth=2,
            source="accounts:pick_regions",
            source_query="max_depth=2",
            placeholder=_("输入区县或镇街名称查找"),
        ),
    )

    def __init__(self, *args, regions, citywide: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["region"].required = not citywide
        if not citywide:
            self.fields["region"].empty_label = None
