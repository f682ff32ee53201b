"""Pages of tasks: each role's access (a leader sees only their site's tasks; others' pages are 404), staff's
form and publication, the answer form refusing a disguised file, the review, the files' readers, the site
panel, the navigation, and query counts that do not grow with sites and tasks."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sites.models import CreationGroupMember
from supervision import assignments as services
from supervision.models import AssignmentSite, Attachment
from tests.factories import PartyOrganizationFactory, RegionFactory, SiteFactory
from tests.supervision.assignment_setup import build_sites, disguised_exe, pdf


@pytest.fixture
def sites(city, cast):
    return build_sites(city, cast)


@pytest.fixture
def task(cast, sites):
    """Published now, due in five days, to sites A (the leader's) and B."""
    now = timezone.now()
    assignment = services.assignment_create(
        by=cast.staff,
        title="报送年度总结",
        due_at=now + datetime.timedelta(days=5),
        target_kind="sites",
        sites=[sites.a, sites.b],
        files=[pdf("通知.pdf")],
    )
    return services.assignment_publish(assignment=assignment, by=cast.staff, now=now)


def _target(task, site) -> AssignmentSite:
    return task.targets.get(site=site)


def _status(client, user, url) -> int:
    client.force_login(user)
    return client.get(url).status_code


def test_each_role_on_the_pages(client, cast, task, sites):
    target_a, target_b = _target(task, sites.a), _target(task, sites.b)
    pages = {
        "list": reverse("supervision:assignments"),
        "create": reverse("supervision:assignment_create"),
        "detail": task.get_absolute_url(),
        "mine": reverse("supervision:my_tasks"),
        "a": reverse("supervision:target_detail", args=[target_a.pk]),
        "b": reverse("supervision:target_detail", args=[target_b.pk]),
    }
    expected = {
        "admin": {"list": 200, "create": 200, "detail": 200, "mine": 200, "a": 200, "b": 200},
        "staff": {"list": 200, "create": 200, "detail": 200, "mine": 200, "a": 200, "b": 200},
        "district": {"list": 403, "create": 403, "detail": 200, "mine": 200, "a": 200, "b": 404},
        "instructor": {"list": 403, "create": 403, "detail": 404, "mine": 200, "a": 404, "b": 404},
        "leader": {"list": 403, "create": 403, "detail": 200, "mine": 200, "a": 200, "b": 404},
        "scorer": {"list": 403, "create": 403, "detail": 404, "mine": 200, "a": 404, "b": 404},
        "teamlead": {"list": 403, "create": 403, "detail": 404, "mine": 200, "a": 404, "b": 404},
        "viewer": {"list": 403, "create": 403, "detail": 200, "mine": 200, "a": 200, "b": 200},
        "outsider": {"list": 403, "create": 403, "detail": 200, "mine": 200, "a": 404, "b": 200},
        "nobody": {"list": 403, "create": 403, "detail": 404, "mine": 200, "a": 404, "b": 404},
    }
    seen = {
        role: {name: _status(client, user, url) for name, url in pages.items()} for role, user in cast.by_role().items()
    }
    assert seen == expected


def test_the_leaders_task_page_lists_only_their_site_and_the_scorer_sees_nothing(client, cast, task, sites):
    client.force_login(cast.leader)
    detail = client.get(task.get_absolute_url()).content.decode()
    assert "甲村示范点" in detail and "乙镇示范点" not in detail
    mine = client.get(reverse("supervision:my_tasks")).content.decode()
    assert "报送年度总结" in mine and "甲村示范点" in mine and "乙镇示范点" not in mine and "还有" in mine
    client.force_login(cast.scorer)
    assert "报送年度总结" not in client.get(reverse("supervision:my_tasks")).content.decode()


def test_staff_create_and_publish_through_the_pages(client, cast, sites):
    client.force_login(cast.staff)
    due = (timezone.localtime() + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("supervision:assignment_create"),
        {
            "title": "报送活动照片",
            "description": "每个示范点三张",
            "due_at": due,
            "target_kind": "domain",
            "target_domain": "rural",
            "reminder_days_before": "3，1,0",
            "overdue_every_days": "7",
            "files": [pdf("模板.pdf")],
        },
    )
    assignment = services.Assignment.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "supervision:assignment_publish", args=[assignment.pk]
    )
    assert assignment.reminder_days_before == [3, 1, 0] and assignment.status == "draft"
    confirm = client.get(response["Location"]).content.decode()
    assert "发布给 2 个示范点" in confirm and "甲村示范点" in confirm and "甲镇示范点" in confirm
    response = client.post(reverse("supervision:assignment_publish", args=[assignment.pk]))
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == "published" and assignment.targets.count() == 2
    listing = client.get(reverse("supervision:assignments")).content.decode()
    assert "报送活动照片" in listing


