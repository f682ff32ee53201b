from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("工作台")
    navigation = [NavItem(_("首页"), "home", "bi-house", order=0)]
