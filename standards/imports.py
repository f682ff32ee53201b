"""Reading a standard from the workbook layout of exports.py, with every problem reported by row and column.

`read_standard_workbook` only reads and validates; it writes nothing. The service then creates the draft
in one transaction, so an import with any error changes nothing.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from accounts.choices import Domain
from core.xlsx import UnreadableWorkbook, choice_values, open_workbook

from . import rules
from .choices import DEFAULT_LEVELS, MaterialCategory, ScoringKind, SectionKind
from .exports import CATEGORY_SEPARATOR, INFO_SHEET, ITEM_COLUMNS, ITEM_SHEET, NO, YES

MAX_ROWS = 2000


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        if not self.column:
            return self.message
        return f"第 {self.row} 行「{self.column}」：{self.message}" if self.row else f"{self.column}：{self.message}"


@dataclass
class ParsedSection:
    code: str
    title: str
    kind: str
    domain: str
    max_score: Decimal
    items: list[dict] = field(default_factory=list)


@dataclass
class ParsedStandard:
    info: dict
    sections: list[ParsedSection]
    errors: list[RowError]

    @property
    def item_count(self) -> int:
        return sum(len(section.items) for section in self.sections)


SECTION_KINDS, DOMAINS = choice_values(SectionKind), choice_values(Domain)
SCORING_KINDS, CATEGORIES = choice_values(ScoringKind), choice_values(MaterialCategory)
SCORING_KINDS.update({"有无": ScoringKind.PRESENCE, "有/无": ScoringKind.PRESENCE})
DOMAINS.update({"通用": "", "全部领域": ""})


def read_standard_workbook(file) -> ParsedStandard:
    try:
        with open_workbook(file) as workbook:  # a file that cannot be read, even halfway through, is one message
            info = _read_info(workbook)
            if ITEM_SHEET not in workbook.sheetnames:
                return ParsedStandard(info, [], [RowError(0, "工作表", f"缺少“{ITEM_SHEET}”工作表")])
            sections, errors = _read_items(workbook[ITEM_SHEET])
            return ParsedStandard(info, sections, errors)
    except UnreadableWorkbook as error:
        return ParsedStandard({}, [], [RowError(0, "", error.messages[0])])


def _read_info(workbook) -> dict:
    if INFO_SHEET not in workbook.sheetnames:
        return {}
    info = {}
    for row in workbook[INFO_SHEET].iter_rows(min_row=1, max_col=2, values_only=True):
        if row and row[0]:
            info[str(row[0]).strip()] = row[1]
    return info


def _read_items(sheet) -> tuple[list[ParsedSection], list[RowError]]:
    labels = [label for _key, label, _width in ITEM_COLUMNS]
    rows = sheet.iter_rows(values_only=True)
    header = [str(value).strip() if value is not None else "" for value in next(rows, ())]
    missing = [label for label in labels[:13] if label not in header]
    if missing:
        return [], [RowError(1, "表头", "缺少列：" + "、".join(missing))]
    position = {label: header.index(label) for label in labels if label in header}
    errors: list[RowError] = []
    sections: dict[str, ParsedSection] = {}
    item_codes: dict[str, int] = {}
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS:
            errors.append(RowError(number, "行数", f"超过 {MAX_ROWS} 行，请检查表格"))
            break
        if not values or all(value in (None, "") for value in values):
            continue
        cells = {label: values[i] if i < len(values) else None for label, i in position.items()}
        row = _Row(number, cells, errors)
        section = row.section()
        item = row.item()
        if section is None or item is None:
            continue
        existing = sections.get(section.code)
        if existing is None:
            sections[section.code] = section
        elif (existing.title, existing.kind, existing.domain, existing.max_score) != (
            section.title,
            section.kind,
            section.domain,
            section.max_score,
        ):
            errors.append(RowError(number, "板块代码", f"板块“{section.code}”的名称、类别、领域或分值与前面的行不一致"))
            continue
        if item["code"] in item_codes:
            errors.append(RowError(number, "编号", f"编号“{item['code']}”与第 {item_codes[item['code']]} 行重复"))
            continue
        item_codes[item["code"]] = number
        sections[section.code].items.append(item)
    if not sections and not errors:
        errors.append(RowError(0, ITEM_SHEET, "没有任何评分项"))
    return list(sections.values()), errors


class _Row:
    """One spreadsheet row: each reader returns a clean value or records an error and returns None."""

    def __init__(self, number, cells, errors):
        self.number, self.cells, self.errors = number, cells, errors
        self.ok = True

    def error(self, column, message):
        self.errors.append(RowError(self.number, column, message))
        self.ok = False

    def text(self, column, *, required=True, max_length=200):
        value = self.cells.get(column)
        value = "" if value is None else str(value).strip()
        if required and not value:
            self.error(column, "不能为空")
        elif len(value) > max_length:
            self.error(column, f"超过 {max_length} 个字")
        return value

    def choice(self, column, mapping, *, required=True):
        value = self.text(column, required=required)
        if value and value not in mapping:
            self.error(column, f"“{value}”不是有效的选项")
            return None
        return mapping.get(value, "")

    def decimal(self, column):
        value = self.cells.get(column)
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            self.error(column, "须为数字" if value not in (None, "") else "不能为空")
            return None
        if number < 0:
            self.error(column, "不能为负数")
            return None
        if number != number.quantize(Decimal("0.01")):
            self.error(column, "最多两位小数")
            return None
        return number

    def flag(self, column):
        value = self.text(column, required=False)
        if value not in (YES, NO, ""):
            self.error(column, f"请填“{YES}”或“{NO}”")
        return value == YES

    def section(self) -> ParsedSection | None:
        code = self.text("板块代码", max_length=20).upper()
        title = self.text("板块名称", max_length=100)
        kind = self.choice("板块类别", SECTION_KINDS)
        domain = self.choice("适用领域", DOMAINS, required=False)
        max_score = self.decimal("板块分值")
        if not self.ok:
            return None
        return ParsedSection(code=code, title=title, kind=kind, domain=domain or "", max_score=max_score)

    def item(self) -> dict | None:
        code = self.text("编号", max_length=20).upper()
        title = self.text("标题")
        guide = self.text("评分细则", required=False, max_length=5000)
        max_score = self.decimal("分值")
        kind = self.choice("评分方式", SCORING_KINDS)
        is_veto, is_required = self.flag("一票否决"), self.flag("必须具备")
        evidence = self._categories()
        levels = self._levels()
        if not self.ok:
            return None
        problem = rules.max_score_problem(kind, max_score)
        if problem:
            self.error("分值", problem)
        if (is_veto or is_required) and kind != ScoringKind.PRESENCE:
            self.error("评分方式", "一票否决项和必须具备项须按“有/无”评分")
        if kind == ScoringKind.LEVELS and levels and (problem := rules.levels_problem(levels)):
            self.error("等次设置", problem)
        if not self.ok:
            return None
        return {
            "code": code,
            "title": title,
            "guide": guide,
            "max_score": max_score,
            "kind": kind,
            "is_veto": is_veto,
            "is_required": is_required,
            "evidence_categories": evidence,
            "levels": levels,
        }

    def _categories(self) -> list[str]:
        text = self.text("佐证材料类别", required=False, max_length=1000)
        names = [
            name.strip()
            for name in text.replace(",", CATEGORY_SEPARATOR)
            .replace("，", CATEGORY_SEPARATOR)
            .split(CATEGORY_SEPARATOR)
            if name.strip()
        ]
        unknown = [name for name in names if name not in CATEGORIES]
        if unknown:
            self.error("佐证材料类别", "未知的类别：" + CATEGORY_SEPARATOR.join(unknown))
        return [CATEGORIES[name] for name in names if name in CATEGORIES]

    def _levels(self) -> list[dict]:
        text = self.text("等次设置", required=False, max_length=500)
        if not text:
            return []
        levels = []
        for part in text.replace(";", "；").split("；"):
            label, _sep, fraction = part.partition("=")
            try:
                levels.append({"label": label.strip(), "fraction": float(fraction)})
            except ValueError:
                self.error("等次设置", f"“{part}”应写成 等次=比例，如 好=1；较好=0.8")
                return []
        return levels if levels != DEFAULT_LEVELS else []
