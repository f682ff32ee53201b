"""Importing a round's paper sheets from Excel: the template, the preview with errors by row and column, all or
nothing, sheets marked as imported, and formulas never evaluated."""

import io
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from core.models import AuditEntry
from evaluations import imports, paper, services
from evaluations.choices import SheetSource, SheetStatus
from evaluations.models import ItemScore, ScoreChange, ScoreSheet
from tests.evaluations.conftest import fill
from tests.factories import ItemFactory, SectionFactory, SiteFactory

pytestmark = pytest.mark.django_db

ROLES = ["admin", "staff", "district", "instructor", "leader", "scorer", "teamlead", "viewer", "outsider", "nobody"]
GOOD = {"SY-01": 4.5, "SY-02": "较好", "LY-01": "有", "FJ-01": "有", "JG-01": 2}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def mixed(scoring, cast, city):
    """The scoring round with an organ-domain section (JG-01) and a municipal organ's site scored by the team:
    JG-01 applies to that site only."""
    organ = SectionFactory(standard=scoring.standard, code="JG", title="机关特色", max_score=2, order=9, domain="organ")
    ItemFactory(section=organ, code="JG-01", title="机关特色做法", max_score=2, kind="points")
    site = SiteFactory(organization=city.org_city, name="市财政局示范点", state="candidate")
    services.round_add_sites(round=scoring.round, sites=[site], by=cast.staff)
    entry = scoring.round.entries.get(site=site)
    services.assign_sites(round=scoring.round, team=scoring.team, entries=[entry], by=cast.staff)
    scoring.entry_c = entry
    return scoring


def url(round_, tail=""):
    return f"/evaluations/{round_.pk}/import/{tail}"


def template(client, round_):
    response = client.get(url(round_, "template.xlsx"))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def headers(sheet):
    return [cell.value for cell in sheet[1]]


def fill_template(workbook, values=GOOD, remark="纸质表已签字"):
    """Fill every applicable cell of the template as a person would from the paper sheets."""
    sheet = workbook[paper.SHEET_TITLE]
    columns = headers(sheet)
    for row in sheet.iter_rows(min_row=2):
        for index, label in enumerate(columns):
            code = paper.code_of_header(label)
            if code in values and row[index].value != paper.NOT_APPLICABLE:
                row[index].value = values[code]
            if label == paper.REMARK:
                row[index].value = remark
    return workbook


def as_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, round_, content: bytes):
    return client.post(url(round_), {"file": SimpleUploadedFile("纸质评分表.xlsx", content)})


def workbook_with(rows, header=None):
    """A workbook in the template's layout, written by hand (rows of values by header)."""
    fixed = [label for label, _width in paper.FIXED_COLUMNS]
    header = header or [*fixed, "SY-01", "SY-02", "LY-01", "FJ-01", paper.REMARK]
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(label, "") for label in header])
    return workbook


def row_for(sheet, **overrides):
    return {
        "示范点编号": sheet.entry.site.code,
        "评分人账号": sheet.scorer.username,
        "SY-01": 4.5,
        "SY-02": "较好",
        "LY-01": "有",
        "FJ-01": "有",
        **overrides,
    }


def stored():
    return list((django_settings.MEDIA_ROOT / "imports").glob("**/*.xlsx"))


# --- who ----------------------------------------------------------------------------------------------

IMPORT_ACCESS = {"admin": 200, "staff": 200, "leader": 403, "scorer": 403, "teamlead": 403, "viewer": 403}


@pytest.mark.parametrize("role", ROLES)
def test_who_imports_paper_sheets(client, cast, scoring, role):
    client.force_login(getattr(cast, role))
    expected = IMPORT_ACCESS.get(role, 404)  # the round is not theirs to see at all: 404
    assert client.get(url(scoring.round)).status_code == expected
    assert client.get(url(scoring.round, "template.xlsx")).status_code == expected
    assert client.post(url(scoring.round, "confirm/"), {"token": "x"}).status_code in (expected, 302)


