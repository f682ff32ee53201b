"""Ledgers: built through the real task path, every current file in its category folder, an index that
lists them, one job per scope at a time, expiry after 7 days, downloads only for those who see the site."""

import re
import shutil
import subprocess
import zipfile
from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts.choices import RegionKind
from archives import ledgers, services
from archives.models import Ledger, Material, MaterialVersion
from archives.selectors import mark_ledger_changes
from tests.archives import samples
from tests.archives.conftest import upload
from tests.factories import PartyOrganizationFactory, RegionFactory, SiteFactory


def _materials(site, cast, standard):
    items = {item.code: item for item in standard.items.all()}
    plan = services.material_upload(
        site=site,
        by=cast.leader,
        category="creation_plan",
        year=2026,
        files=[upload("创建方案.pdf", samples.pdf_bytes())],
        items=[items["SY-01"]],
    ).materials[0]
    services.material_replace(material=plan, upload=upload("创建方案v2.docx", samples.office_bytes()), by=cast.leader)
    services.material_review(material=plan, by=cast.staff, accept=True)
    services.material_upload(
        site=site, by=cast.leader, category="structure", year=2026, files=[upload("制度汇编.pdf", samples.pdf_bytes())]
    )
    gone = services.material_upload(
        site=site, by=cast.leader, category="other", year=2026, files=[upload("作废.pdf", samples.pdf_bytes())]
    ).materials[0]
    services.material_delete(material=gone, by=cast.leader)


def test_ledger_contains_every_current_file_and_an_index(site, cast, standard, django_capture_on_commit_callbacks):
    _materials(site, cast, standard)
    with django_capture_on_commit_callbacks(execute=True):  # the job runs (eagerly) once the request commits
        ledger = services.ledger_request(site=site, by=cast.leader)
    ledger.refresh_from_db()
    assert ledger.status == Ledger.Status.DONE and ledger.total_files == 2 and ledger.percent == 100
    assert ledger.expires_at - ledger.finished_at == timedelta(days=7)
    with ledger.file.open("rb") as handle, zipfile.ZipFile(BytesIO(handle.read())) as archive:
        names = sorted(archive.namelist())
        assert names == sorted(
            [
                "创建工作方案/SY-01_创建方案_v2.docx",
                "党组织架构与制度/STRUCTURE_制度汇编_v1.pdf",
                ledgers.INDEX_NAME,
                ledgers.INDEX_PDF_NAME,
            ]
        )
        assert archive.read("党组织架构与制度/STRUCTURE_制度汇编_v1.pdf") == samples.pdf_bytes()
        index = load_workbook(BytesIO(archive.read(ledgers.INDEX_NAME)))
    rows = index_rows(index)
    assert list(rows[0]) == ledgers.INDEX_COLUMNS
    listed = {row["文件"]: row for row in rows}
    assert set(listed) == set(names) - {ledgers.INDEX_NAME, ledgers.INDEX_PDF_NAME}
    plan_row = listed["创建工作方案/SY-01_创建方案_v2.docx"]
    assert plan_row["佐证的评分项"] == "SY-01" and plan_row["版本"] == 2 and plan_row["审核状态"] == "已通过"
    assert plan_row["原文件名"] == "创建方案v2.docx"
    assert plan_row["示范点"] == site.name and plan_row["示范点编号"] == site.code
    assert plan_row["所在区划"] == "甲区 · 甲镇 · 甲村" and plan_row["党组织"] == site.organization.name


