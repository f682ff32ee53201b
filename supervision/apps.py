from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem


def _sees_board(user) -> bool:
    from accounts.roles import Role

    from .permissions import may_manage_supervision

    return may_manage_supervision(user) or user.has_role(Role.DISTRICT, Role.INSTRUCTOR)


# --- guidance visits and rectification (visits) ---
def _sees_visits(user) -> bool:
    from accounts.roles import Role

    from .permissions import may_manage_supervision

    return may_manage_supervision(user) or user.has_role(Role.DISTRICT, Role.INSTRUCTOR)


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("督办")
    navigation = [
        NavItem(_("督办"), "supervision:board", "bi-alarm", order=50, when=_sees_board),
        # --- guidance visits and rectification (visits) ---
        NavItem(_("指导记录"), "supervision:visits", "bi-clipboard2-check", order=51, when=_sees_visits),
    ]
    # Kinds of notification a user may receive by e-mail as well (and turn off, per kind).
    notification_kinds = {
        "assignment_reminder": _("工作任务发布与催办提醒"),
        "assignment_answer": _("工作任务报送待审核"),
        "assignment_review": _("工作任务报送审核结果"),
        "rectification": _("整改事项"),
        "supervision_notice": _("通报批评与观摩活动"),
    }
    audit_actions = {
        "rectification_create": _("提出整改事项"),
        "rectification_close": _("整改完成"),
        "rectification_cancel": _("撤销整改事项"),
        # --- guidance visits and rectification (visits) ---
        "visit_record": _("记录指导情况"),
        "visit_update": _("修改指导记录"),
        "rectification_report": _("报告整改完成"),
        "rectification_accept": _("确认整改完成"),
        "rectification_reopen": _("退回重新整改"),
    }
    audit_fields = {"rectification": (_("整改事项"), None)}
    # --- guidance visits and rectification (visits) ---
    audit_fields |= {"visit": (_("指导记录"), None)}
