"""Demo data of archives: a few real (small) documents and photos for most sites, some already reviewed."""

import random
import zipfile
from io import BytesIO

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from sites.models import Site
from standards.selectors import current_evaluation_standard

from . import services
from .models import Material

DOCX_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


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
    for site in sites:
        uploader = next((m.user for m in site.group_members.all() if m.user_id), staff)
        for category, name, content, codes in _materials(site, rng):
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
    stdout.write(f"archives: {Material.objects.count()} 份材料")


def _materials(site, rng):
    yield "creation_plan", f"{site.name}创建工作方案.pdf", _pdf(), ["SY-01", "SY-09"]
    yield "structure", "党组织架构与制度.docx", _docx(), ["SY-01", "LGY-02", "LGY-03"]
    yield "activity_photos", "党员活动室.jpg", _photo(rng, "党员活动室"), ["SY-02", "LGY-06"]
    if rng.random() < 0.6:
        yield "activity_photos", "主题党日活动.jpg", _photo(rng, "主题党日"), ["SY-04"]


def _pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _docx() -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", DOCX_TYPES)
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _photo(rng, caption) -> bytes:
    image = Image.new("RGB", (640, 480), (rng.randint(150, 220), rng.randint(20, 60), rng.randint(20, 60)))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 360, 600, 440), fill=(212, 160, 23))
    draw.text((60, 390), caption.encode("ascii", "ignore").decode() or "photo", fill=(255, 255, 255))
    buffer = BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()
