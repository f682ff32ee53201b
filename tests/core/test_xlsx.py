"""Opening uploaded workbooks: anything that cannot be read safely becomes one Chinese message, never a 500."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from core.xlsx import FORBIDDEN_XML, UNREADABLE, UnreadableWorkbook, open_workbook

MESSAGE = str(UNREADABLE)
XXE = b'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE root [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def workbook_bytes(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewrite(content: bytes, part: str, change) -> bytes:
    """The same workbook with one of its XML parts changed."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, change(data) if name == part else data)
    return buffer.getvalue()


def _as_excel_writes_it(xml: bytes, reference: bytes) -> bytes:
    """Without the XML declaration, with a <dimension> at the top (as Excel writes it, so openpyxl's read-only
    mode reads the rows only when asked), and `reference` in the last cell, far down the sheet."""
    if xml.startswith(b"<?xml"):
        xml = xml.split(b"?>", 1)[1]
    if b"<dimension" not in xml:
        xml = xml.replace(b"</sheetPr>", b'</sheetPr><dimension ref="A1:Z9999"/>', 1)
    tag = b"<t>" if b"<t>" in xml else b"<v>"
    head, _tag, tail = xml.rpartition(tag)
    return head + tag + reference + tail


def with_xxe(content: bytes, part: str) -> bytes:
    """A DTD declaring an external entity (XXE), referenced in a cell far down the sheet `part`."""
    return rewrite(content, part, lambda xml: XXE + _as_excel_writes_it(xml, b"&xxe;"))


def broken_far_down(content: bytes, part: str) -> bytes:
    """Well-formed at the top, broken (an undeclared entity) in a cell far down the sheet `part`."""
    return rewrite(content, part, lambda xml: _as_excel_writes_it(xml, b"&nothing;"))


SHEET = "xl/worksheets/sheet1.xml"
ROWS = [["名称", "年度"], *[[f"第{n}行", 2026] for n in range(200)]]


def test_a_good_workbook_is_read():
    with open_workbook(io.BytesIO(workbook_bytes(ROWS[:2]))) as workbook:
        assert list(workbook.active.iter_rows(values_only=True)) == [("名称", "年度"), ("第0行", 2026)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a workbook", MESSAGE),
        (b"PK\x03\x04 a truncated zip", MESSAGE),
        (
            rewrite(workbook_bytes(ROWS), "xl/workbook.xml", lambda xml: XXE + xml.split(b"?>", 1)[-1]),
            str(FORBIDDEN_XML),
        ),
    ],
    ids=["text", "broken zip", "DTD in the workbook part"],
)
def test_a_file_that_cannot_be_opened_is_refused_with_a_chinese_message(content, message):
    with pytest.raises(UnreadableWorkbook) as refused, open_workbook(io.BytesIO(content)):
        pass
    assert refused.value.messages == [message]


@pytest.mark.parametrize(
    ("hostile", "message"),
    [(with_xxe, str(FORBIDDEN_XML)), (broken_far_down, MESSAGE)],
    ids=["XXE in a sheet", "broken far down"],
)
def test_a_failure_while_reading_the_rows_is_refused_too(hostile, message):
    """openpyxl reads sheets lazily in read-only mode: what is wrong far down a sheet surfaces while iterating;
    an entity declaration is refused before openpyxl even opens the file."""
    content = hostile(workbook_bytes(ROWS), SHEET)
    with pytest.raises(UnreadableWorkbook) as refused, open_workbook(io.BytesIO(content)) as workbook:
        list(workbook.active.iter_rows(values_only=True))
    assert refused.value.messages == [message]
