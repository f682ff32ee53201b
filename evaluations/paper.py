"""The paper fallback's workbook: the template of a round's paper sheets, one row per scorer × site.

Reading it back is imports.py's job; both share the column layout defined here. Every cell is written through
core.excel, so a site or person named like a formula stays text.
"""

import re
from decimal import Decimal
from io import BytesIO

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core import excel
from core.files import content_disposition
from standards.choices import ScoringKind
from standards.selectors import applicable_sections

from .choices import SheetKind, SheetStatus
from .models import ItemScore, ScoreSheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE = "纸质评分表"
SITE_CODE, SITE_NAME, USERNAME, SCORER = "示范点编号", "示范点", "评分人账号", "评分人"
REMARK = "备注（总体意见）"
FIXED_COLUMNS = [(SITE_CODE, 11), (SITE_NAME, 26), (USERNAME, 14), (SCORER, 10)]
NOT_APPLICABLE = "—"
# What a cell of an item that does not apply to the row's site may hold.
NOT_APPLICABLE_VALUES = {"", NOT_APPLICABLE, "-", "－", "/", "／", "不适用", "无需评分"}
PRESENT_WORDS = {"有", "具备", "是", "√", "✓", "✔", "通过"}
ABSENT_WORDS = {"无", "没有", "不具备", "否", "×", "✗", "✘", "x", "X", "不通过"}
GREY = PatternFill("solid", fgColor="D9D9D9")
GREY_FONT = Font(color="808080")
CODE_IN_HEADER = re.compile(r"^\s*(\S+)")


def _number(value) -> str:
    return f"{Decimal(str(value)).normalize():f}"


def item_header(item) -> str:
    """An item's column header: its code first (what the import reads), then title and maximum for people."""
    return f"{item.code} {item.title}（满分{_number(item.max_score)}）"


def code_of_header(header: str) -> str:
    match = CODE_IN_HEADER.match(header or "")
    return match.group(1) if match else ""


def open_sheets(round_):
    """The sheets a paper import may fill: every on-site sheet of the round neither submitted nor excused."""
    return (
        ScoreSheet.objects.filter(entry__round=round_, kind=SheetKind.ONSITE)
        .exclude(status__in=(SheetStatus.SUBMITTED, SheetStatus.EXCUSED))
        .select_related("entry__site", "scorer")
        .order_by("entry__site__region__path", "entry__site__name", "entry__site_id", "scorer__username")
    )


def template_columns(standard, domains) -> list:
    """The items of the template's columns: those of `standard` that apply to any of `domains`, in order."""
    return [
        item
        for section in applicable_sections(standard)
        if not section.domain or section.domain in domains
        for item in section.items.all()
    ]


def cell_value(score: ItemScore | None) -> str | float:
    """A stored entry as the template shows it (an online start is carried over), "" when unscored."""
    if score is None or score.score is None:
        return ""
    if score.present is not None:
        return "有" if score.present else "无"
    if score.level:
        return score.level
    return float(score.score)


def import_template(round_) -> bytes:
    """The workbook of `round_`'s paper sheets still to come in: one row per scorer × site, one column per item.

    Cells of items that do not apply to a row's site are grey and hold "—"; presence and level items offer a
    drop-down, points items accept a number between 0 and their maximum."""
    sheets = list(open_sheets(round_))
    domains = {sheet.entry.site.domain for sheet in sheets}
    items = template_columns(round_.standard, domains)
    scores = {
        (score.sheet_id, score.item_id): score
        for score in ItemScore.objects.filter(sheet__in=sheets, item__in=items).only(
            "sheet_id", "item_id", "score", "present", "level"
        )
    }
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    columns = [*FIXED_COLUMNS, *[(item_header(item), 14) for item in items], (REMARK, 30)]
    excel.header(sheet, columns)
    sheet.freeze_panes = "E2"
    sheet.row_dimensions[1].height = 48
    for header_cell in sheet[1]:
        header_cell.alignment = Alignment(wrap_text=True, vertical="center")
    first_item_column = len(FIXED_COLUMNS) + 1
    for row_number, paper in enumerate(sheets, start=2):
        site, scorer = paper.entry.site, paper.scorer
        applicable = {"", site.domain}
        values = [site.code, site.name, scorer.username, scorer.get_full_name()]
        for item in items:
            if item.section.domain in applicable:
                values.append(cell_value(scores.get((paper.pk, item.pk))))
            else:
                values.append(NOT_APPLICABLE)
        values.append(paper.remark)
        excel.append(sheet, values)
        for offset, item in enumerate(items):
            if item.section.domain not in applicable:
                grey = sheet.cell(row=row_number, column=first_item_column + offset)
                grey.fill, grey.font = GREY, GREY_FONT
    last_row = max(len(sheets) + 1, 2)
    for offset, item in enumerate(items):
        column = first_item_column + offset
        if item.kind == ScoringKind.PRESENCE:
            excel.choice_list(workbook, sheet, column=column, options=["有", "无"], title=item.code, last_row=last_row)
        elif item.kind == ScoringKind.LEVELS:
            labels = [str(level["label"]) for level in item.effective_levels]
            excel.choice_list(workbook, sheet, column=column, options=labels, title=item.code, last_row=last_row)
        else:
            rule = DataValidation(
                type="decimal",
                operator="between",
                formula1="0",
                formula2=_number(item.max_score),
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="得分超出范围",
                error=f"{item.code} 的得分须在 0 到 {_number(item.max_score)} 之间，以 0.5 分为单位。",
            )
            letter = get_column_letter(column)
            rule.add(f"{letter}2:{letter}{last_row}")
            sheet.add_data_validation(rule)
    _notes(workbook, round_, items)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _notes(workbook, round_, items) -> None:
    notes = workbook.create_sheet("填写说明", index=1)
    notes.column_dimensions["A"].width = 110
    lines = [
        f"{round_}：纸质评分表导入模板。每行是一位评分人对一个示范点的评分表（只列出尚未提交、未免评的评分表）。",
        "请勿修改“示范点编号”“评分人账号”两列和表头；评分项列的表头以评分项编号开头，导入时按编号识别。",
        "分值项填写得分（0 到满分，以 0.5 分为单位）；“有/无”项从下拉列表选择“有”或“无”；等次项从下拉列表选择等次。",
        f"灰色、填有“{NOT_APPLICABLE}”的格子表示该评分项不适用于这一行的示范点，请保持原样。",
        "适用的评分项都必须填写；每一行导入后即为已提交的评分表，标记为“导入纸质评分表”。",
        "不接受公式：请直接填写数值或文字。",
        "导入前会逐行检查并显示问题；任何一行有错误，整个文件都不会导入。",
        "",
        "评分项：",
    ]
    for item in items:
        kind = {
            ScoringKind.PRESENCE: "有/无",
            ScoringKind.LEVELS: "等次：" + "、".join(str(level["label"]) for level in item.effective_levels),
        }.get(item.kind, f"0–{_number(item.max_score)} 分")
        lines.append(f"{item.code} {item.title}（满分 {_number(item.max_score)}，{kind}）")
    for line in lines:
        excel.append(notes, [line])


def import_template_response(round_) -> HttpResponse:
    response = HttpResponse(import_template(round_), content_type=XLSX)
    response["Content-Disposition"] = content_disposition(
        f"{round_.name}-纸质评分表导入模板.xlsx", as_attachment=True, fallback="paper-sheets-template"
    )
    return response
