"""django-filter helpers shared by every list page."""

import django_filters

from .forms import add_bootstrap_classes


class BootstrapFilterSet(django_filters.FilterSet):
    """A FilterSet whose widgets carry Bootstrap's classes, so list pages render them without extra markup."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_bootstrap_classes(self.form)
