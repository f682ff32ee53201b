"""Every demo user logs in and sees their home page, at desktop and phone sizes (screenshots saved)."""

import pytest

from accounts.roles import Role
from tests.e2e.conftest import login

DEMO_USERS = {
    "admin": "王建国",
    "staff": "李明",
    "district": "赵丽",
    "instructor": "陈志强",
    "leader": "刘芳",
    "scorer": "孙伟",
    "teamlead": "周敏",
    "viewer": "郑华",
}


@pytest.mark.parametrize("username", list(DEMO_USERS))
def test_demo_user_logs_in_and_sees_home(live_server, demo_city, page_factory, screenshot_dir, username):
    page = page_factory()
    login(page, live_server.url, username)

    assert page.url == f"{live_server.url}/"
    greeting = page.locator("h1")
    assert DEMO_USERS[username] in greeting.inner_text()
    assert str(Role(username).label) in page.locator("main").inner_text()
    page.screenshot(path=str(screenshot_dir / f"home-{username}-{page.size}.png"), full_page=True)
    assert page.console_errors == []  # no CSP violation, no script error


def test_wrong_password_then_lockout_message(live_server, demo_city, page_factory, screenshot_dir, settings):
    page = page_factory()
    login(page, live_server.url, "staff", password="wrong-password")
    assert "请输入一个正确的" in page.locator("form").inner_text()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        login(page, live_server.url, "staff", password="wrong-password")
    login(page, live_server.url, "staff")  # the right password, too late
    assert "登录失败次数过多" in page.locator("main").inner_text()
    page.screenshot(path=str(screenshot_dir / f"login-locked-{page.size}.png"), full_page=True)


def test_phone_menu_opens_and_logout_works(live_server, demo_city, page_factory):
    page = page_factory()
    login(page, live_server.url, "staff")
    if page.size == "phone":
        page.click("button.navbar-toggler")
        page.wait_for_selector("#main-nav.show")
    page.click("#user-menu")
    page.click("button:has-text('退出登录')")
    page.wait_for_load_state("networkidle")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")


def test_english_interface(live_server, demo_city, page_factory):
    page = page_factory()
    login(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/?lang=en")
    assert "Hello" in page.locator("h1").inner_text()
    header = page.locator("header").inner_text()
    assert ("Sites" in header and "Standards" in header) or page.size == "phone"
    page.goto(f"{live_server.url}/accounts/organizations/?lang=zh-hans")
    assert "党组织" in page.locator("h1").inner_text()


def test_friendly_404_page(live_server, demo_city, page_factory, screenshot_dir):
    page = page_factory()
    login(page, live_server.url, "staff")
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404
    assert "页面不存在" in page.locator("main").inner_text()
    page.screenshot(path=str(screenshot_dir / f"404-{page.size}.png"), full_page=True)


def test_organization_list_filters_by_region(live_server, demo_city, page_factory, screenshot_dir):
    page = page_factory()
    login(page, live_server.url, "district")
    page.goto(f"{live_server.url}/accounts/organizations/")
    total_text = page.locator("h1 + span").inner_text()
    page.fill("input[name=q]", "村")
    page.click("button:has-text('查询')")
    page.wait_for_load_state("networkidle")
    rows = page.locator("tbody tr")
    assert rows.count() > 0
    assert all("村" in text for text in rows.locator("td:first-child").all_inner_texts())
    assert page.locator("h1 + span").inner_text() != total_text
    page.screenshot(path=str(screenshot_dir / f"organizations-district-{page.size}.png"), full_page=True)