def test_confirming_needs_a_post(client, cast, scoring):
    client.force_login(cast.staff)
    assert client.get(url(scoring.round, "confirm/")).status_code == 405


def test_outside_scoring_the_import_is_closed(client, cast, scoring):
    for each in ScoreSheet.objects.filter(entry__round=scoring.round, kind="onsite"):
        fill(each, each.scorer)
        services.sheet_submit(sheet=each, by=each.scorer)
    services.round_close_scoring(round=scoring.round, by=cast.staff)
    client.force_login(cast.staff)
    assert "只能在实地考评阶段导入" in client.get(url(scoring.round)).content.decode()
    assert client.get(url(scoring.round, "template.xlsx")).status_code == 302
    response = upload(client, scoring.round, as_bytes(workbook_with([])))
    assert response.status_code == 302


# --- the template -------------------------------------------------------------------------------------


def test_the_template_has_a_row_per_open_sheet_and_a_column_per_item(client, cast, mixed):
    services.sheet_excuse(sheet=mixed.sheet2, by=cast.staff, reason="生病")
    fill(mixed.sheet, mixed.scorer, {"SY-01": {"score": "3"}, "LY-01": {"present": False}})
    client.force_login(cast.staff)
    sheet = template(client, mixed.round)[paper.SHEET_TITLE]
    columns = headers(sheet)
    assert columns[:4] == ["示范点编号", "示范点", "评分人账号", "评分人"] and columns[-1] == paper.REMARK
    assert [paper.code_of_header(label) for label in columns[4:-1]] == ["SY-01", "SY-02", "LY-01", "FJ-01", "JG-01"]
    assert columns[4] == "SY-01 有过硬的领导班子（满分5）"
    rows = {(row[0].value, row[2].value): row for row in sheet.iter_rows(min_row=2)}
    assert len(rows) == 5  # 3 sites × 2 scorers, less the excused sheet
    assert (mixed.site_a.code, "t-scorer2") not in rows
    started = rows[(mixed.site_a.code, "t-scorer")]
    assert started[4].value == 3 and started[6].value == "无"  # an online start is carried over
    assert started[8].value == paper.NOT_APPLICABLE and started[8].fill.fgColor.rgb.endswith("D9D9D9")
    organ = rows[(mixed.entry_c.site.code, "t-scorer")]
    assert organ[8].value is None and organ[1].value == "市财政局示范点"


def test_the_template_offers_drop_downs_and_a_range(client, cast, scoring):
    client.force_login(cast.staff)
    workbook = template(client, scoring.round)
    validations = workbook[paper.SHEET_TITLE].data_validations.dataValidation
    rules = {str(rule.sqref).split(":")[0]: rule for rule in validations}
    assert rules["E2"].type == "decimal" and rules["E2"].formula2 == "5"
    assert rules["F2"].type == "list" and rules["G2"].type == "list"
    options = workbook["选项"]
    assert options.sheet_state == "hidden"
    columns = {options.cell(row=1, column=c).value: c for c in range(1, options.max_column + 1)}
    assert [options.cell(row=r, column=columns["SY-02"]).value for r in (2, 3, 4, 5)] == ["好", "较好", "一般", "差"]
    assert [options.cell(row=r, column=columns["LY-01"]).value for r in (2, 3)] == ["有", "无"]


def test_the_template_keeps_formula_like_names_as_text(client, cast, scoring):
    scoring.site_a.name = '=HYPERLINK("http://x","点我")'
    scoring.site_a.save()
    client.force_login(cast.staff)
    sheet = template(client, scoring.round)[paper.SHEET_TITLE]
    cells = [row[1] for row in sheet.iter_rows(min_row=2) if row[1].value.startswith("=")]
    assert cells and all(cell.data_type == "s" and cell.quotePrefix for cell in cells)


# --- the round trip -----------------------------------------------------------------------------------


