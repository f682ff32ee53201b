"""Importing users from Excel: a template whose example imports as it stands, a preview with every problem by
row and column, all or nothing, one-time passwords shown once and downloadable, and no file that errors."""

import os
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from accounts import imports
from accounts.choices import DataScope, RegionKind
from accounts.imports import COLUMNS
from accounts.models import User
from accounts.roles import Role
from core.models import AuditEntry
from tests.factories import PartyOrganizationFactory, RegionFactory, UserFactory

URL = "/accounts/users/import/"
TEMPLATE = "/accounts/users/import/template.xlsx"
HEADER = [label for label, _width in COLUMNS]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def regional_staff(city):
    return UserFactory(username="t-staff-a", scope=DataScope.REGION, region=city.district_a, roles=[Role.STAFF])


def workbook_bytes(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name="用户.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def row(username, full_name="某人", phone="", role="示范点负责人", scope="", region="", org="", org_region=""):
    return [username, full_name, phone, "", "", role, scope, region, org, org_region]


def preview_errors(client, content: bytes) -> list[str]:
    response = client.post(URL, {"file": upload(content)})
    assert response.status_code == 200
    return response.context["preview"].errors


NON_MANAGERS = ["district", "instructor", "leader", "scorer", "teamlead", "viewer", "outsider", "nobody"]
PATHS = [
    "甲区 · 甲镇 · 甲村",
    "甲区/甲镇/甲村",
    "甲区-甲镇-甲村",
    "甲区·甲镇·甲村",
    "测试市 / 甲区 / 甲镇 / 甲村",
    "甲村",
]


@pytest.mark.parametrize("role", NON_MANAGERS)
def test_only_managers_import(client, cast, role):
    client.force_login(getattr(cast, role))
    assert client.get(URL).status_code == 403
    assert client.get(TEMPLATE).status_code == 403
    assert client.post("/accounts/users/import/passwords.xlsx", {"data": "x"}).status_code == 403


@pytest.mark.parametrize("who", ["admin", "staff", "regional"])
def test_the_template_imports_as_it_stands(client, cast, city, regional_staff, media, who):
    manager = {"admin": cast.admin, "staff": cast.staff, "regional": regional_staff}[who]
    client.force_login(manager)
    response = client.get(TEMPLATE)
    assert response.status_code == 200
    workbook = load_workbook(BytesIO(response.content))
    assert workbook.sheetnames[:2] == ["用户", "填写说明"]
    sheet = workbook["用户"]
    assert [cell.value for cell in sheet[1]] == HEADER
    validated = {str(rule.sqref).split(":")[0] for rule in sheet.data_validations.dataValidation}
    assert {"F2", "G2"} <= validated  # drop-downs for 角色 and 数据范围
    notes = " ".join(str(c.value) for r in workbook["填写说明"].iter_rows() for c in r if c.value)
    assert "临江区 · 石门镇 · 杨柳村" in notes and "/" in notes
    examples = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(examples) == 2
    assert any(value and " · " in str(value) for value in examples[0])  # a region path from the database

    response = client.post(URL, {"file": upload(response.content)})
    preview = response.context["preview"]
    assert preview.errors == [] and len(preview.rows) == 2
    response = client.post(URL, {"token": preview.token})
    assert response.status_code == 200
    created = User.objects.filter(username__in=[r[0] for r in examples])
    assert created.count() == 2 and all(user.must_change_password for user in created)
    assert {user.roles for user in created} == {frozenset({Role.LEADER}), frozenset({Role.DISTRICT})}
    assert not list((media / "imports" / "users").glob("*.xlsx"))  # the upload is gone once imported
    assert AuditEntry.objects.filter(action="user_import").count() == 2


def test_the_result_lists_each_password_once_and_offers_a_formula_safe_download(client, cast, city):
    client.force_login(cast.staff)
    content = workbook_bytes([row("@lee", "李"), row("-wang", "王", org="甲村党支部")])
    preview = client.post(URL, {"file": upload(content)}).context["preview"]
    assert preview.errors == [], preview.errors
    response = client.post(URL, {"token": preview.token})
    html = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    accounts = response.context["accounts"]
    for username, _name, _roles, password in accounts:
        assert User.objects.get(username=username).check_password(password)
        assert html.count(password) == 1
    download = client.post("/accounts/users/import/passwords.xlsx", {"data": response.context["download"]})
    assert download.status_code == 200 and "no-store" in download["Cache-Control"]
    sheet = load_workbook(BytesIO(download.content)).active
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    assert set(rows) == {"@lee", "-wang"}
    assert all(cell.data_type == "s" for r in rows.values() for cell in r)
    assert rows["@lee"][3].value == next(a[3] for a in accounts if a[0] == "@lee")
    # The same import cannot be confirmed twice.
    again = client.post(URL, {"token": preview.token}, follow=True)
    assert "导入已过期或已完成" in again.content.decode()
    assert User.objects.filter(username__in=["@lee", "-wang"]).count() == 2


def test_a_forged_download_is_refused(client, cast):
    client.force_login(cast.staff)
    response = client.post("/accounts/users/import/passwords.xlsx", {"data": "forged"}, follow=True)
    assert "下载已过期" in response.content.decode()


def test_every_problem_by_row_and_column(client, cast, city, regional_staff):
    UserFactory(username="taken")
    twin_village = RegionFactory(name="甲村", kind=RegionKind.VILLAGE, parent=city.town_b)
    PartyOrganizationFactory(name="甲村党支部", region=twin_village)
    client.force_login(regional_staff)
    content = workbook_bytes(
        [
            row("dup", org="甲村党支部", org_region="甲区 · 甲镇 · 甲村"),
            row("dup", org="甲村党支部", org_region="甲区 · 甲镇 · 甲村"),
            row("taken", org="甲镇党委"),
            row("phone", phone="12345", org="甲镇党委"),
            row("nowhere", role="区县联络员", scope="所辖区域", region="甲区 · 火星镇"),
            row("twin", role="区县联络员", scope="所辖区域", region="甲村"),
            row("twinorg", org="甲村党支部"),
            row("boss", role="组织部工作人员", org="甲镇党委"),
            row("cityview", role="领导（只读）", scope="全市", org="甲镇党委"),
            row("far", role="区县联络员", scope="所辖区域", region="乙县"),
            row("farorg", org="乙镇企业党支部"),
            row("", full_name="", role="", org="甲镇党委"),
            row("bad name!", org="甲镇党委"),
            row("norole", role="皇帝", org="甲镇党委"),
        ]
    )
    errors = preview_errors(client, content)
    expected = [
        "第 3 行：「用户名」“dup”与第 2 行重复",
        "第 4 行：「用户名」“taken”已被系统中的其他用户使用",
        "第 5 行：「手机号」“12345”不是有效的电话号码",
        "第 6 行：「所辖区域」系统中没有区划“甲区 · 火星镇”",
        "第 7 行：「所辖区域」“甲村”有 2 个同名区划，请填写完整路径，如 “甲区 · 甲镇 · 甲村”",
        "第 8 行：「所属党组织」“甲村党支部”有重名",
        "第 9 行：「角色」您无权授予“组织部工作人员”",
        "第 10 行：「数据范围」只有全市范围的管理人员才能授予“全市”",
        "第 11 行：「所辖区域」“乙县”不在您的数据范围内",
        "第 12 行：「所属党组织」“乙镇企业党支部（乙县 · 乙镇）”不在您的数据范围内",
        "第 13 行：「用户名」不能为空",
        "第 13 行：「姓名」不能为空",
        "第 13 行：「角色」不能为空",
        "第 14 行：「用户名」“bad name!”只能包含字母、数字和 @ . + - _",
        "第 15 行：「角色」“皇帝”不是有效的角色",
    ]
    for message in expected:
        assert any(error.startswith(message) for error in errors), (message, errors)
    assert not any(error.startswith("第 2 行") for error in errors)
    response = client.post(URL, {"file": upload(content)})
    assert "确认导入" not in response.content.decode()
    assert not User.objects.filter(username__in=["dup", "phone", "boss"]).exists()


@pytest.mark.parametrize("path", PATHS)
def test_region_paths_accept_the_usual_separators_and_a_unique_last_name(client, cast, city, path):
    client.force_login(cast.staff)
    content = workbook_bytes([row("liaison", role="区县联络员", scope="所辖区域", region=path)])
    preview = client.post(URL, {"file": upload(content)}).context["preview"]
    assert preview.errors == []
    assert preview.rows[0].account["region"] == city.village_a


def test_numbers_typed_into_cells_are_read_as_text(client, cast, city):
    client.force_login(cast.staff)
    content = workbook_bytes([[13800001111, "数字", 13912345678, "", "", "示范点负责人", "", "", "甲村党支部", ""]])
    preview = client.post(URL, {"file": upload(content)}).context["preview"]
    assert preview.errors == []
    assert preview.rows[0].account["username"] == "13800001111" and preview.rows[0].account["phone"] == "13912345678"


def test_all_or_nothing_when_the_database_changed_after_the_preview(client, cast, city):
    client.force_login(cast.staff)
    content = workbook_bytes([row("first", org="甲村党支部"), row("second", org="甲村党支部")])
    preview = client.post(URL, {"file": upload(content)}).context["preview"]
    assert preview.errors == []
    UserFactory(username="second")  # someone took the name meanwhile
    response = client.post(URL, {"token": preview.token})
    assert "第 3 行" in response.content.decode()
    assert not User.objects.filter(username="first").exists()


def test_a_token_belongs_to_the_manager_who_uploaded(client, cast, city):
    client.force_login(cast.staff)
    preview = client.post(URL, {"file": upload(workbook_bytes([row("mine", org="甲村党支部")]))}).context["preview"]
    client.force_login(cast.admin)
    response = client.post(URL, {"token": preview.token}, follow=True)
    assert "导入已过期" in response.content.decode() and not User.objects.filter(username="mine").exists()


def _rewritten(content: bytes, part: str, new: bytes) -> bytes:
    source = zipfile.ZipFile(BytesIO(content))
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            target.writestr(item, new if item.filename == part else source.read(item))
    return buffer.getvalue()


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
    b'<c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>'
)
# A header openpyxl reads, then a row cut off: the error comes only while iterating the rows.
BROKEN_ROWS = (
    '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>用户名</t></is></c><c r="B1" t="inlineStr"><is><t>姓名</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>角色</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>x'
).encode()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: b"this is not a workbook", "文件无法读取"),
        (lambda: b"PK\x03\x04garbage", "文件无法读取"),
        (lambda: _rewritten(workbook_bytes([row("x")]), "xl/worksheets/sheet1.xml", BILLION_LAUGHS), "DOCTYPE"),
        (lambda: _rewritten(workbook_bytes([row("x")]), "xl/worksheets/sheet1.xml", BROKEN_ROWS), "文件无法读取"),
        (lambda: workbook_bytes([row("x")], header=["姓名", "手机号"]), "表头缺少列：用户名、角色"),
        (lambda: workbook_bytes([]), "表格中没有用户"),
    ],
    ids=["text", "bad-zip", "xml-entities", "broken-rows", "header", "empty"],
)
def test_unreadable_files_become_a_chinese_message_never_an_error_page(client, cast, make, message):
    client.force_login(cast.staff)
    errors = preview_errors(client, make())
    assert len(errors) == 1 and message in errors[0], errors


