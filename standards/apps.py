from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem


class StandardsConfig(AppConfig):
    name = "standards"
    verbose_name = _("标准")
    navigation = [
        NavItem(_("标准"), "standards:list", "bi-journal-check", order=30, permissions=("standards.view_standard",)),
    ]
    audit_actions = {
        "standard_create": _("新建标准"),
        "standard_update": _("修改标准"),
        "standard_delete": _("删除标准"),
        "standard_copy": _("复制为新版本"),
        "standard_publish": _("发布"),
        "standard_withdraw": _("撤回为草稿"),
        "standard_freeze": _("冻结（考评使用）"),
        "standard_import": _("从 Excel 导入"),
        "section_create": _("新增板块"),
        "section_update": _("修改板块"),
        "section_delete": _("删除板块"),
        "section_move": _("调整板块顺序"),
        "item_create": _("新增评分项"),
        "item_update": _("修改评分项"),
        "item_delete": _("删除评分项"),
        "item_move": _("调整评分项顺序"),
    }
    audit_fields = {
        "section": (_("板块"), None),
        "item": (_("评分项"), None),
        "items": (_("评分项数"), None),
    }
