from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem


def _sees_board(user) -> bool:
    from accounts.roles import Role

    from .permissions import may_manage_supervision

    return may_manage_supervision(user) or user.has_role(Role.DISTRICT, Role.INSTRUCTOR)


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("督办")
    navigation = [
        NavItem(_("督办"), "supervision:board", "bi-alarm", order=50, when=_sees_board),
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
    }
    audit_fields = {"rectification": (_("整改事项"), None)}