def test_too_many_rows(client, cast, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    client.force_login(cast.staff)
    errors = preview_errors(client, workbook_bytes([row(f"u{n}") for n in range(5)]))
    assert errors == ["超过 3 行，请分批导入"]


def test_a_wrong_extension_is_refused_by_the_form(client, cast):
    client.force_login(cast.staff)
    response = client.post(URL, {"file": upload(b"a,b", name="users.csv")})
    assert "请上传 .xlsx 格式的 Excel 文件" in response.content.decode()


def test_stale_uploads_are_swept(client, cast, media):
    """Uploads nobody confirmed are removed by the hourly job (core.tasks.purge_import_previews)."""
    from core import tasks

    folder = media / "imports" / "users"
    folder.mkdir(parents=True)
    stale = folder / "old.xlsx"
    stale.write_bytes(b"x")
    os.utime(stale, (0, 0))
    client.force_login(cast.staff)
    client.post(URL, {"file": upload(workbook_bytes([row("a")]))})
    assert tasks.purge_import_previews.delay().get() == 1
    assert not Path(stale).exists() and len(list(folder.glob("*.xlsx"))) == 1  # the fresh preview stays


def test_a_template_downloaded_in_english_still_imports(client, cast, city, media):
    """Import files are read by their Chinese column names and labels: the template is Chinese whatever the page
    language, and English labels typed into a file are accepted too."""
    client.force_login(cast.admin)
    client.get("/", {"lang": "en"})
    workbook = load_workbook(BytesIO(client.get(TEMPLATE).content))
    sheet = workbook["用户"]
    roles = {row[5] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert roles <= {"示范点负责人", "区县联络员"}
    buffer = BytesIO()
    workbook.save(buffer)
    response = client.post(URL, {"file": upload(buffer.getvalue())})
    assert response.context["preview"].errors == []


def test_labels_in_any_language_are_understood():
    from accounts.choices import DataScope
    from core.xlsx import choice_values

    values = choice_values(DataScope)
    assert values["全市"] == values["city"] == values[str(DataScope.CITY.label)] == "city"
    assert values["Whole city"] == "city"