def test_the_form_refuses_a_past_due_time_and_a_target_without_its_parameter(client, cast, sites):
    client.force_login(cast.staff)
    past = (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    future = (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    base = {"title": "x", "target_kind": "region", "reminder_days_before": "3", "overdue_every_days": "7"}
    page = client.post(reverse("supervision:assignment_create"), {**base, "due_at": past}).content.decode()
    assert "截止时间须晚于现在" in page
    page = client.post(reverse("supervision:assignment_create"), {**base, "due_at": future}).content.decode()
    assert "请选择区域" in page
    assert not services.Assignment.objects.exists()


def test_the_leader_answers_staff_return_and_accept_through_the_pages(client, cast, task, sites):
    target = _target(task, sites.a)
    url = reverse("supervision:target_detail", args=[target.pk])
    client.force_login(cast.leader)
    page = client.get(url).content.decode()
    assert "提交报送" in page and "通知.pdf" in page and "下次提醒" in page

    refused = client.post(
        reverse("supervision:target_answer", args=[target.pk]), {"text": "完成", "files": [disguised_exe()]}
    )
    assert refused.status_code == 200 and "不支持的文件类型" in refused.content.decode()
    assert not target.answers.exists()
    response = client.post(
        reverse("supervision:target_answer", args=[target.pk]), {"text": "已完成", "files": [pdf("总结.pdf")]}
    )
    assert response.status_code == 302
    # The leader may not review; the leader of another site may not even see it.
    assert client.post(reverse("supervision:target_accept", args=[target.pk])).status_code == 403

    client.force_login(cast.staff)
    page = client.get(url).content.decode()
    assert "总结.pdf" in page and "退回修改" in page
    empty = client.post(reverse("supervision:target_return", args=[target.pk]), {"reason": ""})
    assert empty.status_code == 200
    target.refresh_from_db()
    assert target.status == "submitted"
    client.post(reverse("supervision:target_return", args=[target.pk]), {"reason": "请补充照片"})
    target.refresh_from_db()
    assert (target.status, target.return_reason) == ("returned", "请补充照片")

    client.force_login(cast.leader)
    page = client.get(url).content.decode()
    assert "请补充照片" in page and "重新报送" in page
    client.post(reverse("supervision:target_answer", args=[target.pk]), {"text": "已补充"})
    client.force_login(cast.staff)
    response = client.post(reverse("supervision:target_accept", args=[target.pk]), {"back": "assignment"})
    assert response["Location"] == task.get_absolute_url()
    target.refresh_from_db()
    assert target.status == "accepted"


def test_files_are_served_to_those_who_see_the_task_or_the_site(client, cast, task, sites):
    target = _target(task, sites.a)
    services.answer_submit(target=target, by=cast.leader, text="附件", files=[pdf("甲的总结.pdf")])
    task_file = Attachment.objects.get(original_name="通知.pdf")
    answer_file = Attachment.objects.get(original_name="甲的总结.pdf")
    expected = {
        "staff": (200, 200),
        "leader": (200, 200),
        "district": (200, 200),
        "outsider": (200, 403),  # sees site B, so the task, but not site A's answer
        "scorer": (403, 403),
        "nobody": (403, 403),
    }
    for role, (task_status, answer_status) in expected.items():
        client.force_login(getattr(cast, role))
        got = (
            client.get(reverse("supervision:attachment", args=[task_file.pk])).status_code,
            client.get(reverse("supervision:attachment", args=[answer_file.pk])).status_code,
        )
        assert got == (task_status, answer_status), role


def test_the_site_page_shows_the_sites_tasks_and_the_menu_a_badge(client, cast, task, sites):
    client.force_login(cast.leader)
    page = client.get(reverse("sites:detail", args=[sites.a.pk])).content.decode()
    assert 'id="site-assignments"' in page and "报送年度总结" in page and "待报送" in page
    assert reverse("supervision:my_tasks") in page  # 我的任务 in the menu
    client.force_login(cast.staff)
    page = client.get(reverse("sites:detail", args=[sites.a.pk])).content.decode()
    assert reverse("supervision:assignments") in page and reverse("supervision:my_tasks") not in page


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _many(cast, city, count):
    """`count` sites in the leader's village, all in the leader's group, each with `count` tasks in every state."""
    region = RegionFactory(name=f"村{count}", kind="village", parent=city.town_a)
    now = timezone.now()
    made = []
    for n in range(count):
        organization = PartyOrganizationFactory(name=f"支部{count}-{n}", region=region)
        site = SiteFactory(organization=organization, name=f"点{count}-{n}")
        CreationGroupMember.objects.create(site=site, name="刘芳", user=cast.leader)
        made.append(site)
    tasks = []
    for n in range(count):
        assignment = services.assignment_create(
            by=cast.staff, title=f"任务{count}-{n}", due_at=now + datetime.timedelta(days=3), sites=made
        )
        tasks.append(services.assignment_publish(assignment=assignment, by=cast.staff, now=now))
    first = tasks[0].targets.order_by("pk")
    services.answer_submit(target=first[0], by=cast.leader, text="x", files=[pdf()])
    return tasks


def test_query_counts_do_not_grow_with_sites_and_tasks(client, cast, city):
    small = _many(cast, city, 1)
    large = _many(cast, city, 20)
    client.force_login(cast.staff)
    _queries(client, reverse("supervision:assignments"))
    assert _queries(client, reverse("supervision:assignments") + "?q=任务1-") == _queries(
        client, reverse("supervision:assignments") + "?q=任务20-"
    )
    assert _queries(client, small[0].get_absolute_url()) == _queries(client, large[0].get_absolute_url())
    small_target = small[0].targets.order_by("pk").first()
    large_target = large[0].targets.order_by("pk").first()
    target_url = "supervision:target_detail"
    assert _queries(client, reverse(target_url, args=[small_target.pk])) == _queries(
        client, reverse(target_url, args=[large_target.pk])
    )
    client.force_login(cast.leader)
    one = _queries(client, reverse("supervision:my_tasks"))
    # the leader now has 1 + 20×20 targets; the page costs the same as with fewer
    AssignmentSite.objects.filter(assignment__in=large).delete()
    assert _queries(client, reverse("supervision:my_tasks")) == one