def test_the_template_round_trips_into_submitted_imported_sheets(client, cast, mixed):
    client.force_login(cast.staff)
    content = as_bytes(fill_template(template(client, mixed.round)))
    response = upload(client, mixed.round, content)
    preview = response.context["preview"]
    assert preview.errors == [] and len(preview.rows) == 6 and preview.token
    assert {row.total for row in preview.rows} == {Decimal("8.90"), Decimal("10.90")}
    response = client.post(url(mixed.round, "confirm/"), {"token": preview.token})
    assert response.status_code == 302 and response.url == f"/evaluations/{mixed.round.pk}/progress/"
    sheets = ScoreSheet.objects.filter(entry__round=mixed.round, kind="onsite")
    assert {sheet.status for sheet in sheets} == {SheetStatus.SUBMITTED}
    assert {sheet.source for sheet in sheets} == {SheetSource.IMPORTED}
    assert {sheet.keyed_by for sheet in sheets} == {cast.staff}
    assert {sheet.remark for sheet in sheets} == {"纸质表已签字"}
    organ = sheets.get(entry=mixed.entry_c, scorer=cast.scorer)
    assert organ.total == Decimal("10.90") and organ.scored_count == 5  # 4.5 + 2.4 + 2 + 0 + 2
    assert sheets.get(entry=mixed.entry_a, scorer=cast.scorer).total == Decimal("8.90")
    assert ScoreChange.objects.filter(sheet=organ, reason="导入纸质评分表", by=cast.staff).count() == 5
    assert AuditEntry.objects.filter(action="sheet_import").count() == 6
    assert ItemScore.objects.get(sheet=organ, item__code="SY-02").level == "较好"
    assert services.close_problems(mixed.round) == []
    assert stored() == []  # the upload is deleted once imported


# --- errors by row and column -------------------------------------------------------------------------


def test_errors_are_named_by_row_and_column(client, cast, scoring):
    submitted = scoring.entry_b.sheets.get(scorer=cast.scorer)
    fill(submitted, cast.scorer)
    services.sheet_submit(sheet=submitted, by=cast.scorer)
    excused = scoring.entry_b.sheets.get(scorer=scoring.scorer2)
    services.sheet_excuse(sheet=excused, by=cast.staff, reason="回避")
    outsider_site = SiteFactory(name="不在本轮的示范点")
    rows = [
        row_for(scoring.sheet, **{"SY-01": 4.3}),  # 2: not in 0.5 steps
        row_for(scoring.sheet2, **{"SY-02": "很好", "LY-01": "可能", "FJ-01": ""}),  # 3
        row_for(scoring.sheet, **{"示范点编号": outsider_site.code}),  # 4: site not in the round
        row_for(scoring.sheet, **{"评分人账号": "nobody-here"}),  # 5: unknown account
        row_for(submitted),  # 6
        row_for(excused),  # 7
        row_for(scoring.sheet2),  # 8: the same sheet as row 3
        row_for(scoring.sheet, **{"评分人账号": "t-teamlead"}),  # 9: not a scorer of the site
        row_for(scoring.sheet, **{"SY-01": 6}),  # 10: above the maximum (and a duplicate of row 2)
    ]
    client.force_login(cast.staff)
    preview = upload(client, scoring.round, as_bytes(workbook_with(rows))).context["preview"]
    errors = preview.errors
    assert "第 2 行：「SY-01」得分须在 0 到 5 之间，以 0.5 分为单位" in errors
    assert "第 3 行：「SY-02」没有“很好”这个等次（可选：好、较好、一般、差）" in errors
    assert "第 3 行：「LY-01」只能填写“有”或“无”" in errors
    assert "第 3 行：「FJ-01」不能为空" in errors
    assert f"第 4 行：「示范点编号」本轮考评中没有编号为“{outsider_site.code}”的示范点" in errors
    assert "第 5 行：「评分人账号」系统中没有账号“nobody-here”" in errors
    assert preview.rows[3].site_name == "甲村示范点"  # what could be matched is still named
    assert "第 6 行：该评分表已提交，不能再导入（如需修改，请验收组组长先退回）" in errors
    assert "第 7 行：该评分表已免评，不能导入" in errors
    assert "第 8 行：与第 3 行重复（同一示范点、同一评分人）" in errors
    assert any(error.startswith("第 9 行：「评分人账号」") and "没有“甲村示范点”的评分表" in error for error in errors)
    assert "第 10 行：与第 2 行重复（同一示范点、同一评分人）" in errors
    assert preview.token == "" and stored() == []  # nothing kept to confirm
    html = upload(client, scoring.round, as_bytes(workbook_with(rows))).content.decode()
    assert "未导入" in html and "第 3 行：「LY-01」只能填写“有”或“无”" in html


