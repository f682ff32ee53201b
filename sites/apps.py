from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem


class SitesConfig(AppConfig):
    name = "sites"
    verbose_name = _("示范点")
    navigation = [
        NavItem(_("示范点"), "sites:list", "bi-flag", order=10, permissions=("sites.view_site",)),
        NavItem(_("目标与覆盖率"), "sites:targets", "bi-bullseye", order=15, permissions=("sites.view_target",)),
    ]
    audit_actions = {
        "site_nominate": _("推荐为创建单位"),
        "site_update": _("修改信息"),
        "site_transition": _("状态变更"),
        "site_import": _("导入"),
        "subsidy_add": _("记录经费补贴"),
        "site_group": _("修改创建小组"),
        "site_narrators": _("修改解说员"),
        "site_route": _("修改观摩线路"),
        "site_member_account": _("为创建小组成员开通账号"),
        "user_sites_set": _("指派示范点"),
    }
    audit_fields = {
        "subsidy": (_("经费补贴"), None),
        "group": (_("创建小组"), None),
        "narrators": (_("解说员"), None),
        "route": (_("观摩线路"), None),
        "instructed_sites": (_("指导的示范点"), None),
        "liaison_sites": (_("联络的示范点"), None),
    }
