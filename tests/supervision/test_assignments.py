"""Tasks (工作任务): the target resolved to concrete sites at publication; a site's answer, return with a reason,
resubmission and acceptance; late marking at the very second of the due time (Asia/Shanghai); a due-date change
gives fresh reminder steps."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from core.models import AuditEntry, Notification
from supervision import assignments as services
from supervision.apps import SupervisionConfig
from supervision.choices import AssignmentStatus
from supervision.models import Answer, AssignmentSite, Reminder
from supervision.reminders import reminders_send
from tests.factories import RoundSiteFactory
from tests.supervision.assignment_setup import at, build_sites, disguised_exe, pdf, published_task


@pytest.fixture
def sites(city, cast):
    return build_sites(city, cast)


def _draft(by, **target):
    return services.assignment_create(by=by, title="报送材料", due_at=at(30), **target)


# --- target resolution ------------------------------------------------------------------------------------


def test_each_kind_of_target_resolves_to_its_sites(cast, city, sites):
    entry = RoundSiteFactory(site=sites.b)
    RoundSiteFactory(round=entry.round, site=sites.a_town)
    by_round = _draft(cast.staff, target_kind="round", target_round=entry.round)
    by_domain = _draft(cast.staff, target_kind="domain", target_domain="rural")
    by_region = _draft(cast.staff, target_kind="region", target_region=city.district_a)
    by_town = _draft(cast.staff, target_kind="region", target_region=city.town_b)
    by_states = _draft(cast.staff, target_kind="states", target_states=["formal"])
    listed = _draft(cast.staff, target_kind="sites", sites=[sites.a, sites.b])

    def names(assignment):
        return {site.name for site in services.resolve_targets(assignment)}

    assert names(by_round) == {"乙镇示范点", "甲镇示范点"}
    assert names(by_domain) == {"甲村示范点", "甲镇示范点"}
    assert names(by_region) == {"甲村示范点", "甲镇示范点"}  # the node and everything under it
    assert names(by_town) == {"乙镇示范点"}
    assert names(by_states) == {"甲镇示范点"}
    assert names(listed) == {"甲村示范点", "乙镇示范点"}
    assert by_region.target_label == "区域：甲区（含下级）" and "甲村示范点" in listed.target_label
    # A listed draft keeps its sites as pending rows; other kinds store none until publication.
    assert listed.targets.count() == 2 and by_domain.targets.count() == 0


def test_publication_stores_the_sites_and_a_site_added_later_does_not_gain_the_task(cast, city, sites):
    assignment = _draft(cast.staff, target_kind="domain", target_domain="rural")
    services.assignment_publish(assignment=assignment, by=cast.staff, now=at(24, 9))
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.PUBLISHED and assignment.published_by == cast.staff
    assert set(assignment.targets.values_list("site__name", flat=True)) == {"甲村示范点", "甲镇示范点"}
    assert set(assignment.targets.values_list("status", flat=True)) == {"pending"}
    from tests.factories import SiteFactory

    SiteFactory(organization=city.org_a, name="后来的示范点", nomination_year=2027)
    assert assignment.targets.count() == 2
    assert AuditEntry.objects.filter(action="assignment_publish").count() == 1
    with pytest.raises(ValidationError, match="已发布"):
        services.assignment_publish(assignment=assignment, by=cast.staff, now=at(24, 10))


def test_publication_refuses_no_sites_a_past_due_time_and_non_staff(cast, sites):
    empty = _draft(cast.staff, target_kind="states", target_states=["eliminated"])
    with pytest.raises(ValidationError, match="没有示范点"):
        services.assignment_publish(assignment=empty, by=cast.staff, now=at(24))
    late = _draft(cast.staff, target_kind="domain", target_domain="rural")
    with pytest.raises(ValidationError, match="截止时间已过"):
        services.assignment_publish(assignment=late, by=cast.staff, now=at(30, 18, 0, 1))
    with pytest.raises(ValidationError, match="市级工作人员"):
        services.assignment_publish(assignment=late, by=cast.district, now=at(24))
    with pytest.raises(ValidationError, match="市级工作人员"):
        _draft(cast.leader, target_kind="domain", target_domain="rural")


def test_publication_queues_the_notice_after_commit_and_survives_a_broker_outage(
    cast, sites, django_capture_on_commit_callbacks, monkeypatch
):
    assignment = _draft(cast.staff, target_kind="sites", sites=[sites.a])
    with django_capture_on_commit_callbacks(execute=True):
        services.assignment_publish(assignment=assignment, by=cast.staff)
    notice = Notification.objects.get(recipient=cast.leader)
    assert notice.kind == "assignment_reminder" and "新工作任务" in notice.title
    assert Reminder.objects.filter(step="published").count() == 1

    from supervision import tasks

    def down(**kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.send_reminders, "delay", down)
    other = _draft(cast.staff, target_kind="sites", sites=[sites.a])
    with django_capture_on_commit_callbacks(execute=True):
        services.assignment_publish(assignment=other, by=cast.staff)  # does not fail
    assert Reminder.objects.filter(assignment=other).count() == 0
    assert reminders_send() == 1  # the periodic job catches up


def test_drafts_change_and_invalid_targets_are_refused(cast, city, sites):
    assignment = _draft(cast.staff, target_kind="sites", sites=[sites.a, sites.b])
    services.assignment_update(assignment=assignment, by=cast.staff, sites=[sites.b], title="新名称")
    assert list(assignment.targets.values_list("site__name", flat=True)) == ["乙镇示范点"]
    services.assignment_update(assignment=assignment, by=cast.staff, target_kind="domain", target_domain="two_new")
    assignment.refresh_from_db()
    assert (
        assignment.targets.count() == 0
        and assignment.target_label.startswith("领域：")
        and "两新" in (assignment.target_label)
    )
    with pytest.raises(ValidationError):
        services.assignment_update(assignment=assignment, by=cast.staff, target_kind="region")
    with pytest.raises(ValidationError, match="0 到 30"):
        services.assignment_update(assignment=assignment, by=cast.staff, reminder_days_before=[3, 31])
    with pytest.raises(ValidationError):
        services.assignment_update(assignment=assignment, by=cast.staff, overdue_every_days=0)
    assert AuditEntry.objects.filter(action="assignment_update").count() == 2


def test_every_audit_action_has_a_label():
    codes = {
        "assignment_create",
        "assignment_update",
        "assignment_publish",
        "assignment_change_due",
        "assignment_close",
        "answer_submit",
        "answer_accept",
        "answer_return",
    }
    assert codes <= set(SupervisionConfig.audit_actions)


# --- answers ----------------------------------------------------------------------------------------------


def test_answer_return_resubmit_accept(cast, sites):
    assignment = published_task(cast.staff, sites=[sites.a], due_at=at(30), published_at=at(24, 9))
    target = assignment.targets.get()

    services.answer_submit(target=target, by=cast.leader, text="已完成", files=[pdf()], now=at(25))
    target.refresh_from_db()
    assert (target.status, target.late, target.first_submitted_at) == ("submitted", False, at(25))
    assert Notification.objects.filter(recipient=cast.staff, kind="assignment_answer").exists()
    assert Notification.objects.filter(recipient=cast.district, kind="assignment_answer").count() == 0
    with pytest.raises(ValidationError, match="不能重复报送"):
        services.answer_submit(target=target, by=cast.leader, text="再来一次", now=at(25, 19))

    with pytest.raises(ValidationError, match="退回原因"):
        services.answer_return(target=target, by=cast.staff, reason="  ")
    with pytest.raises(ValidationError, match="审核"):
        services.answer_return(target=target, by=cast.leader, reason="自己退回")
    services.answer_return(target=target, by=cast.staff, reason="缺少照片", now=at(26))
    target.refresh_from_db()
    first = Answer.objects.get()
    assert (target.status, target.return_reason, first.decision, first.reason) == (
        "returned",
        "缺少照片",
        "returned",
        "缺少照片",
    )
    told = Notification.objects.get(recipient=cast.leader, kind="assignment_review")
    assert "退回" in told.title and told.body == "缺少照片"

    services.answer_submit(target=target, by=cast.leader, text="补充了照片", files=[pdf("照片.pdf")], now=at(27))
    target.refresh_from_db()
    assert target.status == "submitted" and target.first_submitted_at == at(25) and target.submitted_at == at(27)
    assert target.answers.count() == 2

    services.answer_accept(target=target, by=cast.district, now=at(28))  # the liaison (region-scoped) may review
    target.refresh_from_db()
    assert (target.status, target.reviewed_by) == ("accepted", cast.district)
    assert target.answers.order_by("-submitted_at").first().decision == "accepted"
    assert Notification.objects.filter(recipient=cast.leader, kind="assignment_review", title__contains="通过").exists()
    with pytest.raises(ValidationError, match="待审核"):
        services.answer_accept(target=target, by=cast.staff)
    assert AuditEntry.objects.filter(action__in=["answer_submit", "answer_return", "answer_accept"]).count() == 4


def test_only_the_sites_people_answer_and_only_while_owed(cast, sites, city):
    assignment = published_task(cast.staff, sites=[sites.a, sites.b], due_at=at(30), published_at=at(24, 9))
    target_b = assignment.targets.get(site=sites.b)
    for user in (cast.staff, cast.leader, cast.scorer, cast.district):  # district A is no liaison of B
        with pytest.raises(ValidationError, match="负责人"):
            services.answer_submit(target=target_b, by=user, text="替别人报", now=at(25))
    services.answer_submit(target=target_b, by=cast.outsider, text="乙县联络员代报", now=at(25))  # region liaison
    services.assignment_close(assignment=assignment, by=cast.staff)
    target_a = assignment.targets.get(site=sites.a)
    with pytest.raises(ValidationError, match="已结束"):
        services.answer_submit(target=target_a, by=cast.leader, text="晚了", now=at(25))


def test_files_required_files_validated_and_materials_of_the_site_only(cast, sites):
    from archives.models import Material

    assignment = published_task(
        cast.staff, sites=[sites.a, sites.b], due_at=at(30), published_at=at(24, 9), files_required=True
    )
    target = assignment.targets.get(site=sites.a)
    with pytest.raises(ValidationError, match="须上传附件"):
        services.answer_submit(target=target, by=cast.leader, text="只写了字", now=at(25))
    with pytest.raises(ValidationError) as refused:
        services.answer_submit(target=target, by=cast.leader, text="附件", files=[disguised_exe()], now=at(25))
    assert "报告.pdf" in str(refused.value) and "不支持的文件类型" in str(refused.value)
    foreign = Material.objects.create(site=sites.b, category="other", title="乙的材料", year=2026)
    with pytest.raises(ValidationError, match="本示范点"):
        services.answer_submit(target=target, by=cast.leader, files=[pdf()], materials=[foreign], now=at(25))
    own = Material.objects.create(site=sites.a, category="other", title="甲的材料", year=2026)
    answer = services.answer_submit(target=target, by=cast.leader, files=[pdf()], materials=[own], now=at(25))
    assert list(answer.materials.all()) == [own]
    assert not AssignmentSite.objects.filter(status="submitted").exclude(pk=target.pk).exists()


def test_an_answer_at_the_due_second_is_on_time_and_one_second_later_is_late(cast, sites):
    due = at(30, 18, 0, 0)
    assignment = published_task(cast.staff, sites=[sites.a, sites.a_town], due_at=due, published_at=at(24, 9))
    on_time = assignment.targets.get(site=sites.a)
    late = assignment.targets.get(site=sites.a_town)
    services.answer_submit(target=on_time, by=cast.leader, text="准时", now=due)
    services.answer_submit(target=late, by=cast.district, text="晚了一秒", now=due + datetime.timedelta(seconds=1))
    on_time.refresh_from_db()
    late.refresh_from_db()
    assert (on_time.late, on_time.answers.get().late) == (False, False)
    assert (late.late, late.answers.get().late) == (True, True)
    # The boundary is the instant, whatever the zone it is written in: 18:00 Shanghai is 10:00 UTC.
    assert due.astimezone(datetime.UTC).hour == 10


def test_a_resubmission_after_the_due_time_makes_an_on_time_site_late_and_a_late_one_stays_late(cast, sites):
    due = at(30)
    assignment = published_task(cast.staff, sites=[sites.a, sites.a_town], due_at=due, published_at=at(24, 9))
    first_on_time = assignment.targets.get(site=sites.a)
    services.answer_submit(target=first_on_time, by=cast.leader, text="一稿", now=at(29))
    services.answer_return(target=first_on_time, by=cast.staff, reason="不全", now=at(29, 20))
    services.answer_submit(target=first_on_time, by=cast.leader, text="二稿", now=at(30, 18, 0, 0))
    first_on_time.refresh_from_db()
    assert first_on_time.late is False  # resubmitted at the due second: still on time
    services.answer_return(target=first_on_time, by=cast.staff, reason="仍不全", now=at(30, 19))
    services.answer_submit(target=first_on_time, by=cast.leader, text="三稿", now=at(1, 9, month=12))
    first_on_time.refresh_from_db()
    assert first_on_time.late is True and first_on_time.first_submitted_at == at(29)


# --- reminders and the due time ------------------------------------------------------------------------------


def test_a_due_date_change_gives_fresh_reminder_steps(cast, sites):
    assignment = published_task(cast.staff, sites=[sites.a], due_at=at(30), published_at=at(24, 9))
    assert reminders_send(now=at(24, 9, 1)) == 1  # the publication notice
    assert reminders_send(now=at(27, 8, 0)) == 1  # 3 days before the 30th
    assert reminders_send(now=at(27, 9, 0)) == 0
    services.assignment_change_due(
        assignment=assignment, by=cast.staff, due_at=at(5, 18, month=12), reason="延期一周", now=at(27, 10)
    )
    assert Notification.objects.filter(recipient=cast.leader, title__contains="截止时间调整").exists()
    assert AuditEntry.objects.get(action="assignment_change_due").reason == "延期一周"
    # The 29th (1 day before the old due day) now sends nothing; 3 days before the new one does.
    assert reminders_send(now=at(29, 8, 0)) == 0
    assert reminders_send(now=at(2, 8, 0, month=12)) == 1
    steps = list(Reminder.objects.filter(skipped=False).order_by("scheduled_at").values_list("step", flat=True))
    assert steps == ["published", "before-3@202611301800", "before-3@202612051800"]
    with pytest.raises(ValidationError, match="原因"):
        services.assignment_change_due(assignment=assignment, by=cast.staff, due_at=at(6, month=12), reason="")
    with pytest.raises(ValidationError, match="晚于现在"):
        services.assignment_change_due(assignment=assignment, by=cast.staff, due_at=at(28), reason="提前", now=at(29))


def test_closing_ends_reminders(cast, sites):
    assignment = published_task(cast.staff, sites=[sites.a], due_at=at(30), published_at=at(24, 9))
    services.assignment_close(assignment=assignment, by=cast.staff, now=at(24, 10))
    assert reminders_send(now=at(27, 8)) == 0
    with pytest.raises(ValidationError, match="已发布"):
        services.assignment_close(assignment=assignment, by=cast.staff)
