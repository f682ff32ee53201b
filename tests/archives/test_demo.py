"""Demo materials look like what sites upload: a one-page creation plan in Chinese, a Word file with text."""

import re
import shutil
import subprocess
import zipfile
from io import BytesIO
from xml.etree import ElementTree

from archives import demo
from archives.validation import validate
from tests.factories import SiteFactory

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def test_the_demo_creation_plan_is_one_page_of_chinese_text(db):
    site = SiteFactory(name="杨柳村党建示范点")
    data = demo._pdf(site)
    assert validate(BytesIO(data)).code == "pdf"
    assert len(re.findall(rb"/Type /Page\b(?!s)", data)) == 1
    assert re.search(rb"/BaseFont /[A-Z]{6}\+NotoSansSC", data)
    assert len(data) > 5_000  # real page content, not an empty shell
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
        flat = re.sub(r"\s+", "", text)
        assert "杨柳村党建示范点创建工作方案" in flat and "六个有" in flat and "五个一" in flat


def test_the_demo_word_file_is_a_valid_document_with_a_paragraph_of_text(db):
    site = SiteFactory(name="杨柳村党建示范点")
    data = demo._docx(site)
    assert validate(BytesIO(data)).code == "docx"
    with zipfile.ZipFile(BytesIO(data)) as package:
        types = ElementTree.fromstring(package.read("[Content_Types].xml"))  # noqa: S314 (our own bytes)
        relationships = ElementTree.fromstring(package.read("_rels/.rels"))  # noqa: S314
        document = ElementTree.fromstring(package.read("word/document.xml"))  # noqa: S314
    overrides = {item.get("PartName"): item.get("ContentType") for item in types if item.tag.endswith("Override")}
    assert overrides["/word/document.xml"].endswith("wordprocessingml.document.main+xml")
    assert [item.get("Target") for item in relationships] == ["word/document.xml"]
    paragraphs = ["".join(t.text for t in p.iter(f"{W}t")) for p in document.find(f"{W}body").iter(f"{W}p")]
    assert paragraphs[0] == "杨柳村党建示范点党组织架构与制度"
    assert "三会一课" in paragraphs[1] and len(paragraphs[1]) > 50


def test_a_narrowed_font_makes_the_same_plan(db, tmp_path):
    from core import pdf

    site = SiteFactory(name="杨柳村党建示范点")
    font = pdf.narrowed_font("".join(demo.PLAN) + site.name + site.organization.name, tmp_path / "f.ttf")
    data = demo._pdf(site, font)
    assert len(re.findall(rb"/Type /Page\b(?!s)", data)) == 1
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
        assert "杨柳村党建示范点创建工作方案" in re.sub(r"\s+", "", text)
