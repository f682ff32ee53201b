from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem

# The menu's tests answer True/False or a queryset, which core.navigation asks together with the others in one
# query (whether it has a row; a badge's, how many).


def _has_sheets(user):
    from .selectors import scorer_sheets

    return scorer_sheets(user)


def _open_sheets(user):
    from .choices import RoundStatus, SheetStatus
    from .selectors import scorer_sheets

    return scorer_sheets(user).filter(entry__round__status=RoundStatus.SCORING).exclude(status=SheetStatus.SUBMITTED)


def _has_self_assessments(user):
    from .selectors import self_assessment_entries

    return self_assessment_entries(user) if user.has_role("leader") else False


def _sees_rounds(user):
    from .selectors import rounds_visible_to

    return True if user.has_perm("evaluations.view_round") else rounds_visible_to(user)


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("考评")
    navigation = [
        NavItem(
            _("我的评分"), "evaluations:my_sheets", "bi-clipboard-check", order=30, when=_has_sheets, badge=_open_sheets
        ),
        NavItem(_("自评"), "evaluations:self_assessments", "bi-ui-checks", order=31, when=_has_self_assessments),
        NavItem(_("考评"), "evaluations:rounds", "bi-award", order=40, when=_sees_rounds),
    ]
    audit_actions = {
        "round_create": _("新建考评轮次"),
        "round_update": _("修改考评轮次"),
        "round_status": _("考评轮次状态变更"),
        "round_add_sites": _("增加参评示范点"),
        "round_remove_sites": _("移出参评示范点"),
        "round_assign": _("分配验收组"),
        "team_create": _("新建验收组"),
        "team_update": _("修改验收组"),
        "team_delete": _("删除验收组"),
        "sheet_submit": _("提交评分表"),
        "sheet_return": _("退回评分表"),
        "sheet_excuse": _("评分表免评"),
        "sheet_reinstate": _("恢复评分表"),
        "sheet_key_in": _("代录纸质评分表"),
        "sheet_import": _("导入纸质评分表"),
        "sheet_photo_add": _("上传现场照片"),
        "self_assessment_submit": _("提交自评"),
        "sheets_remind": _("提醒未完成评分"),
        # Policy and deduction/bonus lines (evaluations/policy.py, evaluations/adjustments.py)
        "round_policy_update": _("修改评分规则"),
        "adjustment_add": _("录入扣分加分"),
        "adjustment_update": _("更新扣分加分"),
        "adjustment_withdraw": _("撤销扣分加分"),
        # publication, objections, finalization (publication.py, finalization.py)
        "round_publish": _("发布考评结果公示"),
        "objection_lodge": _("提出异议"),
        "objection_answer": _("答复异议"),
        "sheet_reopen": _("重新打开评分表"),
        "round_finalize": _("考评定案"),
        "round_finalize_undo": _("撤销定案"),
        "ranking_export_request": _("生成排名表"),
    }
    audit_fields = {
        "sites": (_("示范点数"), None),
        "team": (_("验收组"), None),
        "leader": (_("组长"), None),
        "members": (_("评分人员数"), None),
        "photo": (_("现场照片"), None),
        "sheets": (_("评分表数"), None),
        "publication": (_("公示批次"), None),
        "objection": (_("异议"), None),
        "finalization": (_("定案"), None),
    }

    def ready(self):
        from . import signals

        signals.connect()
