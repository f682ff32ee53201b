"""Staff copy the standard to next year, edit an item inline, and publish it; scorers only read."""

import re

from tests.e2e.conftest import login


def test_staff_copies_edits_and_publishes(live_server, demo_city, page_factory, screenshot_dir):
    page = page_factory()
    shot = lambda name: page.screenshot(path=str(screenshot_dir / f"standards-{name}-{page.size}.png"), full_page=True)  # noqa: E731
    login(page, live_server.url, "staff")
    page.goto(f"{live_server.url}/standards/")
    assert page.locator("tbody tr").count() >= 2
    shot("list")
    page.click("text=基层党建示范点创建标准 >> nth=0")
    assert "有过硬的领导班子和骨干队伍" in page.content()

    # Copy to next year.
    page.click("button:has-text('复制为新版本')")
    page.wait_for_selector("#copy-form.show")
    year = int(page.input_value("#copy-form input[name=year]"))
    page.click("#copy-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert f"已复制为 {year} 年草稿" in page.locator(".alert-success").inner_text()
    assert "草稿" in page.locator("h1").inner_text()

    # Edit one item in place (htmx): the row turns into a form and back.
    row = page.locator("tr", has_text="SY-01")
    row.locator("a:has-text('编辑')").click()
    form_row = page.locator("tr.table-warning")
    form_row.wait_for()
    shot("inline-edit")
    form_row.locator("input[name=title]").fill("有坚强有力的领导班子和骨干队伍")
    form_row.locator("button:has-text('保存')").click()
    page.wait_for_selector("tr.table-warning", state="detached")
    assert "有坚强有力的领导班子和骨干队伍" in page.locator("tr", has_text="SY-01").inner_text()

    # Publish.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form[action$='/publish/'] button")
    page.wait_for_load_state("networkidle")
    assert "已发布" in page.locator(".alert-success").inner_text()
    assert re.search(r"已发布", page.locator("h1").inner_text())
    shot("published")
    assert page.console_errors == []


def test_scorer_reads_and_prints(live_server, demo_city, page_factory, screenshot_dir):
    page = page_factory()
    login(page, live_server.url, "scorer")
    page.goto(f"{live_server.url}/standards/")
    page.click("text=基层党建示范点创建标准 >> nth=0")
    assert page.locator("text=编辑信息").count() == 0
    page.select_option("select[name=domain]", "rural")
    page.click("button:has-text('查看')")
    page.wait_for_load_state("networkidle")
    assert "该领域适用总分 100 分" in page.content()
    page.goto(page.url.replace("/?", "/print/?"))
    assert "现场核查评分表" in page.content()
    page.screenshot(path=str(screenshot_dir / f"standards-print-{page.size}.png"), full_page=True)
    if page.size == "desktop":
        pdf = page.pdf(format="A4")
        (screenshot_dir / "standards-print.pdf").write_bytes(pdf)
        assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 3  # several A4 pages
    assert page.console_errors == []
