"""A standard as an Excel workbook: one row per item, plus a sheet of the standard's own facts.

The layout is also what imports.py reads, so an export can be edited and imported as next year's draft.
"""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment

from accounts.choices import Domain
from core import excel

from .choices import MaterialCategory, ScoringKind, SectionKind
from .models import Standard
from .selectors import applicable_sections

ITEM_COLUMNS = [
    ("section_code", "板块代码", 10),
    ("section_title", "板块名称", 16),
    ("section_kind", "板块类别", 10),
    ("section_domain", "适用领域", 14),
    ("section_max", "板块分值", 9),
    ("code", "编号", 11),
    ("title", "标题", 36),
    ("guide", "评分细则", 60),
    ("max_score", "分值", 7),
    ("kind", "评分方式", 9),
    ("is_veto", "一票否决", 9),
    ("is_required", "必须具备", 9),
    ("evidence", "佐证材料类别", 30),
    ("levels", "等次设置", 24),
]
INFO_SHEET, ITEM_SHEET = "标准信息", "评分项"
YES, NO = "是", "否"
CATEGORY_SEPARATOR = "、"


def format_levels(levels: list[dict]) -> str:
    return "；".join(f"{level['label']}={level['fraction']:g}" for level in levels)


def standard_workbook(standard: Standard) -> bytes:
    workbook = Workbook(write_only=True)

    info = workbook.create_sheet(INFO_SHEET)
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 12, 60
    domains = "、".join(str(Domain(code).label) for code in standard.domains) or "全部领域"
    for key, value in [
        ("名称", standard.name),
        ("年度", standard.year),
        ("用途", standard.get_purpose_display()),
        ("总分", float(standard.total_score)),
        ("适用领域", domains),
        ("说明", standard.notes),
        ("状态", standard.get_status_display()),
    ]:
        excel.append(info, [key, value])

    sheet = workbook.create_sheet(ITEM_SHEET)
    excel.header(sheet, [(label, width) for _key, label, width in ITEM_COLUMNS])
    wrap = Alignment(wrap_text=True, vertical="top")
    for section in applicable_sections(standard):
        for item in section.items.all():
            values = [
                section.code,
                section.title,
                str(SectionKind(section.kind).label),
                str(Domain(section.domain).label) if section.domain else "",
                float(section.max_score),
                item.code,
                item.title,
                item.guide,
                float(item.max_score),
                str(ScoringKind(item.kind).label),
                YES if item.is_veto else NO,
                YES if item.is_required else NO,
                CATEGORY_SEPARATOR.join(str(MaterialCategory(c).label) for c in item.evidence_categories),
                format_levels(item.levels) if item.levels else "",
            ]
            excel.append(sheet, values, alignment=wrap)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
