"""Guidance visits on a phone: the instructor records a visit to a site with a rectification item and a photo;
the site's leader is notified, opens it and reports the item put right with a photo; the instructor accepts it.
Screenshots of every step go to test-artifacts/screenshots/supervision-visits-*.png."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.models import Notification
from supervision.choices import RectificationStatus
from supervision.models import Attachment, GuidanceVisit, Rectification
from tests.archives import samples
from tests.e2e.conftest import VIEWPORTS, login
from tests.factories import PASSWORD
from tests.supervision.test_visits import build_world


@pytest.fixture
def world(transactional_db, city, cast):
    return build_world(cast, city)


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


def test_instructor_records_a_visit_the_leader_reports_the_instructor_accepts(
    live_server, browser, world, cast, screenshot_dir, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    base, site = live_server.url, world.site_a
    shot = lambda page, name: page.screenshot(  # noqa: E731
        path=str(screenshot_dir / f"supervision-visits-{name}.png"), full_page=True
    )
    photo = tmp_path / "现场.jpg"
    photo.write_bytes(samples.image_bytes("JPEG", size=(320, 240)))
    due = timezone.localdate() + datetime.timedelta(days=14)

    # The instructor, on a phone, starts from the site's page and records the visit with one item and a photo.
    _ctx, instructor = _context(browser, "phone")
    login(instructor, base, cast.instructor.username, PASSWORD)
    instructor.goto(f"{base}/sites/{site.pk}/")
    instructor.locator("#visits").get_by_role("link", name="记录指导情况").click()
    instructor.wait_for_load_state("networkidle")
    instructor.fill("input[name=participants]", "陈志强、刘芳")
    instructor.fill("textarea[name=findings]", "党建阵地标识不统一，门牌缺失")
    instructor.fill("textarea[name=suggestions]", "按全市统一规范制作门牌")
    instructor.set_input_files("input[name=photos]", str(photo))
    instructor.fill("input[name='items-0-title']", "规范阵地标识")
    instructor.fill("input[name='items-0-due_on']", due.isoformat())
    instructor.fill("input[name='items-0-responsible']", "组织委员")
    shot(instructor, "01-record-phone")
    instructor.click("button:has-text('保存')")
    instructor.wait_for_load_state("networkidle")
    visit = GuidanceVisit.objects.get()
    assert visit.site == site and Attachment.objects.filter(owner_id=visit.pk).count() == 1
    rectification = Rectification.objects.get()
    assert rectification.visit == visit and rectification.due_on == due
    expect(instructor.locator("#items")).to_contain_text("规范阵地标识")
    shot(instructor, "02-visit-phone")

    # The leader sees the notification on her phone, opens it and reports the item done with a photo.
    _ctx2, leader = _context(browser, "phone")
    login(leader, base, cast.leader.username, PASSWORD)
    assert Notification.objects.filter(recipient=cast.leader, kind="rectification").exists()
    leader.goto(f"{base}/notifications/")
    shot(leader, "03-notification-phone")
    leader.click("text=条新的整改事项")
    leader.wait_for_load_state("networkidle")
    expect(leader.locator("#items")).to_contain_text("规范阵地标识")
    leader.locator("#items").get_by_role("link", name="报告整改完成").click()
    leader.wait_for_load_state("networkidle")
    leader.fill("textarea[name=note]", "已按全市统一规范制作并安装门牌")
    evidence = tmp_path / "门牌.jpg"
    evidence.write_bytes(samples.image_bytes("JPEG", size=(320, 240)))
    leader.set_input_files("input[name=files]", str(evidence))
    shot(leader, "04-report-phone")
    leader.click("button:has-text('提交整改情况')")
    leader.wait_for_load_state("networkidle")
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.SUBMITTED and rectification.reported_by == cast.leader

    # The instructor accepts it.
    instructor.goto(f"{base}/supervision/rectifications/{rectification.pk}/")
    expect(instructor.locator("#report")).to_contain_text("已按全市统一规范制作并安装门牌")
    expect(instructor.locator("#report img")).to_be_visible()
    shot(instructor, "05-decide-phone")
    instructor.click("button:has-text('确认整改完成')")
    instructor.wait_for_load_state("networkidle")
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.CLOSED and rectification.closed_by == cast.instructor
    shot(instructor, "06-closed-phone")
    assert not instructor.console_errors and not leader.console_errors
