"""Reading a round's paper sheets from the import template (paper.py): each row checked, problems named by row
and column in Chinese.

Nothing is written here: services.sheets_import writes the rows, all or nothing, and checks them again. The upload
is kept (core.previews) so that "confirm" imports exactly the file that was previewed; the store is per round, so
a token of one round's upload cannot be confirmed into another. Formulas are never evaluated: a cell holding one
is refused (text that merely starts with "=" is text).
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model

from core.previews import PreviewStore
from core.xlsx import UnreadableWorkbook, cell_text, open_workbook

from . import rules, services
from .choices import SheetKind, SheetStatus
from .models import ScoreSheet
from .paper import (
    ABSENT_WORDS,
    NOT_APPLICABLE_VALUES,
    PRESENT_WORDS,
    REMARK,
    SCORER,
    SITE_CODE,
    SITE_NAME,
    USERNAME,
    code_of_header,
)
from .paper import template_columns as items_for_domains

MAX_ROWS = 5000
SITE_CODE_PATTERN = re.compile(r"^[Ss]?0*(\d{1,9})$")


@dataclass
class PaperRow:
    number: int
    site_code: str = ""
    site_name: str = ""
    username: str = ""
    scorer_name: str = ""
    remark: str = ""
    sheet: ScoreSheet | None = None
    values: dict = field(default_factory=dict)  # item id -> {"score" | "present" | "level"}
    total: Decimal | None = None
    errors: list[str] = field(default_factory=list)

    def error(self, column: str, message: str) -> None:
        self.errors.append(f"「{column}」{message}" if column else message)


@dataclass
class PaperPreview:
    rows: list[PaperRow]
    errors: list[str]
    token: str = ""

    @property
    def ok_count(self) -> int:
        return sum(1 for row in self.rows if not row.errors)

    def sheets(self) -> list[services.PaperSheet]:
        """The rows as the import service takes them."""
        return [
            services.PaperSheet(sheet=row.sheet, values=row.values, remark=row.remark, label=f"第 {row.number} 行")
            for row in self.rows
        ]


def store_for(round_) -> PreviewStore:
    return PreviewStore(f"paper-sheets-{round_.pk}")


def preview_upload(upload, user, round_) -> PaperPreview:
    """Store the upload and read it against `round_`; only an upload without errors is kept for confirmation."""
    path, token = store_for(round_).store(upload, user)
    preview = read_paper_sheets(path, round_)
    if preview.errors:
        path.unlink(missing_ok=True)
    else:
        preview.token = token
    return preview


def preview_from_token(token: str, user, round_) -> PaperPreview | None:
    """The preview of `user`'s stored upload for `round_`, read again (sheets may have changed), or None."""
    path = store_for(round_).path_of(token, user)
    if path is None:
        return None
    preview = read_paper_sheets(path, round_)
    preview.token = token
    return preview


def discard(token: str, user, round_) -> None:
    store_for(round_).discard(token, user)


# --- reading ----------------------------------------------------------------------------------------


def _read(file) -> tuple[list[str], list[tuple[int, dict, set]], str]:
    """The header, and per non-empty row: its number, its cells as text by header, and the headers of cells that
    hold a formula. Opened without cached values, so a formula is seen as one and never taken for its result."""
    with open_workbook(file, data_only=False) as workbook:
        rows = workbook.worksheets[0].iter_rows()
        header = [cell_text(cell.value) for cell in next(rows, ())]
        parsed = []
        for number, cells in enumerate(rows, start=2):
            if number > MAX_ROWS + 1:
                return header, [], f"超过 {MAX_ROWS} 行，请分批导入"
            values, formulas = {}, set()
            for index, cell in enumerate(cells):
                if index >= len(header) or not header[index]:
                    continue
                if getattr(cell, "data_type", None) == "f":
                    formulas.add(header[index])
                    values[header[index]] = ""
                else:
                    values[header[index]] = cell_text(cell.value)
            if any(values.values()) or formulas:
                parsed.append((number, values, formulas))
        return header, parsed, ""


def read_paper_sheets(file, round_) -> PaperPreview:
    """Read and check a paper-sheet workbook against `round_` (its sites, their sheets and its standard)."""
    try:
        header, parsed, error = _read(file)
    except UnreadableWorkbook as unreadable:
        return PaperPreview([], unreadable.messages)
    if error:
        return PaperPreview([], [error])
    missing = [label for label in (SITE_CODE, USERNAME) if label not in header]
    if missing:
        return PaperPreview([], ["表头缺少列：" + "、".join(missing) + "（请使用下载的模板）"])
    if not parsed:
        return PaperPreview([], ["表格中没有评分表"])
    standard_items = {item.code: item for item in items_for_domains(round_.standard, _all_domains(round_))}
    columns = {}  # item id -> header
    for label in header:
        item = standard_items.get(code_of_header(label)) if label not in _FIXED else None
        if item is not None:
            columns[item.pk] = label
    rows = _resolve(round_, parsed)
    items_of: dict[str, list] = {}
    missing_columns: set[str] = set()
    for row, values, formulas in rows:
        if row.sheet is None:
            continue
        domain = row.sheet.entry.site.domain
        if domain not in items_of:
            items_of[domain] = items_for_domains(round_.standard, {domain})
        _check_values(row, items_of[domain], values, formulas, columns, standard_items, missing_columns)
    errors = []
    if missing_columns:
        errors.append("表头缺少评分项列：" + "、".join(sorted(missing_columns)) + "（请使用下载的模板）")
    errors += [f"第 {row.number} 行：{message}" for row, _values, _formulas in rows for message in row.errors]
    return PaperPreview([row for row, _values, _formulas in rows], errors)


