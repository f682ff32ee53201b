"""Excel files of sites: the filtered list (streamed from a temporary file) and the import template."""

import tempfile
from io import BytesIO

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from openpyxl import Workbook

from accounts.choices import Domain
from accounts.models import Region
from core import excel
from core.files import content_disposition

from .choices import SiteLevel, SiteState

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_COLUMNS = [
    ("名称", 30),
    ("党组织", 30),
    ("领域", 12),
    ("区县", 10),
    ("所在区划", 14),
    ("级别", 8),
    ("推荐年度", 9),
    ("状态", 10),
    ("授牌批次", 14),
    ("党建品牌", 20),
    ("党组织书记", 10),
    ("联系电话", 14),
    ("督查指导员", 16),
]
IMPORT_COLUMNS = [
    ("示范点名称", 30),
    ("党组织", 30),
    ("所在区划", 14),
    ("领域", 12),
    ("级别", 8),
    ("推荐年度", 9),
    ("状态", 10),
    ("党组织书记", 10),
    ("书记电话", 14),
    ("联系人", 10),
    ("联系电话", 14),
    ("地址", 24),
    ("党建品牌", 20),
    ("特色亮点", 30),
]


def sites_response(queryset) -> FileResponse:
    """The sites of `queryset` as a workbook. openpyxl's write-only mode keeps memory flat; the file is
    written to disk and streamed from there, so a 10,000-row export does not sit in memory."""
    districts = {str(r.pk): r.name for r in Region.objects.filter(depth=1)}
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("示范点")
    excel.header(sheet, LIST_COLUMNS)
    for site in queryset.iterator(chunk_size=2000):
        district_id = site.region.path.strip("/").split("/")[1] if site.region.depth >= 1 else ""
        excel.append(
            sheet,
            [
                site.name,
                site.organization.name,
                str(Domain(site.domain).label),
                districts.get(district_id, ""),
                site.region.name,
                str(SiteLevel(site.level).label),
                site.nomination_year,
                str(SiteState(site.state).label),
                site.batch.name if site.batch else "",
                site.brand_name,
                site.secretary_name,
                site.contact_phone,
                "、".join(user.get_full_name() for user in site.instructors.all()),
            ],
        )
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after streaming
    workbook.save(handle)
    handle.seek(0)
    name = f"示范点名单-{timezone.localdate():%Y%m%d}.xlsx"
    response = FileResponse(handle, content_type=XLSX)
    response["Content-Disposition"] = content_disposition(
        name, as_attachment=True, fallback=f"sites-{timezone.localdate():%Y%m%d}"
    )
    return response


def import_template_response() -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("示范点")
    excel.header(sheet, IMPORT_COLUMNS)
    example = ["杨柳村党建示范点", "杨柳村党支部", "杨柳村", "农村（村）", "市级", timezone.localdate().year, "已推荐"]
    example += ["张三", "13800000000", "李四", "13900000000", "石门镇杨柳村村委会", "红色杨柳"]
    example += ["“党支部+合作社”带动增收"]
    excel.append(sheet, example)
    notes = workbook.create_sheet("填写说明")
    for line in [
        "每行一个示范点；第一行是示例，导入前请删除或改写。",
        "党组织：须与系统中的党组织名称完全一致；重名时填写“所在区划”（党组织所在的镇街或村社区名称）。",
        "领域：" + "、".join(str(label) for label in Domain.labels) + "（须与党组织的领域一致）。",
        "级别：" + "、".join(str(label) for label in SiteLevel.labels) + "。",
        "状态：留空为“已推荐”；可填 " + "、".join(str(label) for label in SiteState.labels) + "。",
        "同一党组织同一年度只能有一个示范点；导入时发现任何错误都不会导入。",
    ]:
        excel.append(notes, [line])
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition(
        "示范点导入模板.xlsx", as_attachment=True, fallback="site-import-template"
    )
    return response
