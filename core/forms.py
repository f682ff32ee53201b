"""Form helpers every app's forms use."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.utils.translation import gettext as _


def form_helper(*layout) -> FormHelper:
    """A crispy helper that renders fields only: templates own the <form>, its buttons and htmx attributes."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    if layout:
        helper.layout = Layout(*layout)
    return helper


def checked_xlsx(upload, *, max_megabytes: int = 5):
    """An uploaded spreadsheet must be .xlsx and reasonably small (its content is checked when it is read)."""
    if not upload.name.lower().endswith(".xlsx"):
        raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 文件"))
    if upload.size > max_megabytes * 1024 * 1024:
        raise forms.ValidationError(_("文件超过 %(size)s MB，请检查是否选错文件") % {"size": max_megabytes})
    return upload


def add_bootstrap_classes(form) -> None:
    """Give plain forms (filter bars rendered field by field) Bootstrap's widget classes."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.HiddenInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


# --- E-mail preferences (通知设置) --------------------------------------------------------------------------------


class NotificationSettingsForm(forms.Form):
    """One "接收邮件" checkbox per kind of notification the apps declare (core.mail.notification_kinds)."""

    def __init__(self, *args, preferences: list[tuple[str, str, bool]], **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label, receives in preferences:
            self.fields[kind] = forms.BooleanField(label=label, required=False, initial=receives)

    def rows(self):
        """(label, bound field) for the template's table."""
        return [(field.label, self[name]) for name, field in self.fields.items()]
