from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem


class StandardsConfig(AppConfig):
    name = "standards"
    verbose_name = _("标准")
    navigation = [
        NavItem(_("标准"), "standards:list", "bi-journal-check", order=30, permissions=("standards.view_standard",)),
    ]
