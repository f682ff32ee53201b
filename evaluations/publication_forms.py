"""Forms of the publication pages: an objection with its files, an answer, and the reasons acts need."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .publication import MAX_OBJECTION_FILES, MAX_OBJECTION_TEXT


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is validated by content in the service (archives.validation)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(each, initial) for each in data if each]
        return [single(data, initial)] if data else []


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=_("异议内容"),
        max_length=MAX_OBJECTION_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("写明对哪一项结果有异议、理由和依据。"),
    )
    files = MultipleFileField(
        label=_("佐证材料"),
        required=False,
        help_text=_("可选，最多 %(n)s 个：PDF、图片、Word、Excel 等，按文件内容识别类型。")
        % {"n": MAX_OBJECTION_FILES},
    )


class AnswerForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("答复结论"),
        choices=[("1", _("异议成立（随后更正扣分或重新打开评分表）")), ("0", _("异议不成立"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(label=_("答复意见"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, label=None, required=True, help_text="", **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label
        self.fields["reason"].required = required
        self.fields["reason"].help_text = help_text