def test_a_refused_import_changes_nothing(client, cast, scoring):
    good, bad = row_for(scoring.sheet), row_for(scoring.sheet2, **{"SY-01": "五分"})
    client.force_login(cast.staff)
    preview = upload(client, scoring.round, as_bytes(workbook_with([good, bad]))).context["preview"]
    assert preview.errors == ["第 3 行：「SY-01」得分“五分”不是数字"]
    response = client.post(url(scoring.round, "confirm/"), {"token": preview.token})
    assert response.status_code == 302  # no token was issued: nothing to confirm
    assert not ItemScore.objects.filter(sheet__entry__round=scoring.round).exists()
    assert not ScoreSheet.objects.filter(source=SheetSource.IMPORTED).exists()


def test_a_sheet_submitted_between_preview_and_confirmation_refuses_the_whole_file(client, cast, scoring):
    client.force_login(cast.staff)
    rows = [row_for(scoring.sheet), row_for(scoring.sheet2)]
    preview = upload(client, scoring.round, as_bytes(workbook_with(rows))).context["preview"]
    assert preview.errors == []
    fill(scoring.sheet2, scoring.scorer2)
    services.sheet_submit(sheet=scoring.sheet2, by=scoring.scorer2)
    response = client.post(url(scoring.round, "confirm/"), {"token": preview.token}, follow=True)
    assert "第 3 行：该评分表已提交" in response.content.decode() and "未导入" in response.content.decode()
    scoring.sheet.refresh_from_db()
    assert scoring.sheet.status == SheetStatus.NOT_STARTED and not scoring.sheet.scores.exists()
    assert stored() == []


def test_the_service_refuses_all_rows_when_one_is_refused(cast, scoring):
    rows = [
        services.PaperSheet(
            sheet=scoring.sheet,
            values=dict(
                zip(
                    [item.pk for item in scoring.items],
                    [{"score": 4}, {"level": "好"}, {"present": True}, {"present": True}],
                    strict=True,
                )
            ),
            label="第 2 行",
        ),
        services.PaperSheet(sheet=scoring.sheet2, values={scoring.items[0].pk: {"score": 4}}, label="第 3 行"),
    ]
    with pytest.raises(Exception) as refusal:
        services.sheets_import(round=scoring.round, rows=rows, by=cast.staff)
    assert "第 3 行：还有 3 项未评分：SY-02、LY-01、FJ-01" in refusal.value.messages
    assert not ItemScore.objects.exists() and not AuditEntry.objects.filter(action="sheet_import").exists()


def test_a_value_for_an_item_that_does_not_apply_is_refused(client, cast, mixed):
    header = ["示范点编号", "评分人账号", "SY-01", "SY-02", "LY-01", "FJ-01", "JG-01"]
    organ_sheet = mixed.entry_c.sheets.get(scorer=cast.scorer)
    rows = [row_for(mixed.sheet, **{"JG-01": 2}), {**row_for(organ_sheet), "JG-01": ""}]
    client.force_login(cast.staff)
    errors = upload(client, mixed.round, as_bytes(workbook_with(rows, header))).context["preview"].errors
    assert errors == ["第 2 行：「JG-01」该评分项不适用于这个示范点，请留空", "第 3 行：「JG-01」不能为空"]


