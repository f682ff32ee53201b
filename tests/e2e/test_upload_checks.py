"""Uploads that respect a village connection: a file the server would refuse never leaves the browser, the
reason stays on screen until dismissed, and pressing 上传 with nothing chosen says what is missing."""

import pytest
from playwright.sync_api import expect

from archives import services
from archives.models import Material
from archives.validation import MB
from sites.models import Site
from tests.archives import samples
from tests.archives.conftest import upload
from tests.e2e.conftest import login


@pytest.fixture
def files(tmp_path):
    big = tmp_path / "创建工作方案（扫描件）.pdf"
    with big.open("wb") as handle:  # 52 MB, sparse: quick to make, and over the 50 MB limit for PDF
        handle.write(b"%PDF-1.4\n")
        handle.truncate(52 * MB)
    exe = tmp_path / "setup.exe"
    exe.write_bytes(b"MZ" + bytes(200))
    good = tmp_path / "党组织架构.pdf"
    good.write_bytes(samples.pdf_bytes())
    return {"big": big, "exe": exe, "good": good}


@pytest.fixture
def leader_site(demo_city, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Site.objects.get(group_members__user__username="leader")


def _open(page_factory, live_server, site):
    page = page_factory()
    login(page, live_server.url, "leader")
    posts = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    page.goto(f"{live_server.url}/archives/sites/{site.pk}/")
    return page, posts


def test_a_file_the_server_would_refuse_is_refused_before_any_byte_is_sent(
    live_server, leader_site, page_factory, files, screenshot_dir
):
    page, posts = _open(page_factory, live_server, leader_site)
    upload_button = page.locator("form[data-upload] button[type=submit]")
    refusals = page.locator("[data-upload-list] [data-refusal]")

    upload_button.click()  # nothing chosen
    expect(refusals.filter(has_text="请选择文件或填写视频链接")).to_have_count(1)

    page.set_input_files("input[name=files]", [str(files["big"]), str(files["exe"])])
    upload_button.click()
    expect(refusals.filter(has_text=files["big"].name)).to_contain_text("未上传：PDF 文档不能超过 50 MB")
    expect(refusals.filter(has_text="setup.exe")).to_contain_text("不支持的文件类型")
    expect(refusals.filter(has_text="请选择文件或填写视频链接")).to_have_count(0)  # no longer true
    page.wait_for_timeout(1500)  # time enough for a reload: the reasons are still there
    expect(refusals).to_have_count(2)
    page.screenshot(path=str(screenshot_dir / f"archives-upload-refused-{page.size}.png"), full_page=True)
    assert posts == [] and not Material.objects.exists()

    refusals.filter(has_text="setup.exe").get_by_role("button", name="关闭").click()
    expect(refusals).to_have_count(1)
    assert page.console_errors == []


def test_good_files_go_up_beside_a_refused_one_and_the_refusal_stays(live_server, leader_site, page_factory, files):
    page, posts = _open(page_factory, live_server, leader_site)
    page.set_input_files("input[name=files]", [str(files["good"]), str(files["big"])])
    page.click("form[data-upload] button[type=submit]")
    expect(page.locator("[data-upload-list] .text-success").get_by_text("已上传", exact=True)).to_have_count(1)
    expect(page.get_by_role("button", name="刷新页面，查看已上传的材料")).to_be_visible()
    page.wait_for_timeout(1500)
    expect(page.locator("[data-upload-list] [data-refusal]", has_text=files["big"].name)).to_have_count(1)
    assert len(posts) == 1 and list(Material.objects.values_list("title", flat=True)) == ["党组织架构"]


def test_replacing_a_version_is_checked_too(live_server, leader_site, page_factory, files):
    from accounts.models import User

    material = services.material_upload(
        site=leader_site,
        by=User.objects.get(username="leader"),
        category="other",
        year=2026,
        files=[upload("方案.pdf", samples.pdf_bytes())],
    ).materials[0]
    page, posts = _open(page_factory, live_server, leader_site)
    card = page.locator(f"#material-{material.pk}")
    card.get_by_role("button", name="替换").click()
    expect(card.get_by_role("alert")).to_contain_text("请选择要上传的新版本文件")
    card.locator("input[name=file]").set_input_files(str(files["big"]))
    card.get_by_role("button", name="替换").click()
    expect(card.get_by_role("alert")).to_contain_text("PDF 文档不能超过 50 MB")
    assert posts == [] and material.versions.count() == 1
    card.get_by_role("alert").get_by_role("button", name="关闭").click()
    expect(card.get_by_role("alert")).to_have_count(0)
