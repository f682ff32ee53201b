"""Demo data of archives: a few real (small) documents and photos for most sites, some already reviewed.

The creation plans are one-page PDFs of real-looking Chinese text made with core.pdf, the structure documents
minimal but valid Word files: opened from the archive page, they look like what sites upload.
"""

import random
import tempfile
import zipfile
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from core import pdf
from sites.models import Site
from standards.selectors import current_evaluation_standard

from . import services
from .models import Material

PLAN = [
    "一、总体目标。对照“十有”标准，用一年左右时间，把{site}建设成为领导班子坚强有力、党员队伍素质优良、"
    "阵地建设规范达标、党建品牌特色鲜明、工作实绩群众公认的基层党建示范点，发挥示范引领作用。",
    "二、组织领导。成立由党组织书记任组长、班子成员为副组长、各支部（小组）负责人为成员的创建工作小组，"
    "明确一名联络员负责日常联系和材料报送，每月召开一次创建推进会，研究解决创建中遇到的困难和问题。",
    "三、阵地建设。按照“六个有”要求，完善党员活动室功能：设置醒目的标识牌，悬挂党旗、入党誓词、"
    "党员权利义务和党组织架构图，党的基本制度上墙，党建资料和报刊书籍分类专柜放置，设立公示公开栏和学习园地，"
    "配齐桌椅、电教设备和投影仪。",
    "四、展示提升。落实“五个一”要求，营造浓厚的党建氛围，设计一条合理的观摩线路，培养一支专门的解说队伍，"
    "健全一套真实全面规范的党建工作档案，形成一份详实的工作经验材料。",
    "五、进度安排。一季度完成方案制定和动员部署；二、三季度集中推进阵地建设和品牌培育，每月报送进展情况表；"
    "四季度对照评分细则开展自查，查漏补缺，迎接市委组织部考评验收。",
    "六、工作要求。各支部要高度重视，把创建工作与中心工作结合起来，做到资料真实、过程留痕、成效可见，"
    "坚决杜绝弄虚作假，确保创建工作取得实效。",
]
STRUCTURE = (
    "{site}党组织架构与制度：党组织设书记一名、委员若干名，下设党小组；严格落实“三会一课”、主题党日、"
    "组织生活会、民主评议党员等制度，党员活动室制度上墙，党建资料分类归档。"
)
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
PACKAGE_RELATIONSHIPS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/>'
    "</Relationships>"
)
DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    '<w:p><w:pPr><w:jc w:val="center"/></w:pPr>'
    '<w:r><w:rPr><w:b/><w:sz w:val="32"/></w:rPr><w:t>{title}</w:t></w:r></w:p>'
    "<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"
    "</w:body></w:document>"
)


def add_arguments(parser):
    parser.add_argument("--without-materials", action="store_true", help="不生成演示材料（测试用，更快）")


def seed(options, stdout):
    if options.get("without_materials"):
        return
    if Material.objects.exists():
        stdout.write(f"archives: {Material.objects.count()} 份材料（已存在）")
        return
    User = get_user_model()
    staff = User.objects.filter(username="staff").first()
    standard = current_evaluation_standard()
    items = {item.code: item for item in standard.items.all()} if standard else {}
    rng = random.Random(6)
    sites = list(Site.objects.exclude(state__in=["not_passed"]).select_related("organization").order_by("id")[:150])
    with tempfile.TemporaryDirectory() as folder:
        # Loading the full font for each of 150 PDFs would take half a minute: one narrowed copy serves them all.
        names = "".join(f"{site.name}{site.organization.name}" for site in sites)
        font = pdf.narrowed_font("".join(PLAN) + names + "创建工作方案年0123456789", Path(folder) / "demo.ttf")
        for site in sites:
            _seed_site(site, staff, items, rng, font)
    stdout.write(f"archives: {Material.objects.count()} 份材料")


def _seed_site(site, staff, items, rng, font):
    uploader = next((m.user for m in site.group_members.all() if m.user_id), staff)
    for category, name, content, codes in _materials(site, rng, font):
        result = services.material_upload(
            site=site,
            by=uploader,
            category=category,
            year=site.nomination_year,
            files=[SimpleUploadedFile(name, content)],
            items=[items[c] for c in codes if c in items],
        )
        for material in result.materials:
            if site.state in ("formal", "improving") or rng.random() < 0.4:
                services.material_review(material=material, by=staff, accept=True)
            elif rng.random() < 0.15:
                services.material_review(material=material, by=staff, accept=False, reason="请补充盖章页后重新上传")


def _materials(site, rng, font=pdf.FONT):
    yield "creation_plan", f"{site.name}创建工作方案.pdf", _pdf(site, font), ["SY-01", "SY-09"]
    yield "structure", "党组织架构与制度.docx", _docx(site), ["SY-01", "LGY-02", "LGY-03"]
    yield "activity_photos", "党员活动室.jpg", _photo(rng, "党员活动室"), ["SY-02", "LGY-06"]
    if rng.random() < 0.6:
        yield "activity_photos", "主题党日活动.jpg", _photo(rng, "主题党日"), ["SY-04"]


def _pdf(site, font=pdf.FONT) -> bytes:
    """The site's creation plan: one A4 page, a title with its name, numbered paragraphs."""
    title = f"{site.name}创建工作方案"
    document = pdf.document(title=title, font=font)
    pdf.heading(document, title, subtitle=f"{site.organization.name} · {site.nomination_year}年")
    document.set_font(pdf.FAMILY, size=11)
    for paragraph in PLAN:
        document.multi_cell(0, 7, paragraph.format(site=site.name), new_x="LMARGIN", new_y="NEXT", wrapmode="CHAR")
        document.ln(2)
    return pdf.as_bytes(document)


def _docx(site) -> bytes:
    """A minimal valid Word document: the package's content types and relationship, one title, one paragraph."""
    body = DOCUMENT.format(title=escape(f"{site.name}党组织架构与制度"), text=escape(STRUCTURE.format(site=site.name)))
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELATIONSHIPS)
        archive.writestr("word/document.xml", body)
    return buffer.getvalue()


def _photo(rng, caption) -> bytes:
    image = Image.new("RGB", (640, 480), (rng.randint(150, 220), rng.randint(20, 60), rng.randint(20, 60)))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 360, 600, 440), fill=(212, 160, 23))
    draw.text((60, 390), caption.encode("ascii", "ignore").decode() or "photo", fill=(255, 255, 255))
    buffer = BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()
