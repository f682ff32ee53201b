from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem


class ArchivesConfig(AppConfig):
    name = "archives"
    verbose_name = _("档案")
    navigation = [
        NavItem(_("区域台账"), "archives:ledgers", "bi-file-zip", order=40, permissions=("archives.change_material",)),
    ]
