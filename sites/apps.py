from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem


class SitesConfig(AppConfig):
    name = "sites"
    verbose_name = _("示范点")
    # One top-level entry: zones, batches and targets are tabs of the site pages (templates/sites/_tabs.html),
    # which keeps the top navigation on one line at 1366 px in English too.
    navigation = [
        NavItem(_("示范点"), "sites:list", "bi-flag", order=10, permissions=("sites.view_site",)),
    ]
    audit_actions = {
        "site_nominate": _("推荐为创建单位"),
        "site_update": _("修改信息"),
        "site_transition": _("状态变更"),
        "site_import": _("导入"),
        "subsidy_add": _("记录经费补贴"),
        "subsidy_remove": _("删除经费补贴"),
        "site_transition_undo": _("撤销考评结果"),
        "site_group": _("修改创建小组"),
        "site_narrators": _("修改解说员"),
        "site_route": _("修改观摩线路"),
        "site_member_account": _("为创建小组成员开通账号"),
        "user_sites_set": _("指派示范点"),
        "zone_create": _("新建示范区/示范带"),
        "zone_update": _("修改示范区/示范带"),
        "zone_delete": _("删除示范区/示范带"),
        "batch_create": _("新建授牌批次"),
        "batch_update": _("修改授牌批次"),
        "batch_delete": _("删除授牌批次"),
        "target_update": _("修改年度目标"),
    }
    audit_fields = {
        "subsidy": (_("经费补贴"), None),
        "group": (_("创建小组"), None),
        "narrators": (_("解说员"), None),
        "route": (_("观摩线路"), None),
        "instructed_sites": (_("指导的示范点"), None),
        "liaison_sites": (_("联络的示范点"), None),
        "zone_sites": (_("成员示范点"), None),
        "batch_sites": (_("授牌示范点"), None),
    }
