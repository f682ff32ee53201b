"""django-filter helpers shared by every list page."""

import django_filters
from django import forms


class BootstrapFilterSet(django_filters.FilterSet):
    """A FilterSet whose widgets carry Bootstrap's classes, so list pages render them without extra markup."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
