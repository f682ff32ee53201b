"""A task from publication to acceptance: staff publish a task to the rural domain in the browser; the leader of
a rural site sees the notice behind the bell on her phone and answers with text and a file; staff return it with
a reason; the leader resubmits; staff accept. Screenshots go to
test-artifacts/screenshots/supervision-assignments-*.png."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from supervision.models import Assignment, AssignmentSite
from tests.archives import samples
from tests.e2e.conftest import VIEWPORTS, login
from tests.factories import PASSWORD
from tests.supervision.assignment_setup import build_sites


@pytest.fixture
def sites(transactional_db, city, cast):
    return build_sites(city, cast)


def _context(browser, size):
    context = browser.new_context(
        viewport=VIEWPORTS[size], locale="zh-CN", is_mobile=size == "phone", has_touch=size == "phone"
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())  # every confirmation is accepted
    return context, page


def test_publish_answer_return_resubmit_accept(live_server, browser, sites, cast, screenshot_dir, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    base = live_server.url
    shot = lambda page, name: page.screenshot(  # noqa: E731
        path=str(screenshot_dir / f"supervision-assignments-{name}.png"), full_page=True
    )

    # Staff write the task and publish it to the rural domain.
    staff_context, staff = _context(browser, "desktop")
    login(staff, base, cast.staff.username, PASSWORD)
    staff.goto(f"{base}/supervision/assignments/new/")
    staff.fill("input[name=title]", "报送第四季度党建工作计划")
    staff.fill("textarea[name=description]", "请于截止时间前报送计划，并附会议记录。")
    due = timezone.localtime() + datetime.timedelta(days=5)
    staff.fill("input[name=due_at]", due.strftime("%Y-%m-%dT18:00"))
    staff.check("input[name=target_kind][value=domain]")
    staff.select_option("select[name=target_domain]", "rural")
    shot(staff, "01-form-desktop")
    staff.click("button:has-text('保存草稿')")
    staff.wait_for_load_state("networkidle")
    expect(staff.locator("main")).to_contain_text("发布给 2 个示范点")
    expect(staff.locator("main")).to_contain_text(sites.a.name)
    shot(staff, "02-publish-desktop")
    staff.click("#publish")
    staff.wait_for_load_state("networkidle")
    assignment = Assignment.objects.get()
    assert assignment.status == "published" and assignment.targets.count() == 2
    target = AssignmentSite.objects.get(assignment=assignment, site=sites.a)

    # The leader sees the notice behind the bell on her phone and answers with a file.
    leader_context, leader = _context(browser, "phone")
    login(leader, base, cast.leader.username, PASSWORD)
    leader.goto(f"{base}/")
    expect(leader.locator("a[aria-label='通知'] .badge")).to_have_count(1)  # the bell shows an unread notice
    leader.goto(base + reverse("core:notifications"))
    leader.wait_for_load_state("networkidle")
    expect(leader.locator("main")).to_contain_text("新工作任务")
    shot(leader, "03-bell-phone")
    leader.goto(f"{base}/supervision/targets/{target.pk}/")
    expect(leader.locator("main")).to_contain_text("提交报送")
    leader.fill("textarea[name=text]", "第四季度计划已制定，见附件。")
    plan = tmp_path / "工作计划.pdf"
    plan.write_bytes(samples.pdf_bytes())
    leader.set_input_files("input[name=files]", str(plan))
    shot(leader, "04-answer-phone")
    leader.click("#submit-answer")
    leader.wait_for_load_state("networkidle")
    target.refresh_from_db()
    assert target.status == "submitted"

    # Staff return it with a reason.
    staff.goto(f"{base}/supervision/assignments/{assignment.pk}/")
    expect(staff.locator("#targets")).to_contain_text("已报送")
    shot(staff, "05-detail-desktop")
    staff.goto(f"{base}/supervision/targets/{target.pk}/")
    expect(staff.locator("#answers")).to_contain_text("工作计划.pdf")
    staff.fill("textarea[name=reason]", "缺少会议记录，请补充后重新报送。")
    staff.click("#return-answer")
    staff.wait_for_load_state("networkidle")
    target.refresh_from_db()
    assert target.status == "returned"

    # The leader resubmits.
    leader.goto(f"{base}/supervision/tasks/")
    expect(leader.locator("main")).to_contain_text("已退回")
    shot(leader, "06-my-tasks-phone")
    leader.goto(f"{base}/supervision/targets/{target.pk}/")
    expect(leader.locator("#returned")).to_contain_text("缺少会议记录")
    leader.fill("textarea[name=text]", "已补充会议记录。")
    leader.click("#submit-answer")
    leader.wait_for_load_state("networkidle")
    target.refresh_from_db()
    assert target.status == "submitted" and target.answers.count() == 2

    # Staff accept it.
    staff.goto(f"{base}/supervision/targets/{target.pk}/")
    staff.click("#accept-answer")
    staff.wait_for_load_state("networkidle")
    target.refresh_from_db()
    assert target.status == "accepted" and target.late is False
    expect(staff.locator("main")).to_contain_text("已通过")
    shot(staff, "07-accepted-desktop")
    leader.goto(f"{base}/supervision/tasks/")
    shot(leader, "08-my-tasks-accepted-phone")

    assert staff.console_errors == [] and leader.console_errors == []
    staff_context.close()
    leader_context.close()
