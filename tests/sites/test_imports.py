"""Importing sites: the template's example imports as it stands, region paths tell twins apart, scope holds,
no file makes the server fail, and stored uploads do not pile up."""

import io
import os
import time
import zipfile

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from accounts.choices import DataScope, Domain, RegionKind
from accounts.roles import Role
from accounts.validators import INVALID_PHONE
from core import previews, tasks
from sites import exports, imports, services
from sites.models import Site
from tests.factories import PartyOrganizationFactory, RegionFactory, SiteFactory, UserFactory

COLUMNS = [label for label, _width in exports.IMPORT_COLUMNS]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def district_staff(city):
    return UserFactory(username="t-district-staff", scope=DataScope.REGION, region=city.district_a, roles=[Role.STAFF])


def workbook_bytes(rows, header=COLUMNS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(label, "") for label in header] if isinstance(row, dict) else row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes, name="示范点.xlsx"):
    return client.post("/sites/import/", {"file": SimpleUploadedFile(name, content)})


def stored():
    return list((django_settings.MEDIA_ROOT / "imports" / "sites").glob("*.xlsx"))


def row(organization, where="", **extra):
    return {
        "示范点名称": f"{organization}示范点",
        "党组织": organization,
        "所在区划": where,
        "领域": "农村（村）",
        "推荐年度": 2026,
        **extra,
    }


# --- the template -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "district_staff"])
def test_the_templates_example_row_imports_as_it_stands(client, cast, city, district_staff, who):
    user = district_staff if who == "district_staff" else cast.staff
    SiteFactory(organization=city.org_city, nomination_year=2026)  # taken this year: not the example
    client.force_login(user)
    template = client.get("/sites/import/template.xlsx").content
    example = [cell.value for cell in load_workbook(io.BytesIO(template))["示范点"][2]]
    response = upload(client, template)
    preview = response.context["preview"]
    assert preview.errors == [] and len(preview.rows) == 1
    assert client.post("/sites/import/", {"token": preview.token}).status_code == 302
    site = Site.objects.get(name=example[0])
    assert site.organization.name == example[1] and site.region.label == example[2]
    assert site.region.is_within(city.district_a) or who == "staff"
    assert stored() == []  # the upload is deleted once imported


def test_without_a_free_organization_the_template_says_so(client, city, district_staff):
    for organization in (city.org_a, city.org_a_town):
        SiteFactory(organization=organization, nomination_year=2026)
    client.force_login(district_staff)
    workbook = load_workbook(io.BytesIO(client.get("/sites/import/template.xlsx").content))
    assert workbook["示范点"].max_row == 1  # the header only
    assert "都已推荐，所以模板中没有示例行" in workbook["填写说明"]["A1"].value


def test_the_template_offers_drop_down_lists(client, cast, city):
    client.force_login(cast.staff)
    workbook = load_workbook(io.BytesIO(client.get("/sites/import/template.xlsx").content))
    rules = {str(rule.sqref).split(":")[0][0]: rule for rule in workbook["示范点"].data_validations.dataValidation}
    assert set(rules) == {"D", "E", "G"}  # 领域, 级别, 状态
    options = workbook["选项"]
    assert options.sheet_state == "hidden"
    assert [c.value for c in options["A"]][1:] == [str(label) for label in Domain.labels]


def test_only_those_who_import_download_the_template(client, cast):
    for role, status in (("staff", 200), ("district", 403), ("viewer", 403), ("leader", 403)):
        client.force_login(getattr(cast, role))
        assert client.get("/sites/import/template.xlsx").status_code == status


# --- regions and organizations ------------------------------------------------------------------------------