def test_a_missing_item_column_is_named(client, cast, scoring):
    header = ["示范点编号", "评分人账号", "SY-01", "SY-02", "FJ-01"]
    client.force_login(cast.staff)
    errors = (
        upload(client, scoring.round, as_bytes(workbook_with([row_for(scoring.sheet)], header)))
        .context["preview"]
        .errors
    )
    assert errors == ["表头缺少评分项列：LY-01（请使用下载的模板）"]


def test_a_file_that_is_not_a_workbook_is_a_message(client, cast, scoring):
    client.force_login(cast.staff)
    preview = upload(client, scoring.round, b"not a workbook").context["preview"]
    assert preview.errors and "无法读取" in preview.errors[0]


# --- formulas ----------------------------------------------------------------------------------------


def test_formula_like_text_is_kept_as_text_and_formulas_are_never_evaluated(client, cast, scoring):
    workbook = workbook_with([row_for(scoring.sheet), row_for(scoring.sheet2)])
    sheet = workbook.active
    remark = sheet.cell(row=2, column=9)
    remark.value, remark.data_type, remark.quotePrefix = "=1+2", "s", True  # text typed as '=1+2 in Excel
    client.force_login(cast.staff)
    preview = upload(client, scoring.round, as_bytes(workbook)).context["preview"]
    assert preview.errors == []
    client.post(url(scoring.round, "confirm/"), {"token": preview.token})
    scoring.sheet.refresh_from_db()
    assert scoring.sheet.remark == "=1+2"

    services.sheet_return(sheet=scoring.sheet, by=cast.teamlead, reason="重新核对")
    workbook = workbook_with([row_for(scoring.sheet, **{"SY-01": "=2+2"})])  # openpyxl writes a real formula
    preview = upload(client, scoring.round, as_bytes(workbook)).context["preview"]
    assert preview.errors == ["第 2 行：「SY-01」是公式，请直接填写数值或文字"]


# --- the stored upload -------------------------------------------------------------------------------


def test_a_token_is_the_uploaders_own_and_for_its_round_only(client, cast, scoring, city):
    client.force_login(cast.staff)
    preview = upload(client, scoring.round, as_bytes(workbook_with([row_for(scoring.sheet)]))).context["preview"]
    assert preview.token
    client.force_login(cast.admin)
    response = client.post(url(scoring.round, "confirm/"), {"token": preview.token}, follow=True)
    assert "导入已过期" in response.content.decode()
    assert imports.preview_from_token(preview.token, cast.staff, scoring.round) is not None
    other = type(scoring.round)(pk=scoring.round.pk + 1000)
    assert imports.preview_from_token(preview.token, cast.staff, other) is None
    assert not ItemScore.objects.exists()


def test_the_import_writes_in_a_few_queries_plus_one_audit_entry_per_sheet(cast, scoring):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def rows(sheets):
        values = dict(
            zip(
                [item.pk for item in scoring.items],
                [{"score": 4}, {"level": "好"}, {"present": True}, {"present": True}],
                strict=True,
            )
        )
        return [services.PaperSheet(sheet=sheet, values=values, label=f"第 {n} 行") for n, sheet in enumerate(sheets)]

    sheets = list(ScoreSheet.objects.filter(entry__round=scoring.round, kind="onsite").order_by("pk"))
    with CaptureQueriesContext(connection) as one:
        services.sheets_import(round=scoring.round, rows=rows(sheets[:1]), by=cast.staff)
    with CaptureQueriesContext(connection) as three:
        services.sheets_import(round=scoring.round, rows=rows(sheets[1:]), by=cast.staff)
    # Bulk writes: two more sheets cost at most their two audit entries (the first call also loaded permissions).
    assert len(three.captured_queries) <= len(one.captured_queries) + 2
