from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from .navigation import NavItem


def _is_staff(user):
    return user.is_staff


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("公共")
    navigation = [
        NavItem(
            _("系统状态"),
            "core:system_status",
            "bi-activity",
            order=900,
            permissions=("core.view_jobheartbeat",),
            group="manage",
        ),
        NavItem(_("管理后台"), "admin:index", "bi-gear", order=910, when=_is_staff, group="manage"),
    ]
