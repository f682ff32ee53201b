"""The leader uploads three files (one refused), staff return one with a reason, the leader replaces it,
staff accept it, and the leader generates the ledger and downloads it."""

import zipfile

import pytest

from tests.archives import samples
from tests.e2e.conftest import login


@pytest.fixture
def files(tmp_path):
    paths = {}
    for name, content in {
        "创建工作方案.pdf": samples.pdf_bytes(),
        "活动照片.jpg": samples.jpeg_with_gps(),
        "伪装照片.jpg": samples.html_bytes(),
    }.items():
        path = tmp_path / name
        path.write_bytes(content)
        paths[name] = path
    replacement = tmp_path / "创建工作方案（修改稿）.docx"
    replacement.write_bytes(samples.office_bytes())
    paths["replacement"] = replacement
    return paths


def test_materials_from_upload_to_ledger(
    live_server, demo_city, page_factory, screenshot_dir, files, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    shot = lambda page, name: page.screenshot(  # noqa: E731
        path=str(screenshot_dir / f"archives-{name}-{page.size}.png"), full_page=True
    )
    leader = page_factory()
    login(leader, live_server.url, "leader")
    leader.goto(f"{live_server.url}/sites/")
    archive_url = leader.url.replace("/sites/", "/archives/sites/")
    leader.goto(archive_url)
    three = [str(files[name]) for name in ("创建工作方案.pdf", "活动照片.jpg", "伪装照片.jpg")]
    leader.set_input_files("input[name=files]", three)
    leader.select_option("select[name=category]", "creation_plan")
    leader.click("button:has-text('上传')")
    # Each file goes up on its own with a progress bar; the refused one says why.
    leader.wait_for_selector("[data-upload-list] .text-danger")
    leader.wait_for_function("document.querySelectorAll('[data-upload-list] .text-success').length === 2")
    assert "未上传：不支持的文件类型" in leader.locator("[data-upload-list] li", has_text="伪装照片.jpg").inner_text()
    shot(leader, "uploading")
    # A refusal stays until the user has read it: no reload; the accepted files show when they ask.
    leader.wait_for_timeout(1500)
    assert leader.locator("[data-upload-list] [data-refusal]", has_text="伪装照片.jpg").count() == 1
    with leader.expect_navigation():
        leader.click("button:has-text('刷新页面，查看已上传的材料')")
    leader.wait_for_load_state("networkidle")
    assert leader.locator(".card", has_text="创建工作方案.pdf").count() >= 1
    assert leader.locator("[data-upload-list] li").count() == 0
    shot(leader, "uploaded")

    staff = page_factory()
    login(staff, live_server.url, "staff")
    staff.goto(archive_url)
    card = staff.locator(".card", has_text="创建工作方案.pdf").last
    card.locator("input[name=reason]").fill("缺少单位盖章页")
    card.locator("button:has-text('退回')").click()
    staff.wait_for_load_state("networkidle")
    assert "已退回" in staff.locator(".card", has_text="创建工作方案.pdf").last.inner_text()

    leader.goto(archive_url)
    card = leader.locator(".card", has_text="缺少单位盖章页").last
    card.locator("input[name=file]").set_input_files(str(files["replacement"]))
    card.locator("button:has-text('替换')").click()
    leader.wait_for_load_state("networkidle")
    assert "已上传第 2 版" in leader.locator(".alert-success").inner_text()

    staff.goto(archive_url)
    card = staff.locator(".card", has_text="创建工作方案（修改稿）.docx").last
    card.locator("button:has-text('通过')").click()
    staff.wait_for_load_state("networkidle")
    assert "已通过" in staff.locator(".card", has_text="创建工作方案（修改稿）.docx").last.inner_text()

    leader.goto(archive_url)
    leader.click("button:has-text('生成台账')")
    leader.wait_for_selector("text=下载台账", timeout=30000)
    shot(leader, "ledger")
    with leader.expect_download() as download_info:
        leader.click("text=下载台账")
    path = download_info.value.path()
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    assert any(name.endswith("_v2.docx") for name in names) and {"台账索引.xlsx", "台账索引.pdf"} <= set(names)
    assert len(names) == 4  # the plan (version 2), the photo, and the index as a workbook and a PDF
    assert leader.console_errors == [] and staff.console_errors == []
