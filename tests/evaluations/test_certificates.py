"""Plaque certificates (授牌证书): one A4 landscape page per site, names readable as text, nothing over the frame."""

import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser

import pytest

from core import pdf
from evaluations.certificates import ISSUER, CertificateFacts, certificate_pdf, chinese_date, wrap

POPPLER = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdfinfo")),
    reason="poppler-utils (pdftotext, pdfinfo) reads the certificates' text back: apt-get install poppler-utils",
)
A4_LANDSCAPE = (841.89, 595.28)  # points
FRAME = 15.5 * 72 / 25.4  # the gold inner rule's distance from the page's edge, in points
SIXTY = (
    "临江区石门镇杨柳村党群服务中心暨乡村振兴产业党建联盟基层党建示范点"
    "北片区党员教育实践基地第一网格党小组暨红色文化传承阵地"
)


def facts(site_name="杨柳村党建示范点", **changes) -> CertificateFacts:
    values = {
        "site_name": site_name,
        "organization_name": "中共石门镇杨柳村委员会",
        "domain_label": "农村（村）",
        "batch_name": "2026年第一批",
        "named_on": date(2026, 11, 24),
        "number": "SFD-2026-001",
    }
    return CertificateFacts(**(values | changes))


def pages_of(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", data))


def page_sizes(data: bytes) -> set[tuple[float, float]]:
    boxes = re.findall(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    return {(round(float(width), 2), round(float(height), 2)) for width, height in boxes}


def text_of(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


class Words(HTMLParser):
    """The words of `pdftotext -bbox` with their boxes, in points from the page's top left."""

    def __init__(self):
        super().__init__()
        self.boxes = []

    def handle_starttag(self, tag, attrs):
        if tag == "word":
            box = dict(attrs)
            self.boxes.append(tuple(float(box[key]) for key in ("xmin", "ymin", "xmax", "ymax")))


def word_boxes(data: bytes) -> list[tuple[float, float, float, float]]:
    html = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=data, capture_output=True, check=True).stdout
    words = Words()
    words.feed(html.decode())
    return words.boxes


def test_one_certificate_is_one_a4_landscape_page():
    data = certificate_pdf([facts()])
    assert data.startswith(b"%PDF-")
    assert pages_of(data) == 1
    assert page_sizes(data) == {A4_LANDSCAPE}
    assert re.search(rb"/BaseFont /[A-Z]{6}\+NotoSansSC", data)  # the vendored font, subset


def test_a_batch_has_one_page_per_site():
    data = certificate_pdf([facts(f"第{n}示范点", number=f"SFD-2026-00{n}") for n in (1, 2, 3)])
    assert pages_of(data) == 3
    assert page_sizes(data) == {A4_LANDSCAPE}


def test_sixty_character_names_still_give_one_page_per_certificate():
    assert len(SIXTY) == 60
    data = certificate_pdf([facts(SIXTY), facts(SIXTY, organization_name=SIXTY), facts()])
    assert pages_of(data) == 3


def test_no_certificates_is_an_error():
    with pytest.raises(ValueError, match="at least one"):
        certificate_pdf([])


def test_the_issuer_defaults_to_a_placeholder_the_caller_replaces():
    assert facts().issuer == ISSUER == "中共××市委组织部"
    assert facts(issuer="中共临江市委组织部").issuer == "中共临江市委组织部"


def test_dates_are_written_the_chinese_way():
    assert chinese_date(date(2026, 11, 24)) == "2026年11月24日"
    assert chinese_date(date(2027, 1, 5)) == "2027年1月5日"


def test_lines_never_start_with_closing_punctuation_nor_end_with_an_opening_one():
    document = pdf.Document(page_numbers=False)
    document.set_font(pdf.FAMILY, size=20)
    em = document.get_string_width("党")
    text = "中共石门镇杨柳村委员会（杨柳村党建示范点）：" * 4
    for width in (em * n + 0.01 for n in range(3, 30)):
        lines = wrap(document, text, width)
        assert "".join(lines) == text
        assert all(document.get_string_width(line) <= width for line in lines)
        assert not any(line[0] in "）：，。" for line in lines[1:])
        assert not any(line[-1] == "（" for line in lines[:-1])


@POPPLER
def test_a_certificate_says_who_was_named_in_which_batch_by_whom_and_when():
    data = certificate_pdf([facts(issuer="中共临江市委组织部")])
    text = flat(text_of(data))
    for expected in (
        "中共石门镇杨柳村委员会（杨柳村党建示范点）：",
        "经考评验收，被命名为2026年度基层党建示范点。",
        "特发此证，以资鼓励。",
        "授牌证书",
        "SFD-2026-001",
        "农村（村）",
        "2026年第一批",
        "中共临江市委组织部",
        "2026年11月24日",
    ):
        assert expected in text
    assert "页" not in text  # no "第 1 / 1 页" footer on a certificate


@POPPLER
def test_each_page_of_a_batch_names_its_own_site():
    sites = ["甲村示范点", "乙社区示范点", "丙学校示范点"]
    data = certificate_pdf([facts(name, number=f"SFD-2026-00{n}") for n, name in enumerate(sites, 1)])
    pages = [flat(page) for page in text_of(data).split("\f") if page.strip()]
    assert len(pages) == 3
    for n, (page, name) in enumerate(zip(pages, sites, strict=True), 1):
        assert name in page and f"SFD-2026-00{n}" in page
        assert not any(other in page for other in sites if other != name)


@POPPLER
def test_a_sixty_character_name_is_all_there_and_inside_the_frame():
    data = certificate_pdf([facts(SIXTY, organization_name=SIXTY, batch_name="2026年第一批（补充命名）" * 2)])
    assert pages_of(data) == 1
    text = flat(text_of(data))
    assert SIXTY in text and "特发此证，以资鼓励。" in text  # shrunk and wrapped, not cut
    boxes = word_boxes(data)
    width, height = A4_LANDSCAPE
    assert boxes
    for xmin, ymin, xmax, ymax in boxes:
        assert FRAME < xmin < xmax < width - FRAME
        assert FRAME < ymin < ymax < height - FRAME


@POPPLER
def test_the_title_is_in_the_metadata():
    def title(data):
        info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
        return re.search(r"^Title:\s*(.*)$", info, re.MULTILINE).group(1)

    assert title(certificate_pdf([facts()])) == "杨柳村党建示范点基层党建示范点授牌证书"
    batch = [facts(), replace(facts(), site_name="乙社区示范点")]
    assert title(certificate_pdf(batch)) == "基层党建示范点授牌证书"
    assert title(certificate_pdf(batch, title="2026年第一批授牌证书")) == "2026年第一批授牌证书"