@pytest.fixture
def twins(city):
    """Three 杨柳村 villages, each with its 杨柳村党支部: two in district A (甲镇, 丙镇), one in district B."""
    town_c = RegionFactory(name="丙镇", kind=RegionKind.TOWN, parent=city.district_a)
    villages = {
        "甲": RegionFactory(name="杨柳村", kind=RegionKind.VILLAGE, parent=city.town_a),
        "丙": RegionFactory(name="杨柳村", kind=RegionKind.VILLAGE, parent=town_c),
        "乙": RegionFactory(name="杨柳村", kind=RegionKind.VILLAGE, parent=city.town_b),
    }
    return {key: PartyOrganizationFactory(name="杨柳村党支部", region=village) for key, village in villages.items()}


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("甲区 · 甲镇 · 杨柳村", "甲"),  # as shown everywhere
        ("甲区/丙镇/杨柳村", "丙"),
        ("乙县-乙镇-杨柳村", "乙"),
        ("甲区／丙镇／杨柳村", "丙"),  # full-width
        ("甲区－甲镇－杨柳村", "甲"),
        ("测试市 · 乙县 · 乙镇 · 杨柳村", "乙"),  # with the city in front
        ("丙镇 · 杨柳村", "丙"),  # the end of a path is enough when it is unique
        ("丙镇", "丙"),  # so is an upper region with one such branch under it
    ],
)
def test_the_region_path_tells_same_named_organizations_apart(client, cast, twins, where, expected):
    client.force_login(cast.staff)
    preview = upload(client, workbook_bytes([row("杨柳村党支部", where)])).context["preview"]
    assert preview.errors == []
    assert preview.rows[0].organization == twins[expected]


def test_an_ambiguous_region_or_organization_says_which_regions_match(client, cast, twins):
    client.force_login(cast.staff)
    html = upload(client, workbook_bytes([row("杨柳村党支部", "杨柳村"), row("杨柳村党支部")])).content.decode()
    places = "乙县 · 乙镇 · 杨柳村；甲区 · 丙镇 · 杨柳村；甲区 · 甲镇 · 杨柳村"
    assert f"第 2 行：「所在区划」“杨柳村”对应多个区划：{places}；请填写完整的区划路径" in html
    assert f"第 3 行：「党组织」“杨柳村党支部”有重名：{places}；请在“所在区划”填写其区划路径" in html
    html = upload(client, workbook_bytes([row("杨柳村党支部", "甲区 · 丁镇 · 杨柳村")])).content.decode()
    assert "「所在区划」系统中没有“甲区 · 丁镇 · 杨柳村”" in html


def test_a_district_imports_only_its_own_organizations(client, city, twins, district_staff):
    client.force_login(district_staff)
    rows = [row("杨柳村党支部", "乙县 · 乙镇 · 杨柳村"), row("乙镇企业党支部", 领域="“两新”组织")]
    html = upload(client, workbook_bytes(rows)).content.decode()
    assert "第 2 行：「党组织」“杨柳村党支部”（乙县 · 乙镇 · 杨柳村）不在您的数据范围内，不能导入" in html
    assert "第 3 行：「党组织」“乙镇企业党支部”（乙县 · 乙镇）不在您的数据范围内，不能导入" in html
    assert "确认导入" not in html and not Site.objects.exists()
    # Without a path, the same name means the ones they may see: two in district A, still to be told apart.
    html = upload(client, workbook_bytes([row("杨柳村党支部")])).content.decode()
    assert "有重名：甲区 · 丙镇 · 杨柳村；甲区 · 甲镇 · 杨柳村；" in html


def test_the_service_refuses_rows_outside_the_importers_scope(city, district_staff):
    rows = [
        imports.ImportRow(
            2,
            {
                "示范点名称": "乙镇示范点",
                "_organization": city.org_b,
                "_domain": city.org_b.domain,
                "_level": "city",
                "_state": "nominated",
                "_year": 2026,
            },
        )
    ]
    with pytest.raises(ValidationError, match="第 2 行：「党组织」“乙镇企业党支部（乙县 · 乙镇）”不在您的数据范围内"):
        services.sites_import(rows=rows, by=district_staff)
    assert not Site.objects.exists()


# --- one phone rule -------------------------------------------------------------------------------------------


def test_imports_check_every_phone_column_with_the_forms_rule_and_message(client, cast, city):
    assert set(exports.PHONE_COLUMNS) == {label for label in COLUMNS if "电话" in label}
    client.force_login(cast.staff)
    rows = [
        row("甲村党支部", 书记电话="12345", 联系电话="call me"),
        row("甲镇党委", 书记电话=13912345678, 联系电话=13812345678.0),  # typed as numbers in Excel
    ]
    preview = upload(client, workbook_bytes(rows)).context["preview"]
    assert preview.errors == [
        f"第 2 行：「书记电话」{INVALID_PHONE % {'value': '12345'}}",
        f"第 2 行：「联系电话」{INVALID_PHONE % {'value': 'call me'}}",
    ]
    assert "请填写 11 位手机号" in preview.errors[0]
    assert (preview.rows[1].values["书记电话"], preview.rows[1].values["联系电话"]) == ("13912345678", "13812345678")


