"""Demo tasks (工作任务): five published tasks so that the demo leader's site has one in every standing — due in
two days (yellow), overdue (due five days ago, still owed), submitted, returned with a reason, accepted after a
late answer — with other sites answering around them; then the reminder ladder runs once, so the reminders due
by now have gone out (running it again sends nothing new). Seeding twice changes nothing."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.models import Notification
from sites.models import Site

from .assignments import answer_accept, answer_return, answer_submit, assignment_create, assignment_publish
from .models import Assignment
from .permissions import may_answer
from .reminders import reminders_send

MARK = "【示例】"


def _day(days: int, hour: int = 18) -> datetime.datetime:
    """A local time `days` from today at `hour` o'clock."""
    today = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(today, datetime.time(hour)))


def _answer(target, by, text, at):
    answer_submit(target=target, by=by, text=text, now=at)


@transaction.atomic
def seed(options, stdout):
    if Assignment.objects.filter(title__startswith=MARK).exists():
        stdout.write(f"supervision: {Assignment.objects.count()} 项工作任务（已存在）")
        return
    User = get_user_model()
    staff = User.objects.filter(username="staff").first()
    leader = User.objects.filter(username="leader").first()
    own = Site.objects.filter(group_members__user=leader).order_by("-nomination_year", "pk").first() if leader else None
    if staff is None or own is None:
        stdout.write("supervision: 没有演示用户或负责人的示范点，未生成工作任务")
        return
    liaison = User.objects.filter(username="district").first()
    district = own.region
    while district.parent_id and district.depth > 1:
        district = district.parent
    neighbours = list(
        Site.objects.filter(region__path__startswith=district.path, state__in=["candidate", "formal", "improving"])
        .exclude(pk=own.pk)
        .order_by("pk")[:6]
    )
    listed = [own, *neighbours[:4]]

    def task(title, description, *, due, published, **target):
        assignment = assignment_create(by=staff, title=f"{MARK}{title}", description=description, due_at=due, **target)
        return assignment_publish(assignment=assignment, by=staff, now=published)

    def site_target(assignment, site):
        return assignment.targets.get(site=site)

    def by_for(target):
        """Who answers for a site: the demo leader on their own site, else the district's liaison on its behalf."""
        if target.site_id == own.pk:
            return leader
        people = target.site.group_members.filter(user__isnull=False).select_related("user").first()
        if people and may_answer(people.user, target.site):
            return people.user
        return liaison if liaison and may_answer(liaison, target.site) else None

    # 1. Due in two days, the leader still owes it (yellow).
    t1 = task(
        "报送第四季度党建工作计划",
        "请各示范点于截止时间前报送第四季度党建工作计划（含“三会一课”安排）。",
        due=_day(2),
        published=_day(-3, 9),
        target_kind="domain",
        target_domain=own.domain,
    )
    # 2. Due five days ago, still owed: overdue (red on the board); one neighbour answered late.
    t2 = task(
        "上报“三会一课”落实情况",
        "请上报本季度“三会一课”落实情况及会议记录扫描件。",
        due=_day(-5),
        published=_day(-14, 9),
        target_kind="region",
        target_region=district,
    )
    # 3. The leader has answered; waiting for review.
    t3 = task(
        "报送示范点建设进展",
        "简要说明阵地建设、党建品牌打造的最新进展。",
        due=_day(4),
        published=_day(-6, 9),
        target_kind="sites",
        sites=listed,
    )
    # 4. Returned with a reason: the leader must answer again.
    t4 = task(
        "报送党员教育培训台账",
        "请报送本年度党员教育培训台账。",
        due=_day(6),
        published=_day(-8, 9),
        target_kind="sites",
        sites=listed,
    )
    # 5. Answered after the due time, then accepted (late: it carries a deduction).
    t5 = task(
        "报送主题党日活动开展情况",
        "请报送上月主题党日活动开展情况。",
        due=_day(-10),
        published=_day(-20, 9),
        target_kind="sites",
        sites=listed,
    )

    _answer(site_target(t3, own), leader, "阵地改造已完工，党建品牌“杨柳红”宣传栏已上墙。", _day(-1, 10))
    _answer(site_target(t4, own), leader, "培训台账见附后说明。", _day(-4, 10))
    answer_return(
        target=site_target(t4, own), by=staff, reason="缺少十月份培训签到记录，请补充后重新报送。", now=_day(-3, 15)
    )
    _answer(site_target(t5, own), leader, "已于 25 日开展主题党日活动，参加党员 32 人。", _day(-8, 11))
    answer_accept(target=site_target(t5, own), by=staff, now=_day(-7, 9))

    # Around the leader: some neighbours answered, one late, one accepted, one returned.
    for index, site in enumerate(neighbours[:4]):
        for assignment, at in ((t1, _day(-1, 16)), (t2, _day(-7 + index * 2, 16)), (t3, _day(-2, 10))):
            if index % 2 and assignment is t1:
                continue
            target = assignment.targets.filter(site=site).first()
            who = by_for(target) if target else None
            if target is None or who is None:
                continue
            _answer(target, who, "已按要求完成。", at)
            if index == 0:
                answer_accept(target=target, by=staff, now=at + datetime.timedelta(hours=20))
            elif index == 3 and assignment is t3:
                answer_return(target=target, by=staff, reason="请补充现场照片。", now=at + datetime.timedelta(hours=3))
    # Reviewers start with a clean bell (the answers waiting for them show on the task list); the leader's
    # notices stay unread so the bell has something to show.
    Notification.objects.filter(kind="assignment_answer", read_at__isnull=True).update(read_at=timezone.now())
    sent = reminders_send()
    stdout.write(f"supervision: {Assignment.objects.count()} 项工作任务，已发送提醒 {sent} 条")
