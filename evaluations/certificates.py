"""The plaque certificate (授牌证书) of a named demonstration site: one A4 landscape page per site, in Party red and
gold, drawn in vectors with the vendored Chinese font (core.pdf), so it prints the same on any machine.

Pure: callers pass plain values (CertificateFacts), so a batch's certificates and a single site's come from the same
function and tests need no database.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from fpdf.enums import TextMode

from core import pdf

# Used when the caller has no configured issuer: a placeholder that says where the city's name goes.
ISSUER = "中共××市委组织部"
DEFAULT_TITLE = "基层党建示范点授牌证书"

RED = pdf.RED  # #C8161D
GOLD = (212, 160, 23)  # #D4A017
PAPER = (255, 251, 242)
INK = (51, 37, 30)
MUTED = (110, 90, 80)
PAGE_W, PAGE_H = 297, 210
PT = 25.4 / 72  # mm per point

# The body's box: wide enough for about thirty characters a line at the largest size, and never crossed, whatever
# the names' length (the font shrinks first, then lines wrap at any character).
BODY_X, BODY_Y, BODY_W, BODY_H = 36, 90, PAGE_W - 72, 58
BODY_SIZES = (20, 18, 16, 14, 13, 12, 11, 10)
LEADING = 1.75  # line height as a multiple of the font size


@dataclass(frozen=True)
class CertificateFacts:
    """What one certificate says: who was named, in which batch and domain, under what number, by whom."""

    site_name: str
    organization_name: str
    domain_label: str  # e.g. 农村（村）
    batch_name: str  # e.g. 2026年第一批
    named_on: date
    number: str  # e.g. SFD-2026-001
    issuer: str = ISSUER


def chinese_date(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def certificate_pdf(certificates: Sequence[CertificateFacts], *, title: str = "", seal: bool = True) -> bytes:
    """One A4 landscape page per certificate, in the order given; `title` is the PDF's metadata title (by default the
    site's name for a single certificate). `seal` draws the issuer's seal as a red outline over the issuer's line;
    turn it off when the paper is to be stamped by hand."""
    if not certificates:
        raise ValueError("certificate_pdf needs at least one certificate")
    if not title and len(certificates) == 1:
        title = f"{pdf.printable(certificates[0].site_name)}{DEFAULT_TITLE}"
    document = pdf.Document(landscape=True, title=title or DEFAULT_TITLE, page_numbers=False)
    document.set_auto_page_break(False)
    document.set_margins(0, 0, 0)
    for facts in certificates:
        document.add_page()
        _page(document, facts, seal=seal)
    return pdf.as_bytes(document)


def _page(document: pdf.Document, facts: CertificateFacts, *, seal: bool) -> None:
    _frame(document)
    _heading(document)
    _body(document, facts)
    _particulars(document, facts)
    _signature(document, facts, seal=seal)


def _frame(document: pdf.Document) -> None:
    """A red band round the page, a gold double rule inside it and gold corner pieces."""
    document.set_fill_color(*RED)
    document.rect(0, 0, PAGE_W, PAGE_H, style="F")
    document.set_fill_color(*PAPER)
    document.rect(8, 8, PAGE_W - 16, PAGE_H - 16, style="F")
    document.set_draw_color(*GOLD)
    document.set_line_width(1.2)
    document.rect(13, 13, PAGE_W - 26, PAGE_H - 26)
    document.set_line_width(0.35)
    document.rect(15.5, 15.5, PAGE_W - 31, PAGE_H - 31)
    document.set_fill_color(*GOLD)
    for x, dx in ((15.5, 1), (PAGE_W - 15.5, -1)):
        for y, dy in ((15.5, 1), (PAGE_H - 15.5, -1)):
            # An L-shaped bracket and a diamond in each corner.
            document.set_line_width(0.8)
            document.line(x + dx * 4, y + dy * 4, x + dx * 26, y + dy * 4)
            document.line(x + dx * 4, y + dy * 4, x + dx * 4, y + dy * 26)
            _diamond(document, x + dx * 9, y + dy * 9, 3)


def _diamond(document: pdf.Document, x: float, y: float, half: float) -> None:
    document.polygon([(x, y - half), (x + half, y), (x, y + half), (x - half, y)], style="F")


def _heading(document: pdf.Document) -> None:
    _centred(document, "基层党建示范点", y=30, size=20, color=GOLD, spacing=6)
    _centred(document, "授牌证书", y=42, size=46, color=RED, spacing=14, bold=True)
    # A gold rule with a diamond at its middle.
    document.set_draw_color(*GOLD)
    document.set_fill_color(*GOLD)
    middle, y = PAGE_W / 2, 76
    document.set_line_width(0.6)
    document.line(middle - 62, y, middle - 6, y)
    document.line(middle + 6, y, middle + 62, y)
    document.set_line_width(0.25)
    document.line(middle - 50, y + 1.6, middle - 6, y + 1.6)
    document.line(middle + 6, y + 1.6, middle + 50, y + 1.6)
    _diamond(document, middle, y + 0.8, 2.6)


def _centred(
    document: pdf.Document, text: str, *, y: float, size: float, color, spacing: float = 0, bold: bool = False
) -> None:
    """One line centred on the page, with `spacing` points between characters (the last one's not counted)."""
    document.set_font(pdf.FAMILY, size=size)
    document.set_char_spacing(spacing)
    width = document.get_string_width(text) - spacing * PT
    document.set_text_color(*color)
    x = (PAGE_W - width) / 2
    if bold:
        # The vendored font has one weight: the glyphs' outlines stroked in their own colour make them heavier.
        with document.local_context(text_mode=TextMode.FILL_STROKE, line_width=0.45, draw_color=color):
            document.text(x, y + size * PT, text)
    else:
        document.text(x, y + size * PT, text)
    document.set_char_spacing(0)


def _body(document: pdf.Document, facts: CertificateFacts) -> None:
    """The salutation and the citation, at the largest size at which they fit the body's box, centred in it."""
    salutation = f"{pdf.printable(facts.organization_name)}（{pdf.printable(facts.site_name)}）："
    # The batch is among the particulars at the foot: in the citation it would push the sentence onto a second line.
    citation = f"\u3000\u3000经考评验收，被命名为{facts.named_on.year}年度基层党建示范点。"
    closing = "\u3000\u3000特发此证，以资鼓励。"
    for size in BODY_SIZES:
        document.set_font(pdf.FAMILY, size=size)
        line_height = size * PT * LEADING
        lines = [line for paragraph in (salutation, citation, closing) for line in wrap(document, paragraph, BODY_W)]
        if len(lines) * line_height <= BODY_H:
            break
    else:
        # Longer than the models allow (two names of 200 characters fit at the smallest size): cut rather than
        # write over the frame.
        fitting = int(BODY_H // line_height)
        lines = [*lines[: fitting - 1], lines[fitting - 1][:-1] + "…"]
    document.set_text_color(*INK)
    # Baselines sit about a third of the leading below the top of each line, which centres the glyphs in it.
    top = BODY_Y + (BODY_H - len(lines) * line_height) / 2
    for index, line in enumerate(lines):
        document.text(BODY_X, top + index * line_height + line_height / 2 + size * PT * 0.36, line)


# Chinese line-breaking rules (避头尾): no closing punctuation at the start of a line, no opening one at its end.
NO_LINE_START = frozenset("，。、；：！？）》」』〕】”’…—·％,.;:!?)]}%")
NO_LINE_END = frozenset("（《「『〔【“‘([{")


def wrap(document: pdf.Document, text: str, width: float) -> list[str]:
    """`text` in lines at most `width` wide in the current font, broken between any two characters (Chinese has no
    spaces) except where the line-breaking rules forbid it."""
    lines, line = [], ""
    for char in text:
        if line and document.get_string_width(line + char) > width:
            head = char
            while len(line) > 1 and (head[0] in NO_LINE_START or line[-1] in NO_LINE_END):
                line, head = line[:-1], line[-1] + head
            lines.append(line)
            line = head
        else:
            line += char
    return [*lines, line] if line else lines


def _particulars(document: pdf.Document, facts: CertificateFacts) -> None:
    """Number, domain and batch at the foot on the left, where a registry clerk looks for them."""
    rows = [
        f"证书编号：{pdf.printable(facts.number)}",
        f"领\u3000\u3000域：{pdf.printable(facts.domain_label)}",
        f"批\u3000\u3000次：{pdf.printable(facts.batch_name)}",
    ]
    # One size for the three, up to the issuer's column: a batch name of 50 characters (the most it may have) fits
    # at the smallest size.
    size = min(_shrink_to(document, row, 130, size=11, smallest=6) for row in rows)
    document.set_font(pdf.FAMILY, size=size)
    document.set_text_color(*MUTED)
    for index, row in enumerate(rows):
        document.text(BODY_X, 160 + index * 7.5, row)


def _signature(document: pdf.Document, facts: CertificateFacts, *, seal: bool) -> None:
    """The issuer and the date, right of centre at the foot, over the seal: the seal is drawn first, so the black
    text stays legible where they cross, as a stamp on a printed name does."""
    issuer = pdf.printable(facts.issuer)
    centre_x, centre_y = 214, 163
    if seal:
        _seal(document, issuer, centre_x, centre_y)
    document.set_text_color(*INK)
    size = _shrink_to(document, issuer, 84, size=16, smallest=8)
    document.text(centre_x - document.get_string_width(issuer) / 2, centre_y + size * PT * 0.36, issuer)
    day = chinese_date(facts.named_on)
    document.set_font(pdf.FAMILY, size=15)
    document.text(centre_x - document.get_string_width(day) / 2, centre_y + 14, day)


def _shrink_to(document: pdf.Document, text: str, width: float, *, size: float, smallest: float) -> float:
    """Sets the largest font size not above `size` at which `text` is at most `width` wide (down to `smallest`)."""
    while True:
        document.set_font(pdf.FAMILY, size=size)
        if size <= smallest or document.get_string_width(text) <= width:
            return size
        size -= 0.5


def _seal(document: pdf.Document, issuer: str, x: float, y: float) -> None:
    """A round red seal: a double ring, a five-pointed star, and the issuer's name along the upper arc."""
    radius = 21
    chars = list(issuer)[:18]
    size = 12 if len(chars) <= 10 else 10 if len(chars) <= 14 else 8.5
    text_radius = radius - 2.6 - size * PT * 0.55
    # A little air between characters; a short name keeps to the top of the ring, clear of the issuer's line across
    # the middle, a long one goes further round.
    step = math.degrees((size * PT + 1.2) / text_radius)
    span = min(250, step * (len(chars) - 1))
    with document.local_context(
        draw_color=RED,
        fill_color=RED,
        text_color=RED,
        stroke_opacity=0.85,
        fill_opacity=0.85,
        text_mode=TextMode.FILL_STROKE,
    ):
        document.set_line_width(1.2)
        document.circle(x, y, radius)
        document.set_line_width(0.3)
        document.circle(x, y, radius - 1.5)
        document.star(x, y, 2.3, 5.8, 5, rotate_degrees=-90, style="F")
        document.set_font(pdf.FAMILY, size=size)
        document.set_line_width(0.15)
        for index, char in enumerate(chars):
            # Evenly over the upper arc, left to right, each character upright to the ring.
            angle = 90 + span / 2 - (span * index / (len(chars) - 1) if len(chars) > 1 else 0)
            cx = x + text_radius * math.cos(math.radians(angle))
            cy = y - text_radius * math.sin(math.radians(angle))
            with document.rotation(angle - 90, cx, cy):
                document.text(cx - document.get_string_width(char) / 2, cy + size * PT * 0.36, char)
