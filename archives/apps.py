from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem


def _may_reach_review(user):
    from .permissions import review_reach

    return review_reach(user)


BADGE_CAP = 999


def _pending_reviews(user):
    """The materials waiting for the user's decision (the menu counts them up to BADGE_CAP, then shows "999+")."""
    from .selectors import pending_review_for

    return pending_review_for(user)


class ArchivesConfig(AppConfig):
    name = "archives"
    verbose_name = _("档案")
    navigation = [
        NavItem(
            _("材料审核"),
            "archives:review_inbox",
            "bi-inbox",
            order=35,
            permissions=("archives.view_material",),
            when=_may_reach_review,
            badge=_pending_reviews,
            badge_cap=BADGE_CAP,
        ),
        NavItem(
            _("区域台账"),
            "archives:ledgers",
            "bi-file-zip",
            order=740,
            permissions=("archives.change_material",),
            group="manage",
        ),
    ]
    # Filters archives adds to the site list (sites.filters.contributed_filters; sites cannot import archives).
    site_filters = {"evidence": "archives.filters.evidence_band_filter"}
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