_FIXED = {SITE_CODE, SITE_NAME, USERNAME, SCORER, REMARK}


def _all_domains(round_) -> set[str]:
    return set(round_.entries.values_list("site__domain", flat=True))


def _site_pk(code: str) -> int | None:
    match = SITE_CODE_PATTERN.match(code.strip())
    return int(match.group(1)) if match else None


def _resolve(round_, parsed) -> list[tuple[PaperRow, dict, set]]:
    """Each row with its sheet: the site by its code among the round's sites, the scorer by account name."""
    site_pks = {pk for _n, values, _f in parsed if (pk := _site_pk(values.get(SITE_CODE, ""))) is not None}
    entries = {entry.site_id: entry for entry in round_.entries.filter(site_id__in=site_pks).select_related("site")}
    usernames = {values.get(USERNAME, "") for _n, values, _f in parsed} - {""}
    users = {user.username: user for user in get_user_model().objects.filter(username__in=usernames)}
    sheets = {
        (sheet.entry_id, sheet.scorer_id): sheet
        for sheet in ScoreSheet.objects.filter(
            entry__in=list(entries.values()), scorer__in=list(users.values()), kind=SheetKind.ONSITE
        )
    }
    seen: dict[int, int] = {}
    rows = []
    for number, values, formulas in parsed:
        row = PaperRow(
            number,
            site_code=values.get(SITE_CODE, ""),
            site_name=values.get(SITE_NAME, ""),
            username=values.get(USERNAME, ""),
            scorer_name=values.get(SCORER, ""),
            remark=values.get(REMARK, ""),
        )
        rows.append((row, values, formulas))
        for column in sorted(formulas & {SITE_CODE, USERNAME, REMARK}):
            row.error(column, "是公式，请直接填写")
        entry = entries.get(_site_pk(row.site_code) or 0)
        user = users.get(row.username)
        if not row.site_code:
            row.error(SITE_CODE, "不能为空")
        elif entry is None:
            row.error(SITE_CODE, f"本轮考评中没有编号为“{row.site_code}”的示范点")
        if not row.username:
            row.error(USERNAME, "不能为空")
        elif user is None:
            row.error(USERNAME, f"系统中没有账号“{row.username}”")
        if entry is not None:
            row.site_name = entry.site.name
        if user is not None:
            row.scorer_name = user.get_full_name()
        if entry is None or user is None:
            continue
        sheet = sheets.get((entry.pk, user.pk))
        if sheet is None:
            row.error(USERNAME, f"{row.scorer_name}没有“{entry.site.name}”的评分表（不是该示范点验收组的评分人）")
            continue
        if sheet.pk in seen:
            row.error("", f"与第 {seen[sheet.pk]} 行重复（同一示范点、同一评分人）")
            continue
        seen[sheet.pk] = number
        if sheet.status == SheetStatus.SUBMITTED:
            row.error("", "该评分表已提交，不能再导入（如需修改，请验收组组长先退回）")
            continue
        if sheet.status == SheetStatus.EXCUSED:
            row.error("", "该评分表已免评，不能导入")
            continue
        sheet.entry = entry
        row.sheet = sheet
    return rows


def _value(item, text: str) -> dict:
    """A cell's text as the service's value for `item`; raises EntryRefused for what the item cannot take."""
    if item.kind == "presence":
        if text in PRESENT_WORDS:
            return {"present": True}
        if text in ABSENT_WORDS:
            return {"present": False}
        raise rules.EntryRefused("只能填写“有”或“无”")
    if item.kind == "levels":
        labels = [str(level["label"]) for level in item.effective_levels]
        if text in labels:
            return {"level": text}
        try:
            Decimal(text)
        except ArithmeticError as error:
            raise rules.EntryRefused(f"没有“{text}”这个等次（可选：{'、'.join(labels)}）") from error
        return {"score": text}
    return {"score": text}


def _check_values(row, items, values, formulas, columns, standard_items, missing_columns) -> None:
    applicable = {item.pk for item in items}
    for item in items:
        label = columns.get(item.pk)
        if label is None:
            missing_columns.add(item.code)
            continue
        if label in formulas:
            row.error(item.code, "是公式，请直接填写数值或文字")
            continue
        text = values.get(label, "")
        if not text:
            row.error(item.code, "不能为空")
            continue
        try:
            row.values[item.pk] = _value(item, text)
        except rules.EntryRefused as refusal:
            row.error(item.code, str(refusal))
    for code, item in standard_items.items():
        label = columns.get(item.pk)
        if item.pk not in applicable and label and values.get(label, "") not in NOT_APPLICABLE_VALUES:
            row.error(code, "该评分项不适用于这个示范点，请留空")
    entries, refusals = services.paper_entries(items, row.values)
    by_pk = {item.pk: item for item in items}
    for item_pk, message in refusals.items():
        code = by_pk[item_pk].code
        row.error(code, message.removeprefix(f"{code}："))
        row.values.pop(item_pk, None)
    if not row.errors:
        row.total = rules.sheet_total(entry.score for entry in entries.values() if entry is not None)