def index_rows(workbook) -> list[dict]:
    """The index's rows as {column label: value}."""
    header, *rows = list(workbook.active.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


def _build(ledger) -> dict:
    """Build `ledger` in-process; return the ZIP's entries {name: bytes}."""
    ledgers.build(ledger.pk)
    ledger.refresh_from_db()
    assert ledger.status == Ledger.Status.DONE, ledger.error
    with ledger.file.open("rb") as handle, zipfile.ZipFile(BytesIO(handle.read())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _upload(site, cast, title, name="材料.pdf", category="creation_plan", content=None):
    return services.material_upload(
        site=site,
        by=cast.staff,
        category=category,
        year=2026,
        title=title,
        files=[upload(name, content or samples.pdf_bytes())],
    ).materials[0]


def test_a_regional_ledger_has_a_folder_per_site_by_name_and_code_under_its_region(city, cast):
    """Three same-named sites are three folders; each site sits under its region's path."""
    town = RegionFactory(name="石门镇", kind=RegionKind.TOWN, parent=city.district_a)
    villages = [RegionFactory(name="杨柳村", kind=RegionKind.VILLAGE, parent=parent) for parent in (town, city.town_a)]
    twins = [
        SiteFactory(name="杨柳村党建示范点", organization=PartyOrganizationFactory(region=region))
        for region in (villages[0], villages[1], villages[1])
    ]
    for number, site in enumerate(twins, start=1):
        _upload(site, cast, "创建方案")
        _upload(site, cast, f"活动照片{number}", "照片.jpg", "activity_photos", samples.image_bytes())
    entries = _build(Ledger.objects.create(region=city.district_a, requested_by=cast.staff))
    first, second, third = (f"{site.name}_{site.code}" for site in twins)
    assert f"甲区/石门镇/杨柳村/{first}/创建工作方案/CREATION_PLAN_创建方案_v1.pdf" in entries
    assert f"甲区/甲镇/杨柳村/{second}/创建工作方案/CREATION_PLAN_创建方案_v1.pdf" in entries
    assert f"甲区/甲镇/杨柳村/{third}/创建工作方案/CREATION_PLAN_创建方案_v1.pdf" in entries
    assert f"甲区/甲镇/杨柳村/{third}/党员活动照片/ACTIVITY_PHOTOS_活动照片3_v1.jpg" in entries
    assert len(entries) == 6 + 2
    rows = index_rows(load_workbook(BytesIO(entries[ledgers.INDEX_NAME])))
    by_code = {}
    for row in rows:
        by_code.setdefault(row["示范点编号"], []).append(row)
    assert set(by_code) == {site.code for site in twins}
    for site in twins:
        for row in by_code[site.code]:
            assert row["示范点"] == "杨柳村党建示范点" and row["党组织"] == site.organization.name
            assert row["所在区划"] == site.region.label and row["文件"].startswith(
                site.region.label.replace(" · ", "/")
            )


HOSTILE = [
    "../../../etc/passwd",
    "..",
    ".",
    "/",
    "\\..\\..\\windows",
    " . . ",
    "CON",
    "a\u202egpj.exe",
    "名" * 200,
    "",
]  # 200: the title field's limit


def test_entry_names_never_leave_the_ledger_folder_whatever_things_are_called(city, cast, tmp_path):
    parent = city.district_a
    for index, name in enumerate(["..", "/etc", " . "]):
        parent = RegionFactory(
            name=name or f"x{index}", kind=[RegionKind.TOWN, RegionKind.VILLAGE][min(index, 1)], parent=parent
        )
    site = SiteFactory(name="../../evil", organization=PartyOrganizationFactory(region=parent))
    for title in HOSTILE:
        material = _upload(site, cast, title or "占位")
        Material.objects.filter(pk=material.pk).update(title=title)  # as if typed anyhow, even empty
    odd = _upload(site, cast, "类别")
    Material.objects.filter(pk=odd.pk).update(category="../../..")  # not one of the choices, shown as is
    entries = _build(Ledger.objects.create(requested_by=cast.staff))
    assert len(entries) == len(HOSTILE) + 1 + 2
    for name in entries:
        assert not name.startswith(("/", "\\")) and "\\" not in name and ":" not in name
        for segment in name.split("/"):
            assert segment.strip(" .") and segment not in (".", "..")
            assert len(segment) <= 100  # a title's 60 characters, an item code's 20, the version and extension
            assert segment.upper().split(".")[0] not in ("CON", "PRN", "AUX", "NUL")
            assert "\u202e" not in segment
        assert (tmp_path / name).resolve().is_relative_to(tmp_path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("..", "未命名"),
        ("../a", "_a"),
        ("a/b\\c", "a_b_c"),
        (" .x. ", "x"),
        ("nul.txt", "_nul.txt"),
        ("甲\t乙", "甲 乙"),
    ],
)
def test_safe_segment(text, expected):
    assert ledgers.safe_segment(text) == expected


def test_every_ledger_has_a_pdf_index_with_the_same_rows(site, cast, monkeypatch):
    titles = ["创建工作方案（2026年）", '=HYPERLINK("x")', "党员活动" * 30]
    for title in titles:
        _upload(site, cast, title)
    seen = []
    real_table = ledgers.pdf.table

    def spy(document, columns, rows):
        rows = list(rows)
        seen.append((columns, rows))
        return real_table(document, columns, rows)

    monkeypatch.setattr(ledgers.pdf, "table", spy)
    entries = _build(Ledger.objects.create(site=site, requested_by=cast.leader))
    [(columns, rows)] = seen
    labels = [label for label, _width in columns]
    assert labels[:2] == ["序号", "类别"] and "示范点" not in labels  # a site's own ledger names it in the title
    workbook = index_rows(load_workbook(BytesIO(entries[ledgers.INDEX_NAME])))
    assert [row[labels.index("文件")] for row in rows] == [row["文件"] for row in workbook]
    assert sorted(row[labels.index("标题")] for row in rows) == sorted(titles)
    data = entries[ledgers.INDEX_PDF_NAME]
    assert_readable_pdf(data, titles)


def assert_readable_pdf(data: bytes, titles, pages=1):
    """A PDF with the Chinese font embedded as a subset; its text checked by poppler when it is installed."""
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert re.search(rb"/BaseFont /[A-Z]{6}\+NotoSansSC", data)  # embedded, as a subset (the ABCDEF+ prefix)
    assert b"/FontFile2" in data and b"/ToUnicode" in data  # glyphs embedded, text extractable
    assert len(re.findall(rb"/Type /Page\b(?!s)", data)) == pages
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
        flat = re.sub(r"\s+", "", text)
        for title in titles:
            assert re.sub(r"\s+", "", title) in flat
        assert f"第1/{pages}页" in flat


def test_a_regional_pdf_index_lists_sites_and_is_titled_with_the_scope(city, cast, monkeypatch):
    site = SiteFactory(name="杨柳村党建示范点", organization=city.org_a)
    _upload(site, cast, "创建方案")
    headings, tables = [], []
    monkeypatch.setattr(ledgers.pdf, "heading", lambda document, text, **kwargs: headings.append((text, kwargs)))
    monkeypatch.setattr(ledgers.pdf, "table", lambda document, columns, rows: tables.append((columns, list(rows))))
    _build(Ledger.objects.create(region=city.district_a, requested_by=cast.staff))
    [(title, options)] = headings
    assert title == "甲区台账索引" and "1 个示范点，共 1 个文件" in options["subtitle"]
    [(columns, [row])] = tables
    cells = dict(zip([label for label, _width in columns], row, strict=True))
    assert (
        cells["示范点"] == "杨柳村党建示范点"
        and cells["编号"] == site.code
        and cells["所在区划"] == "甲区 · 甲镇 · 甲村"
    )
    assert cells["文件"] == "创建工作方案/CREATION_PLAN_创建方案_v1.pdf"  # inside the folder the columns name
    assert re.fullmatch(r"\d{4}-\d\d-\d\d\n\d\d:\d\d", cells["上传时间"])


def test_a_second_click_while_running_does_not_start_a_second_job(site, cast):
    first = services.ledger_request(site=site, by=cast.leader)  # not committed: the job has not run
    second = services.ledger_request(site=site, by=cast.staff)
    assert first.pk == second.pk and Ledger.objects.count() == 1


def test_ledgers_expire_after_seven_days(site, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ledger = services.ledger_request(site=site, by=cast.leader)
    ledger.refresh_from_db()
    path = ledger.file.path
    assert ledgers.expire(now=timezone.now() + timedelta(days=6)) == 0
    assert ledgers.expire(now=timezone.now() + timedelta(days=8)) == 1
    import os

    assert not Ledger.objects.exists() and not os.path.exists(path)


def test_ledger_pages(client, cast, site, other_site, django_capture_on_commit_callbacks):
    client.force_login(cast.leader)
    with django_capture_on_commit_callbacks(execute=True):
        fragment = client.post(f"/archives/sites/{site.pk}/ledger/", HTTP_HX_REQUEST="true").content.decode()
    assert "正在生成" in fragment or "下载台账" in fragment
    ledger = Ledger.objects.get()
    assert "下载台账" in client.get(f"/archives/ledgers/{ledger.pk}/").content.decode()
    response = client.get(f"/archives/ledgers/{ledger.pk}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    client.force_login(cast.outsider)
    assert client.get(f"/archives/ledgers/{ledger.pk}/download/").status_code == 404
    client.force_login(cast.scorer)  # no archive role at all: refused before any lookup
    assert client.get(f"/archives/ledgers/{ledger.pk}/").status_code == 403
    assert client.get(f"/archives/ledgers/{ledger.pk}/download/").status_code == 404


def _finished_ledger(cast, **scope):
    """A finished ledger requested a minute ago."""
    ledger = Ledger.objects.create(requested_by=cast.staff, **scope)
    ledgers.build(ledger.pk)
    Ledger.objects.filter(pk=ledger.pk).update(requested_at=timezone.now() - timedelta(minutes=1))
    return Ledger.objects.select_related("region").get(pk=ledger.pk)


def _backdate_materials():
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Material.objects.update(created_at=an_hour_ago, updated_at=an_hour_ago)
    MaterialVersion.objects.update(uploaded_at=an_hour_ago)


def _changes(ledger) -> int:
    return mark_ledger_changes([Ledger.objects.select_related("region").get(pk=ledger.pk)])[0].changed_materials


def test_materials_changed_after_the_last_ledger_are_counted(site, other_site, cast):
    plan, photos, minutes = (_upload(site, cast, title) for title in ("方案", "照片", "会议记录"))
    _upload(other_site, cast, "别处的材料")
    Material.objects.update(
        created_at=timezone.now() - timedelta(hours=1), updated_at=timezone.now() - timedelta(hours=1)
    )
    MaterialVersion.objects.update(uploaded_at=timezone.now() - timedelta(hours=1))
    ledger = _finished_ledger(cast, site=site)
    assert _changes(ledger) == 0
    services.material_review(material=plan, by=cast.staff, accept=True)  # reviewed
    assert _changes(ledger) == 1
    services.material_replace(material=photos, upload=upload("照片2.pdf", samples.pdf_bytes()), by=cast.leader)
    services.material_delete(material=minutes, by=cast.leader)  # deleted: the ledger still holds it
    _upload(site, cast, "新材料")  # created
    _upload(other_site, cast, "别处的新材料")  # another site's: not this ledger's business
    assert _changes(ledger) == 4


def test_restoring_an_old_version_counts_as_a_change(site, cast):
    plan = _upload(site, cast, "方案")
    services.material_replace(material=plan, upload=upload("方案2.pdf", samples.pdf_bytes()), by=cast.leader)
    _backdate_materials()
    ledger = _finished_ledger(cast, site=site)
    services.version_restore(version=plan.versions.get(number=1), by=cast.leader)
    Material.objects.update(updated_at=timezone.now() - timedelta(hours=1))  # only the new version tells
    assert _changes(ledger) == 1


def test_changes_of_many_ledgers_take_one_query(city, cast, site, other_site, django_assert_num_queries):
    _upload(site, cast, "方案")
    _backdate_materials()
    scoped = [
        _finished_ledger(cast, site=site),
        _finished_ledger(cast, region=city.district_a),
        _finished_ledger(cast, region=city.district_b),
        _finished_ledger(cast),
    ]
    _upload(site, cast, "新方案")
    _upload(other_site, cast, "乙镇的新方案")
    older = _finished_ledger(cast, region=city.district_a)  # listed after (older than) the newer one
    Ledger.objects.filter(pk=older.pk).update(requested_at=timezone.now() - timedelta(days=1))
    older.refresh_from_db()
    with django_assert_num_queries(1):
        marked = mark_ledger_changes([*scoped, older])
    assert [ledger.changed_materials for ledger in marked] == [1, 1, 1, 2, 0]


def test_the_site_panel_tells_when_materials_changed_since_the_ledger(client, cast, site):
    _finished_ledger(cast, site=site)
    client.force_login(cast.leader)
    assert "建议重新生成" not in client.get(f"/archives/sites/{site.pk}/").content.decode()
    _upload(site, cast, "新方案")
    _upload(site, cast, "新照片")
    html = client.get(f"/archives/sites/{site.pk}/").content.decode()
    assert "有 2 份材料在上次生成台账后有变动，建议重新生成" in html


def test_the_regional_list_tells_it_for_the_newest_ledger_of_each_region(client, cast, city, site):
    _finished_ledger(cast, region=city.district_a)
    _upload(site, cast, "新方案")
    client.force_login(cast.staff)
    html = client.get("/archives/ledgers/").content.decode()
    assert html.count("建议重新生成") == 1 and "有 1 份材料在上次生成台账后有变动" in html


def test_a_video_link_is_listed_in_the_index(site, cast, django_capture_on_commit_callbacks):
    services.material_add_link(
        site=site, by=cast.leader, link="https://video.example.cn/v/123", title="汇报片", year=2026
    )
    with django_capture_on_commit_callbacks(execute=True):
        ledger = services.ledger_request(site=site, by=cast.leader)
    ledger.refresh_from_db()
    with ledger.file.open("rb") as handle, zipfile.ZipFile(BytesIO(handle.read())) as archive:
        index = load_workbook(BytesIO(archive.read(ledgers.INDEX_NAME)))
    cells = [cell for row in index.active.iter_rows(values_only=True) for cell in row]
    assert "汇报片" in cells and "视频链接：https://video.example.cn/v/123" in cells
    assert ledger.total_files == 1
