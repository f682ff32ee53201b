"""Excel round trip: export a standard, import it back as a draft; errors by row and column, nothing saved."""

from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from core.xlsx import FORBIDDEN_XML, UNREADABLE
from standards import defaults, exports, imports, services
from standards.choices import StandardStatus
from standards.models import Standard
from tests.factories import UserFactory
from tests.standards.test_services import snapshot


@pytest.fixture
def published(db):
    return defaults.build_evaluation_standard(2026)


@pytest.fixture
def staff(db):
    return UserFactory(username="clerk")


def workbook_bytes(standard) -> BytesIO:
    return BytesIO(exports.standard_workbook(standard))


def test_export_has_one_row_per_item_with_every_column(published):
    workbook = load_workbook(workbook_bytes(published))
    sheet = workbook[exports.ITEM_SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [label for _key, label, _width in exports.ITEM_COLUMNS]
    assert len(rows) - 1 == published.items.count()
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["编号"] == "SY-01" and first["标题"] == "有过硬的领导班子和骨干队伍"
    assert first["板块名称"] == "十有" and first["分值"] == 6 and first["评分方式"] == "分值"
    assert first["一票否决"] == "否" and "党组织架构与制度" in first["佐证材料类别"]
    info = dict(workbook[exports.INFO_SHEET].iter_rows(values_only=True))
    assert info["名称"] == published.name and info["年度"] == 2026 and info["总分"] == 100


def test_round_trip_reproduces_the_standard(published, staff):
    published.items.filter(code="WGY-01").update(
        levels=[{"label": "优", "fraction": 1.0}, {"label": "良", "fraction": 0.7}]
    )
    parsed = imports.read_standard_workbook(workbook_bytes(published))
    assert parsed.errors == []
    copy = services.standard_import(
        parsed=parsed, by=staff, name=published.name, year=2027, total_score=published.total_score
    )
    assert copy.status == StandardStatus.DRAFT
    assert snapshot(copy) == snapshot(published)
    assert copy.items.get(code="WGY-01").levels == [{"label": "优", "fraction": 1.0}, {"label": "良", "fraction": 0.7}]
    assert services.publish_problems(copy) == []


def broken_workbook(published) -> BytesIO:
    """The export with mistakes in three rows."""
    workbook = load_workbook(workbook_bytes(published))
    sheet = workbook[exports.ITEM_SHEET]
    header = [cell.value for cell in sheet[1]]
    column = {label: header.index(label) + 1 for label in header}
    sheet.cell(row=2, column=column["分值"], value="六")
    sheet.cell(row=3, column=column["评分方式"], value="打分")
    sheet.cell(row=4, column=column["编号"], value="SY-01")
    sheet.cell(row=5, column=column["佐证材料类别"], value="党员活动照片、会议纪要")
    sheet.cell(row=6, column=column["一票否决"], value="也许")
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def test_import_reports_every_error_by_row_and_column_and_saves_nothing(published, staff):
    before = Standard.objects.count()
    parsed = imports.read_standard_workbook(broken_workbook(published))
    messages = [str(error) for error in parsed.errors]
    assert "第 2 行「分值」：须为数字" in messages
    assert "第 3 行「评分方式」：“打分”不是有效的选项" in messages
    assert "第 4 行「编号」：编号“SY-01”与第 2 行重复" not in messages  # row 2 itself failed, so no clash
    assert "第 5 行「佐证材料类别」：未知的类别：会议纪要" in messages
    assert "第 6 行「一票否决」：请填“是”或“否”" in messages
    with pytest.raises(ValidationError):
        services.standard_import(parsed=parsed, by=staff, name="导入测试", year=2027)
    assert Standard.objects.count() == before


def test_duplicate_codes_are_reported(published):
    workbook = load_workbook(workbook_bytes(published))
    sheet = workbook[exports.ITEM_SHEET]
    sheet.cell(row=3, column=6, value="SY-01")
    buffer = BytesIO()
    workbook.save(buffer)
    parsed = imports.read_standard_workbook(BytesIO(buffer.getvalue()))
    assert [str(e) for e in parsed.errors] == ["第 3 行「编号」：编号“SY-01”与第 2 行重复"]


def test_not_a_workbook(db):
    parsed = imports.read_standard_workbook(BytesIO(b"this is not excel"))
    assert [str(e) for e in parsed.errors] == [str(UNREADABLE)]


def test_missing_columns_and_sheet(db):
    workbook = Workbook()
    workbook.active.title = "别的表"
    buffer = BytesIO()
    workbook.save(buffer)
    assert "缺少“评分项”工作表" in str(imports.read_standard_workbook(BytesIO(buffer.getvalue())).errors[0])
    workbook = Workbook()
    workbook.active.title = exports.ITEM_SHEET
    workbook.active.append(["板块代码", "标题"])
    buffer = BytesIO()
    workbook.save(buffer)
    error = str(imports.read_standard_workbook(BytesIO(buffer.getvalue())).errors[0])
    assert error.startswith("第 1 行「表头」：缺少列：") and "评分细则" in error


@pytest.mark.parametrize(
    ("hostile", "message"), [("with_xxe", str(FORBIDDEN_XML)), ("broken_far_down", str(UNREADABLE))]
)
def test_a_hostile_or_broken_workbook_is_refused_not_a_500(published, client, cast, hostile, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.core import test_xlsx

    content = getattr(test_xlsx, hostile)(exports.standard_workbook(published), "xl/worksheets/sheet2.xml")  # items
    parsed = imports.read_standard_workbook(BytesIO(content))
    assert [str(e) for e in parsed.errors] == [message]
    client.force_login(cast.staff)
    response = client.post("/standards/import/", {"file": SimpleUploadedFile("标准.xlsx", content), "year": 2030})
    assert response.status_code == 200 and message[:12] in response.content.decode()
    assert not Standard.objects.filter(year=2030).exists()
