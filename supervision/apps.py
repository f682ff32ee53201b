from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem


def _manages(user) -> bool:
    from .permissions import may_manage_supervision

    return may_manage_supervision(user)


def _sees_board(user) -> bool:
    from .board import may_see_board

    return may_see_board(user)


def _sees_visits(user) -> bool:
    from accounts.roles import Role

    return _manages(user) or user.has_role(Role.DISTRICT, Role.INSTRUCTOR)


def _sees_experiences(user) -> bool:
    from accounts.roles import Role

    return _manages(user) or user.has_role(Role.DISTRICT)


def _has_tasks(user):
    """A leader with at least one task on their sites sees 我的任务 (the menu asks whether the queryset has a row,
    with its other tests in one query)."""
    from accounts.roles import Role

    from .selectors import targets_visible_to

    return targets_visible_to(user) if user.has_role(Role.LEADER) else False


def _owing_count(user):
    from .choices import OWING
    from .selectors import targets_visible_to

    return targets_visible_to(user).filter(status__in=OWING, assignment__status="published")


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("督办")
    navigation = [
        NavItem(_("督办"), "supervision:board", "bi-alarm", order=50, when=_sees_board),
        NavItem(_("我的任务"), "supervision:my_tasks", "bi-list-check", order=51, when=_has_tasks, badge=_owing_count),
        NavItem(_("指导记录"), "supervision:visits", "bi-clipboard2-check", order=52, when=_sees_visits),
        NavItem(
            _("工作任务"), "supervision:assignments", "bi-clipboard-check", order=53, when=_manages, group="manage"
        ),
        NavItem(
            _("典型经验"), "supervision:experiences", "bi-lightbulb", order=54, when=_sees_experiences, group="manage"
        ),
        NavItem(_("通报批评"), "supervision:notices", "bi-megaphone", order=55, when=_manages, group="manage"),
        NavItem(_("观摩活动"), "supervision:tours", "bi-signpost-split", order=56, when=_manages, group="manage"),
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
        # assignments (工作任务)
        "assignment_create": _("新建工作任务"),
        "assignment_update": _("修改工作任务"),
        "assignment_publish": _("发布工作任务"),
        "assignment_change_due": _("调整任务截止时间"),
        "assignment_close": _("结束工作任务"),
        "answer_submit": _("报送工作任务"),
        "answer_accept": _("通过任务报送"),
        "answer_return": _("退回任务报送"),
        # guidance visits and rectification
        "visit_record": _("记录指导情况"),
        "visit_update": _("修改指导记录"),
        "rectification_report": _("报告整改完成"),
        "rectification_accept": _("确认整改完成"),
        "rectification_reopen": _("退回重新整改"),
        # experiences, notices, study tours, pairings
        "experience_submit": _("报送典型经验"),
        "experience_select": _("典型经验入选"),
        "experience_promote": _("推广典型经验"),
        "experience_decline": _("典型经验未入选"),
        "notice_record": _("录入通报批评"),
        "notice_revoke": _("撤销通报批评"),
        "tour_create": _("组织观摩活动"),
        "tour_update": _("修改观摩活动"),
        "tour_feedback": _("录入观摩反馈"),
        "pairing_record": _("录入结对共建"),
        "pairing_activity": _("录入结对活动"),
    }
    audit_fields = {
        "rectification": (_("整改事项"), None),
        "visit": (_("指导记录"), None),
        "stops": (_("观摩点位"), None),
    }

    def ready(self):
        from accounts.signals import sites_moved

        sites_moved.connect(_refill_districts, dispatch_uid="supervision_refill_districts")
        from django.db.models.signals import post_delete, post_save

        from . import task_tally
        from .models import AssignmentSite

        post_save.connect(task_tally.standing_saved, sender=AssignmentSite, dispatch_uid="supervision_tally_save")
        post_delete.connect(task_tally.standing_deleted, sender=AssignmentSite, dispatch_uid="supervision_tally_del")


def _refill_districts(sender, site_lookups, **kwargs):
    from .districts import districts_refill

    districts_refill(**site_lookups)
