"""An administrator opens an account for a site leader; the leader logs in with the one-time password and must
choose their own before anything else (desktop and phone; screenshots saved)."""

from accounts.models import PartyOrganization, User
from tests.e2e.conftest import login

NEW_PASSWORD = "Spring-lake-2027"


def logout(page):
    if page.size == "phone":
        page.click("button.navbar-toggler")
        page.wait_for_selector("#main-nav.show")
    page.click("#user-menu")
    page.click("button:has-text('退出登录')")
    page.wait_for_load_state("networkidle")


def test_admin_opens_a_leader_account_and_the_leader_must_change_the_password(
    live_server, demo_city, page_factory, screenshot_dir
):
    organization = PartyOrganization.objects.filter(region__depth=3).order_by("region__path", "name").first()
    page = page_factory()
    base = live_server.url
    login(page, base, "admin")
    page.goto(f"{base}/accounts/users/new/")
    page.fill("input[name=username]", "yang.liu")
    page.fill("input[name=full_name]", "杨柳")
    page.fill("input[name=phone]", "13912345678")
    page.click("#div_id_organization .ts-control")
    page.keyboard.type(organization.region.name)
    page.locator(".ts-dropdown .option", has_text=organization.region.label).first.click()
    page.check("input[name=roles][value=leader]")
    page.screenshot(path=str(screenshot_dir / f"user-new-{page.size}.png"), full_page=True)
    page.click("button:has-text('创建并生成一次性密码')")
    page.wait_for_load_state("networkidle")
    password = page.locator("#one-time-password").inner_text().strip()
    assert len(password) == 10
    assert "首次登录时必须修改密码" in page.locator("main").inner_text()
    page.screenshot(path=str(screenshot_dir / f"user-created-{page.size}.png"), full_page=True)
    leader = User.objects.get(username="yang.liu")
    assert leader.organization == organization and leader.roles == {"leader"} and leader.must_change_password

    logout(page)
    login(page, base, "yang.liu", password)
    assert page.url == f"{base}/accounts/password/"
    assert "一次性密码" in page.locator("main").inner_text()
    page.goto(f"{base}/sites/")
    assert page.url == f"{base}/accounts/password/"  # nothing else before the password is changed
    page.screenshot(path=str(screenshot_dir / f"password-must-change-{page.size}.png"), full_page=True)

    page.fill("input[name=old_password]", password)
    page.fill("input[name=new_password1]", password)
    page.fill("input[name=new_password2]", password)
    page.click("button:has-text('保存新密码')")
    page.wait_for_load_state("networkidle")
    assert "不能与当前密码" in page.locator("main").inner_text()

    page.fill("input[name=old_password]", password)
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    page.click("button:has-text('保存新密码')")
    page.wait_for_load_state("networkidle")
    assert "密码已修改" in page.locator("main").inner_text()
    page.goto(f"{base}/")
    assert page.url == f"{base}/" and "杨柳" in page.locator("h1").inner_text()
    leader.refresh_from_db()
    assert not leader.must_change_password
    assert page.console_errors == []
