"""PDFs with Chinese text: the vendored font embedded as a subset, tables that wrap and continue over pages."""

import re
import shutil
import subprocess

import pytest
from fontTools.ttLib import TTFont

from core import pdf


def text_of(data: bytes) -> str:
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return result.stdout.decode()


def test_the_vendored_font_covers_every_basic_cjk_ideograph_and_rare_name_characters():
    cmap = TTFont(pdf.FONT, lazy=True).getBestCmap()
    assert all(code in cmap for code in range(0x4E00, 0x9FA6))
    assert all(ord(char) in cmap for char in "堃昇燚犇淼喆玥珺赟彧垚禤龑·、（）《》“”—…")
    assert pdf.FONT.stat().st_size < 8 * 1024 * 1024
    assert (pdf.FONT.parent / "OFL.txt").read_text().count("SIL OPEN FONT LICENSE") >= 1


def test_a_document_embeds_only_the_glyphs_it_uses():
    document = pdf.document(title="测试")
    pdf.heading(document, "杨柳村党建示范点创建工作方案", subtitle="临江区 · 石门镇 · 杨柳村")
    data = pdf.as_bytes(document)
    assert data.startswith(b"%PDF-")
    assert re.search(rb"/BaseFont /[A-Z]{6}\+NotoSansSC", data)
    assert len(data) < 60_000  # a subset of a few dozen glyphs, not the 7.5 MB font


def test_a_long_table_wraps_cells_repeats_its_header_and_numbers_its_pages():
    document = pdf.document(landscape=True)
    rows = [[n, "党员活动照片" * 8, "a" * 120] for n in range(1, 121)]
    pdf.table(document, [("序号", 1), ("标题", 4), ("哈希", 4)], rows)
    data = pdf.as_bytes(document)
    pages = len(re.findall(rb"/Type /Page\b(?!s)", data))
    assert pages > 3  # 120 rows of three wrapped lines each do not fit on one page
    if shutil.which("pdftotext"):
        text = text_of(data)
        assert text.count("序号") == pages  # the header row on every page
        flat = re.sub(r"\s+", "", text)
        assert f"第{pages}/{pages}页" in flat
        assert flat.count("党") == 8 * 120 and flat.count("a") == 120 * 120  # wrapped, nothing cut off


def test_control_characters_are_left_out_of_cells():
    assert pdf.printable("报告\u202efdp.exe\x00\n第二行") == "报告fdp.exe\n第二行"
    assert pdf.printable(None) == "" and pdf.printable(3) == "3"


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler's pdftotext reads the text back")
def test_a_narrowed_font_writes_the_same_text(tmp_path):
    text = "杨柳村党建示范点创建工作方案"
    font = pdf.narrowed_font(text, tmp_path / "narrow.ttf")
    assert font.stat().st_size < 100_000
    document = pdf.document(font=font)
    pdf.heading(document, text)
    assert text in text_of(pdf.as_bytes(document))
