"""Staff find a site by filter, edit it and change its state with a reason; the leader edits the brand."""

from tests.e2e.conftest import login


def test_staff_finds_edits_and_changes_state(live_server, demo_city, page_factory, screenshot_dir):
    page = page_factory()
    shot = lambda name: page.screenshot(path=str(screenshot_dir / f"sites-{name}-{page.size}.png"), full_page=True)  # noqa: E731
    login(page, live_server.url, "staff")
    page.goto(f"{live_server.url}/sites/")
    page.select_option("select[name=state]", "formal")
    page.select_option("select[name=domain]", "rural")
    page.click("button:has-text('查询')")
    page.wait_for_load_state("networkidle")
    assert "state=formal" in page.url and "domain=rural" in page.url
    rows = page.locator("tbody tr")
    assert rows.count() > 0
    assert all(text == "正式示范点" for text in rows.locator("td:nth-child(3)").all_inner_texts())
    shot("filtered")

    rows.first.locator("a").first.click()
    page.wait_for_load_state("networkidle")
    site_url = page.url
    page.click("a:has-text('编辑信息')")
    page.fill("input[name=brand_slogan]", "支部建在网格上，党员干在一线上")
    page.click("button:has-text('保存')")
    page.wait_for_load_state("networkidle")
    assert page.url == site_url
    assert "支部建在网格上" in page.locator("#profile").inner_text()

    page.select_option("select[name=to_state]", "eliminated")
    page.fill("textarea[name=reason]", "年度内发生严重违纪问题，经研究予以摘牌")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('办理状态变更')")
    page.wait_for_load_state("networkidle")
    assert "已办理“摘牌”" in page.locator(".alert-success").inner_text()
    assert "已淘汰" in page.locator("h1").inner_text()
    assert "经研究予以摘牌" in page.locator("#history").inner_text()
    shot("state-changed")
    assert page.console_errors == []


def test_leader_edits_the_brand_of_their_own_site(live_server, demo_city, page_factory, screenshot_dir):
    page = page_factory()
    login(page, live_server.url, "leader")
    page.goto(f"{live_server.url}/sites/")
    page.wait_for_load_state("networkidle")
    assert "/sites/" in page.url and page.url.rstrip("/").split("/")[-1].isdigit()  # straight to their site
    page.click("a:has-text('编辑信息')")
    assert page.locator("select[name=level]").count() == 0  # not theirs to change
    page.fill("input[name=brand_name]", "杨柳红")
    page.fill("textarea[name=highlights]", "- 党员责任区全覆盖\n- 合作社带动增收")
    page.click("button:has-text('保存')")
    page.wait_for_load_state("networkidle")
    profile = page.locator("#profile").inner_text()
    assert "杨柳红" in profile and "党员责任区全覆盖" in profile
    page.screenshot(path=str(screenshot_dir / f"sites-leader-brand-{page.size}.png"), full_page=True)
    assert page.console_errors == []


def test_staff_tell_same_named_organizations_apart_when_nominating(
    live_server, demo_city, page_factory, screenshot_dir
):
    from sites.models import Site

    page = page_factory()
    login(page, live_server.url, "staff")
    page.goto(f"{live_server.url}/sites/nominate/")
    page.click("#div_id_organization .ts-control")
    page.keyboard.type("杨柳村")
    options = page.locator(".ts-dropdown .option", has_text="杨柳村")
    options.first.wait_for()
    page.wait_for_timeout(500)  # the search answers after the last key
    labels = options.all_inner_texts()
    assert len(labels) > 1 and len(set(labels)) == len(labels)  # same names, told apart by their path
    assert all("· 杨柳村）" in label for label in labels)
    chosen = labels[-1]
    options.last.click()
    page.fill("textarea[name=reason]", "村党组织战斗堡垒作用突出")
    page.screenshot(path=str(screenshot_dir / f"sites-nominate-picker-{page.size}.png"), full_page=True)
    page.click("button:has-text('保存')")
    page.wait_for_load_state("networkidle")
    assert "已推荐" in page.locator(".alert-success").inner_text()
    site = Site.objects.select_related("organization__region").latest("id")
    assert str(site.organization) == chosen.strip()

    page.goto(f"{live_server.url}/sites/")
    page.locator("select[name=region] + .ts-wrapper .ts-control").click()
    page.keyboard.type("金山镇")
    page.locator(".ts-dropdown .option", has_text="金山镇").first.click()
    page.click("button:has-text('查询')")
    page.wait_for_load_state("networkidle")
    regions = page.locator("tbody td:nth-child(5)").all_inner_texts()
    assert regions and all("金山镇" in text for text in regions)
    assert page.console_errors == []


def test_staff_create_a_belt_with_three_stops_in_order(live_server, demo_city, page_factory, screenshot_dir):
    page = page_factory()
    shot = lambda name: page.screenshot(path=str(screenshot_dir / f"sites-{name}-{page.size}.png"), full_page=True)  # noqa: E731
    login(page, live_server.url, "staff")
    page.goto(f"{live_server.url}/sites/")
    page.click("nav a:has-text('示范区与示范带')")
    page.click("a:has-text('新建示范区或示范带')")
    page.wait_for_load_state("networkidle")
    page.fill("input[name=name]", "沿江红色观摩带")
    page.select_option("select[name=kind]", "belt")
    page.click("#div_id_region .ts-control")
    page.keyboard.type("临江区")
    page.locator(".ts-dropdown .option", has_text="临江区").first.click()

    chosen = []
    for _stop in range(3):  # the route is the order of choosing
        page.click("#div_id_sites .ts-control")
        page.keyboard.type("示范点")
        option = page.locator("#div_id_sites .ts-dropdown .option").first
        option.wait_for()
        page.wait_for_timeout(400)  # the search answers after the last key
        chosen.append(option.inner_text().split("（")[0].strip())
        option.click()
        page.keyboard.press("Escape")
    assert len(set(chosen)) == 3
    shot("belt-form")
    page.click("button:has-text('保存')")
    page.wait_for_load_state("networkidle")
    assert "已保存“沿江红色观摩带”" in page.locator(".alert-success").inner_text()
    belt = page.locator("section.card", has_text="沿江红色观摩带")
    assert belt.locator("ol li").all_inner_texts() == chosen
    shot("belt-listed")

    belt.locator("a:has-text('编辑')").click()
    page.wait_for_load_state("networkidle")
    page.locator("#stops input").nth(2).fill("1")  # the last stop goes first
    page.click("button:has-text('保存')")
    page.wait_for_load_state("networkidle")
    belt = page.locator("section.card", has_text="沿江红色观摩带")
    assert belt.locator("ol li").all_inner_texts() == [chosen[2], chosen[0], chosen[1]]
    assert page.console_errors == []