def test_forms_show_the_phone_rules_chinese_message(client, cast, city):
    site = SiteFactory(organization=city.org_a)
    client.force_login(cast.staff)
    data = {"name": site.name, "organization": site.organization_id, "level": "city", "nomination_year": 2026}
    html = client.post(f"/sites/{site.pk}/edit/", {**data, "contact_phone": "12345"}).content.decode()
    assert str(INVALID_PHONE % {"value": "12345"}) in html
    formset = {
        "group-TOTAL_FORMS": 1,
        "group-INITIAL_FORMS": 0,
        "group-0-role": "member",
        "group-0-name": "王伟",
        "group-0-phone": "110",
        "group-0-order": 1,
    }
    html = client.post(f"/sites/{site.pk}/people/group/", formset).content.decode()
    assert str(INVALID_PHONE % {"value": "110"}) in html


# --- files that must not break the server -------------------------------------------------------------------


def _with_sheet_xml(change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(workbook_bytes([row("甲村党支部")] * 60)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            archive.writestr(info, change(data) if info.filename == "xl/worksheets/sheet1.xml" else data)
    return out.getvalue()


def test_unreadable_files_get_a_chinese_message_never_a_server_error(client, cast, city, monkeypatch):
    client.force_login(cast.staff)
    doctype = _with_sheet_xml(lambda xml: b'<!DOCTYPE x [<!ENTITY a "b">]>' + xml)
    # Broken far down the sheet: openpyxl opens it, then fails while reading rows lazily (read-only mode).
    broken = _with_sheet_xml(lambda xml: xml.replace(b'<row r="50"', b'<row r="50"><c><<<', 1))
    cases = {
        b"not a workbook at all": "文件无法读取",
        doctype: "不允许的 XML 声明（DOCTYPE 或实体）",
        broken: "文件无法读取",
        workbook_bytes([["甲"]], header=["随便"]): "表头缺少列",
    }
    for content, message in cases.items():
        response = upload(client, content)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert "确认导入" not in response.content.decode()
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    html = upload(client, workbook_bytes([row("甲村党支部")] * 5)).content.decode()
    assert "超过 3 行，请分批导入" in html
    assert stored() == [] and not Site.objects.exists()


def test_the_lazy_failure_happens_while_reading_rows(city, media):
    from openpyxl import load_workbook as open_workbook

    broken = _with_sheet_xml(lambda xml: xml.replace(b'<row r="50"', b'<row r="50"><c><<<', 1))
    workbook = open_workbook(io.BytesIO(broken), read_only=True)  # opens fine…
    with pytest.raises(Exception):  # noqa: B017 - …and fails only while iterating
        list(workbook.worksheets[0].iter_rows(values_only=True))


# --- stored uploads ------------------------------------------------------------------------------------------


def test_uploads_are_kept_only_while_they_can_be_confirmed(client, cast, city):
    client.force_login(cast.staff)
    upload(client, workbook_bytes([row("不存在的支部")]))
    assert stored() == []  # errors: nothing to confirm, nothing kept
    token = upload(client, workbook_bytes([row("甲村党支部")])).context["preview"].token
    assert len(stored()) == 1
    client.force_login(cast.admin)  # a token is its uploader's only
    assert "导入已过期" in client.post("/sites/import/", {"token": token}, follow=True).content.decode()
    assert len(stored()) == 1 and not Site.objects.exists()
    client.force_login(cast.staff)
    client.post("/sites/import/", {"token": token})
    assert stored() == [] and Site.objects.count() == 1


def test_the_hourly_job_removes_expired_previews(client, cast, city):
    client.force_login(cast.staff)
    for name in ("甲村党支部", "甲镇党委"):
        upload(client, workbook_bytes([row(name)]))
    old, fresh = sorted(stored())
    hours_ago = time.time() - previews.TOKEN_MAX_AGE - 60
    os.utime(old, (hours_ago, hours_ago))
    assert tasks.purge_import_previews.delay().get() == 1
    assert stored() == [fresh]
    schedule = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "core.tasks.purge_import_previews" in schedule
