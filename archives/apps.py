from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem


class ArchivesConfig(AppConfig):
    name = "archives"
    verbose_name = _("档案")
    navigation = [
        NavItem(
            _("区域台账"),
            "archives:ledgers",
            "bi-file-zip",
            order=740,
            permissions=("archives.change_material",),
            group="manage",
        ),
    ]
    audit_actions = {
        "material_upload": _("上传材料"),
        "material_add_link": _("添加视频链接"),
        "material_replace": _("上传新版本"),
        "version_restore": _("恢复旧版本"),
        "material_review": _("审核"),
        "material_delete": _("移入回收站"),
        "material_restore": _("从回收站恢复"),
        "material_set_public": _("设置公开展示"),
        "material_purge": _("清除（超过保留期）"),
        "ledger_request": _("生成台账"),
    }
    audit_fields = {
        "file": (_("文件"), None),
        "version": (_("版本"), None),
        "versions": (_("版本数"), None),
    }
