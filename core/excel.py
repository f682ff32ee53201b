"""Writing workbooks safely: the one place every exporter puts user-typed text into a cell.

Text that users type (a brand name, an address, a file name) and that starts with "=", "+", "-", "@", a tab
or a carriage return is what spreadsheet programs take for a formula ("formula injection"). openpyxl
itself turns any string starting with "=" into a live formula. Every cell written through `cell()` keeps
such text as plain text: stored as a string, with Excel's "quote prefix" so that editing the cell does not
turn it into a formula either. The visible text is unchanged.

Reading uploaded workbooks is core/xlsx.py's job.
"""

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="C8161D")


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def as_text(cell):
    """Make an already-assigned cell hold its value as text when it looks like a formula."""
    if is_formula_like(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def cell(sheet, value, **styles) -> WriteOnlyCell:
    """A write-only cell holding `value`, never as a formula; `styles` are cell attributes (font, fill…)."""
    written = WriteOnlyCell(sheet, value=value)
    for name, style in styles.items():
        setattr(written, name, style)
    return as_text(written)


def safe_row(sheet, values):
    """`values` ready for a write-only sheet's append(): plain values as they are (openpyxl writes those fastest),
    formula-like text wrapped in a text cell. A row with no such text (nearly all) is returned as it is, after
    one type test and one prefix test per value, so a large export pays almost nothing for the protection."""
    for value in values:
        if type(value) is str and value.startswith(FORMULA_TRIGGERS):
            return [cell(sheet, v) if type(v) is str and v.startswith(FORMULA_TRIGGERS) else v for v in values]
    return values


def append(sheet, values, **styles) -> None:
    """Append one row of values to a sheet (write-only or normal), every text cell made safe."""
    if isinstance(sheet, WriteOnlyWorksheet):
        sheet.append([cell(sheet, value, **styles) for value in values])
        return
    sheet.append(list(values))
    for written in sheet[sheet.max_row]:
        for name, style in styles.items():
            setattr(written, name, style)
        as_text(written)


def header(sheet, columns, *, freeze: bool = True) -> None:
    """The product's header row (white on Party red); `columns` are (label, width) pairs."""
    for index, (_label, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    if freeze:
        sheet.freeze_panes = "A2"
    append(sheet, [label for label, _width in columns], font=HEADER_FONT, fill=HEADER_FILL)


def choice_list(workbook, sheet, *, column: int, options, title: str, first_row: int = 2, last_row: int = 2000):
    """A drop-down of `options` on one column of an input template (openpyxl data validation).

    The options live on a hidden sheet, because a list written into the rule itself is limited to 255
    characters; typing something else is refused by Excel with a Chinese message."""
    lists = workbook["选项"] if "选项" in workbook.sheetnames else workbook.create_sheet("选项")
    lists.sheet_state = "hidden"
    list_column = lists.max_column + 1 if lists.max_row > 1 or lists["A1"].value else 1
    letter = get_column_letter(list_column)
    lists.cell(row=1, column=list_column, value=title)
    options = [str(option) for option in options]
    for row, option in enumerate(options, start=2):
        as_text(lists.cell(row=row, column=list_column, value=option))
    rule = DataValidation(
        type="list",
        formula1=f"'选项'!${letter}$2:${letter}${len(options) + 1}",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="请从列表中选择",
        error=f"“{title}”只能填写下拉列表中的值。",
        promptTitle=title,
        prompt="请从下拉列表中选择",
        showInputMessage=True,
    )
    target = get_column_letter(column)
    rule.add(f"{target}{first_row}:{target}{last_row}")
    sheet.add_data_validation(rule)
    return rule
