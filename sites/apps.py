from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem


def _sees_programme(user):
    return user.has_role("admin", "staff", "viewer", "district")


class SitesConfig(AppConfig):
    name = "sites"
    verbose_name = _("示范点")
    navigation = [
        NavItem(_("示范点"), "sites:list", "bi-flag", order=10, permissions=("sites.view_site",)),
        NavItem(_("目标与覆盖率"), "sites:targets", "bi-bullseye", order=15, when=_sees_programme),
    ]
