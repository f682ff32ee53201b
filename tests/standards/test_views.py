"""Standards pages per role: everyone with access reads, staff and admin edit drafts (inline with htmx)."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from standards import defaults, exports, services
from standards.choices import StandardStatus
from standards.models import Item, Standard
from tests.factories import ItemFactory, SectionFactory, StandardFactory
from tests.utils import queries_for

EDITORS = ["admin", "staff"]
READERS = ["district", "instructor", "leader", "scorer", "teamlead", "viewer", "outsider"]


@pytest.fixture
def published(db):
    return defaults.build_evaluation_standard(2026)


@pytest.fixture
def draft(db):
    standard = StandardFactory(name="草稿标准", total_score=10)
    section = SectionFactory(standard=standard, code="A", title="甲板块", max_score=10)
    ItemFactory(section=section, code="A-01", title="第一项", max_score=6)
    ItemFactory(section=section, code="A-02", title="第二项", max_score=4)
    return standard


@pytest.mark.parametrize("role", EDITORS + READERS)
def test_everyone_with_access_reads_published_standards(client, cast, published, role):
    client.force_login(getattr(cast, role))
    assert client.get("/standards/").status_code == 200
    html = client.get(f"/standards/{published.pk}/").content.decode()
    assert "有过硬的领导班子和骨干队伍" in html
    assert client.get(f"/standards/{published.pk}/export.xlsx").status_code == 200
    assert client.get(f"/standards/{published.pk}/print/").status_code == 200


def test_users_without_a_role_and_anonymous_are_kept_out(client, cast, published):
    client.force_login(cast.nobody)
    assert client.get("/standards/").status_code == 403
    client.logout()
    assert client.get(f"/standards/{published.pk}/").status_code == 302


@pytest.mark.parametrize("role", READERS)
def test_readers_cannot_edit_and_do_not_see_drafts(client, cast, draft, published, role):
    client.force_login(getattr(cast, role))
    assert "草稿标准" not in client.get("/standards/").content.decode()
    assert client.get(f"/standards/{draft.pk}/").status_code == 404
    html = client.get(f"/standards/{published.pk}/").content.decode()
    assert "复制为新版本" not in html and "编辑信息" not in html
    item = published.items.first()
    for url in [
        f"/standards/{published.pk}/edit/",
        "/standards/new/",
        "/standards/import/",
        f"/standards/{published.pk}/items/{item.pk}/",
    ]:
        assert client.get(url).status_code == 403, url
    for url in [
        f"/standards/{published.pk}/copy/",
        f"/standards/{published.pk}/withdraw/",
        f"/standards/{published.pk}/items/{item.pk}/delete/",
    ]:
        assert client.post(url, {"year": 2027}).status_code == 403, url
    assert Standard.objects.count() == 2 and published.items.filter(pk=item.pk).exists()


@pytest.mark.parametrize("role", EDITORS)
def test_editors_see_drafts_and_their_tools(client, cast, draft, role):
    client.force_login(getattr(cast, role))
    assert "草稿标准" in client.get("/standards/").content.decode()
    html = client.get(f"/standards/{draft.pk}/").content.decode()
    assert "发布" in html and "添加板块" in html and "hx-get" in html


def test_copy_to_next_year_from_the_page(client, cast, published):
    client.force_login(cast.staff)
    response = client.post(f"/standards/{published.pk}/copy/", {"year": 2027})
    copy = Standard.objects.get(year=2027)
    assert response.status_code == 302 and response.url == f"/standards/{copy.pk}/"
    assert copy.status == StandardStatus.DRAFT and copy.items.count() == published.items.count()


def test_copy_to_a_taken_year_and_name_is_refused(client, cast, published):
    client.force_login(cast.staff)
    response = client.post(f"/standards/{published.pk}/copy/", {"year": 2026}, follow=True)
    assert "已有名为" in response.content.decode()
    assert Standard.objects.count() == 1


def test_inline_edit_with_htmx(client, cast, draft):
    client.force_login(cast.staff)
    item = draft.items.get(code="A-01")
    url = f"/standards/{draft.pk}/items/{item.pk}/"
    form = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert form.lstrip().startswith(f'<tr id="item-{item.pk}"') and 'name="title"' in form
    data = {
        "section": item.section_id,
        "code": "A-01",
        "title": "改过的第一项",
        "max_score": "6",
        "kind": "points",
        "guide": "新的细则",
        "evidence_categories": ["brand"],
    }
    row = client.post(url, data, HTTP_HX_REQUEST="true").content.decode()
    assert "改过的第一项" in row and "党建品牌材料" in row and 'name="title"' not in row
    item.refresh_from_db()
    assert item.title == "改过的第一项" and item.evidence_categories == ["brand"]


def test_inline_edit_errors_stay_in_the_form(client, cast, draft):
    client.force_login(cast.staff)
    item = draft.items.get(code="A-01")
    data = {"section": item.section_id, "code": "A-02", "title": "", "max_score": "1.3", "kind": "points"}
    html = client.post(f"/standards/{draft.pk}/items/{item.pk}/", data, HTTP_HX_REQUEST="true").content.decode()
    assert "已存在" in html and "这个字段是必填项" in html
    assert Item.objects.get(pk=item.pk).title == "第一项"


def test_inline_edit_cancel_returns_the_row(client, cast, draft):
    client.force_login(cast.staff)
    item = draft.items.get(code="A-01")
    html = client.get(f"/standards/{draft.pk}/items/{item.pk}/?cancel=1", HTTP_HX_REQUEST="true").content.decode()
    assert "第一项" in html and 'name="title"' not in html


def test_edit_page_without_javascript(client, cast, draft):
    client.force_login(cast.staff)
    item = draft.items.get(code="A-01")
    page = client.get(f"/standards/{draft.pk}/items/{item.pk}/").content.decode()
    assert "<html" in page and 'name="title"' in page


def test_editing_a_published_standard_is_refused_with_the_reason(client, cast, published):
    client.force_login(cast.staff)
    item = published.items.get(code="SY-01")
    data = {"section": item.section_id, "code": "SY-01", "title": "改", "max_score": "6", "kind": "points"}
    html = client.post(f"/standards/{published.pk}/items/{item.pk}/", data, HTTP_HX_REQUEST="true").content.decode()
    assert "已发布，不能直接修改" in html
    assert Item.objects.get(pk=item.pk).title == "有过硬的领导班子和骨干队伍"


def test_publish_from_the_page(client, cast, draft):
    client.force_login(cast.staff)
    response = client.post(f"/standards/{draft.pk}/publish/", follow=True)
    assert "已发布" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == StandardStatus.PUBLISHED


def test_publish_problems_are_shown_and_block(client, cast, draft):
    draft.items.filter(code="A-02").delete()
    client.force_login(cast.staff)
    html = client.get(f"/standards/{draft.pk}/").content.decode()
    assert "发布前还需处理" in html and "各项分值合计 6 分" in html
    client.post(f"/standards/{draft.pk}/publish/")
    draft.refresh_from_db()
    assert draft.status == StandardStatus.DRAFT


def test_create_section_and_item_pages(client, cast, draft):
    client.force_login(cast.staff)
    response = client.post(
        f"/standards/{draft.pk}/sections/new/", {"code": "b", "title": "乙板块", "kind": "other", "max_score": "5"}
    )
    assert response.status_code == 302
    section = draft.sections.get(code="B")
    response = client.post(
        f"/standards/{draft.pk}/sections/{section.pk}/items/new/",
        {"section": section.pk, "code": "b-01", "title": "新项", "max_score": "5", "kind": "points"},
    )
    assert response.status_code == 302 and draft.items.filter(code="B-01", section=section).exists()


def test_domain_filter_shows_applicable_total(client, cast, published):
    client.force_login(cast.viewer)
    html = client.get(f"/standards/{published.pk}/", {"domain": "rural"}).content.decode()
    assert "该领域适用总分 100 分" in html
    assert "RURAL-01" in html and "SCHOOL-01" not in html


def test_export_downloads_a_valid_workbook(client, cast, published):
    client.force_login(cast.scorer)
    response = client.get(f"/standards/{published.pk}/export.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    workbook = load_workbook(BytesIO(response.content))
    assert workbook[exports.ITEM_SHEET].max_row == published.items.count() + 1


def test_import_page_round_trip_and_errors(client, cast, published):
    client.force_login(cast.staff)
    content = exports.standard_workbook(published)
    upload = SimpleUploadedFile("标准.xlsx", content)
    response = client.post("/standards/import/", {"file": upload, "year": 2028})
    imported = Standard.objects.get(year=2028)
    assert response.status_code == 302 and imported.items.count() == published.items.count()
    bad = SimpleUploadedFile("坏.xlsx", b"not a workbook")
    html = client.post("/standards/import/", {"file": bad, "year": 2029}).content.decode()
    assert "未导入任何内容" in html and "无法读取" in html
    assert not Standard.objects.filter(year=2029).exists()


def test_print_view_is_a4_with_empty_score_columns(client, cast, published):
    client.force_login(cast.scorer)
    html = client.get(f"/standards/{published.pk}/print/", {"domain": "school"}).content.decode()
    assert "现场核查评分表" in html and "学校" in html and "满分 100 分" in html
    assert "得分" in html and "备注" in html and "SCHOOL-01" in html and "RURAL-01" not in html
    assert "css/print.css" in html


def test_printing_every_section_states_each_domains_total_never_their_sum(client, cast, published):
    client.force_login(cast.scorer)
    html = client.get(f"/standards/{published.pk}/print/").content.decode()
    assert "各领域满分均为 100 分：通用板块 93 分 + 本领域板块 7 分" in html
    assert "满分 163" not in html  # every section summed: a total no site can score
    published.sections.filter(code="RURAL").update(max_score=10)
    html = client.get(f"/standards/{published.pk}/print/").content.decode()
    assert "各领域满分均为" not in html
    assert "农村（村） 103 分、城市社区 100 分" in html


def test_printing_one_domain_states_its_own_total(client, cast, published):
    published.sections.filter(code="SCHOOL").update(max_score=9)
    client.force_login(cast.scorer)
    html = client.get(f"/standards/{published.pk}/print/", {"domain": "school"}).content.decode()
    assert "满分 102 分" in html and "各领域满分" not in html


def test_deleting_a_draft_asks_first_and_keeps_published(client, cast, draft, published):
    client.force_login(cast.staff)
    assert "data-confirm" in client.get(f"/standards/{draft.pk}/").content.decode()
    client.post(f"/standards/{published.pk}/delete/")
    assert Standard.objects.filter(pk=published.pk).exists()
    client.post(f"/standards/{draft.pk}/delete/")
    assert not Standard.objects.filter(pk=draft.pk).exists()


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_list_and_detail_query_counts_are_constant_as_items_grow(client, cast, published, role):
    client.force_login(getattr(cast, role))
    detail = f"/standards/{published.pk}/"
    list_before, detail_before = queries_for(client, "/standards/"), queries_for(client, detail)
    section = published.sections.get(code="SY")
    ItemFactory.create_batch(50, section=section, max_score=0)
    StandardFactory.create_batch(5, status=StandardStatus.PUBLISHED)
    assert queries_for(client, "/standards/") == list_before
    assert queries_for(client, detail) == detail_before


def test_admin_shows_frozen_standards_read_only(client, cast, published):
    services.standard_freeze(standard=published, by=cast.staff, reason="轮次")
    client.force_login(cast.admin)
    item = published.items.first()
    response = client.post(f"/admin/standards/item/{item.pk}/change/", {"title": "改"})
    assert response.status_code == 403
    page = client.get(f"/admin/standards/item/{item.pk}/change/").content.decode()
    assert "只读" in page
    assert client.post(f"/admin/standards/item/{item.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Item.objects.get(pk=item.pk).title == item.title
