"""PDF documents with Chinese text: the ledgers' indexes now, certificates and reports later.

fpdf2 with the vendored Noto Sans SC Regular (core/fonts: the GBK character set, every ideograph of the CJK basic
block included, subset by scripts/subset_font.py, see `make vendor`), so a PDF shows Chinese on a machine with no
Chinese font installed; only the glyphs a document uses are embedded in it. Chinese has no spaces between words, so
text wraps at any character.
"""

import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from fpdf import FPDF, FontFace
from fpdf.enums import TableCellFillMode, WrapMode

FONT = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-Regular.ttf"
FAMILY = "NotoSansSC"
RED = (200, 22, 29)  # the product's Party red, as in workbooks' header rows
STRIPE = (246, 242, 242)
CREATOR = "示范点创建管理系统"


class Document(FPDF):
    """An A4 document in the product's font, with "第 n / N 页" at the foot of every page unless `page_numbers` is
    off (a certificate is a page of its own, not a page of a document)."""

    def __init__(self, *, landscape: bool = False, title: str = "", font: Path = FONT, page_numbers: bool = True):
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        self.page_numbers = page_numbers
        self.add_font(FAMILY, fname=str(font))
        for added in self.fonts.values():
            # fpdf2 subsets the font when writing the PDF. Glyph outlines are not changed by subsetting, so their
            # boxes need no recalculating; recalculating them decodes and re-encodes every glyph used and took
            # three quarters of the time of a one-page Chinese document.
            added.ttfont.recalcBBoxes = False
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(True, margin=14)
        self.set_font(FAMILY, size=10)
        self.set_creator(CREATOR)
        if title:
            self.set_title(title)

    def footer(self):
        if not self.page_numbers:
            return
        self.set_y(-11)
        self.set_font(FAMILY, size=8)
        self.set_text_color(110)
        self.cell(0, 5, f"第 {self.page_no()} / {{nb}} 页", align="C")
        self.set_text_color(0)


def document(*, landscape: bool = False, title: str = "", font: Path = FONT) -> Document:
    """A new document with a first page; `title` is its metadata title (shown by viewers in the window bar)."""
    pdf = Document(landscape=landscape, title=title, font=font)
    pdf.add_page()
    return pdf


def heading(pdf: FPDF, text: str, *, size: float = 16, subtitle: str = "") -> None:
    """A centred title, and a smaller grey line under it (the scope, the date)."""
    pdf.set_font(FAMILY, size=size)
    pdf.multi_cell(0, size * 0.5, text, align="C", new_x="LMARGIN", new_y="NEXT", wrapmode=WrapMode.CHAR)
    if subtitle:
        pdf.ln(1)
        pdf.set_font(FAMILY, size=9)
        pdf.set_text_color(90)
        pdf.multi_cell(0, 5, subtitle, align="C", new_x="LMARGIN", new_y="NEXT", wrapmode=WrapMode.CHAR)
        pdf.set_text_color(0)
    pdf.ln(3)
    pdf.set_font(FAMILY, size=10)


def table(pdf: FPDF, columns: Sequence[tuple[str, float]], rows: Iterable[Sequence], *, font_size: float = 7.5) -> None:
    """A table the width of the page: `columns` are (label, relative width); a red header row repeated on every page;
    a cell too long for its column wraps onto more lines (at any character, so a file name or a hash wraps too)."""
    pdf.set_font(FAMILY, size=font_size)
    with pdf.table(
        col_widths=[width for _label, width in columns],
        width=pdf.epw,
        line_height=font_size * 0.5,
        text_align="LEFT",
        v_align="TOP",
        wrapmode=WrapMode.CHAR,
        padding=(0.8, 1),
        headings_style=FontFace(emphasis="", color=255, fill_color=RED),
        cell_fill_mode=TableCellFillMode.EVEN_ROWS,
        cell_fill_color=STRIPE,
        repeat_headings=1,
    ) as grid:
        header = grid.row()
        for label, _width in columns:
            header.cell(label)
        for values in rows:
            row = grid.row()
            for value in values:
                row.cell(printable(value))
    pdf.set_font(FAMILY, size=10)


def printable(value) -> str:
    """`value` as text without control or invisible formatting characters (a right-to-left override in a title),
    which have no glyph; line breaks are kept."""
    text = "" if value is None else str(value)
    return "".join(char for char in text if char == "\n" or unicodedata.category(char) not in ("Cc", "Cf"))


def as_bytes(pdf: FPDF) -> bytes:
    return bytes(pdf.output())


def narrowed_font(text: str, target: Path) -> Path:
    """A copy of the font with only the characters of `text` (and ASCII), written to `target`.

    Loading the full font takes about 0.2 s; for many small documents whose text is known in advance (demo data),
    narrow it once and pass the copy to document(font=...)."""
    font = TTFont(FONT, recalcTimestamp=False)
    options = subset.Options()
    options.hinting = False
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    punctuation = [*range(0x20, 0x7F), *range(0xA0, 0x100), *range(0x2000, 0x2070), *range(0x3000, 0x3040)]
    subsetter.populate(text=text + "第页", unicodes=[*punctuation, *range(0xFF00, 0xFF66)])
    subsetter.subset(font)
    font.save(target)
    return target
