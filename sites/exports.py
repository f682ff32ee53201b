"""Excel files of sites: the filtered list (streamed from a temporary file) and the import template."""

import re
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
from .selectors import import_example_organization

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_COLUMNS = [
    ("名称", 30),
    ("编号", 9),
    ("党组织", 30),
    ("领域", 12),
    ("区县", 10),
    ("所在区划", 30),
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
# Every phone column of the import: each is checked by the product's one phone rule (accounts.validators).
PHONE_COLUMNS = ("书记电话", "联系电话")


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
                site.code,
                site.organization.name,
                str(Domain(site.domain).label),
                districts.get(district_id, ""),
                str(site.region),  # the path: three 杨柳村 are told apart
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


def import_template_response(user) -> HttpResponse:
    """The import template for `user`: drop-down lists for 领域, 级别 and 状态, and an example row made from the
    database so that it imports as it stands for them (an organization in their scope with no site this year)."""
    year = timezone.localdate().year
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "示范点"
    excel.header(sheet, IMPORT_COLUMNS)
    organization = import_example_organization(user, year)
    if organization is not None:
        example = {
            "示范点名称": re.sub(r"(联合党支部|党支部|党总支|党委|党工委)$", "", organization.name) + "党建示范点",
            "党组织": organization.name,
            "所在区划": organization.region.label,
            "领域": str(Domain(organization.domain).label),
            "级别": str(SiteLevel.CITY.label),
            "推荐年度": year,
            "状态": str(SiteState.NOMINATED.label),
            "党组织书记": organization.secretary,
        }
        excel.append(sheet, [example.get(label, "") for label, _width in IMPORT_COLUMNS])
    columns = [label for label, _width in IMPORT_COLUMNS]
    for title, choices in (("领域", Domain), ("级别", SiteLevel), ("状态", SiteState)):
        excel.choice_list(workbook, sheet, column=columns.index(title) + 1, options=choices.labels, title=title)
    notes = workbook.create_sheet("填写说明", index=1)
    notes.column_dimensions["A"].width = 110
    if organization is not None:
        first = (
            f"每行一个示范点。第 2 行是示例，取自您数据范围内 {year} 年尚未推荐的党组织“{organization}”，"
            "可以直接导入；不需要时请删除。"
        )
    else:
        first = f"每行一个示范点。您数据范围内的党组织 {year} 年都已推荐，所以模板中没有示例行。"
    for line in [
        first,
        "党组织：须与系统中的党组织名称完全一致；只能导入您数据范围内的党组织。",
        "所在区划：党组织所在的区划路径，如“临江区 · 石门镇 · 杨柳村”（也可用“/”或“-”分隔），"
        "或只填最后一级名称（如“杨柳村”，不重名时可用）。同名党组织（如几个“杨柳村党支部”）靠它区分。",
        "领域：从下拉列表选择（须与党组织的领域一致）：" + "、".join(str(label) for label in Domain.labels) + "。",
        "级别：从下拉列表选择：" + "、".join(str(label) for label in SiteLevel.labels) + "。",
        "状态：留空为“已推荐”；可选 " + "、".join(str(label) for label in SiteState.labels) + "。",
        "电话：11 位手机号，或带区号的固定电话（如 0571-87654321，分机加“-8001”）。",
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
