"""Excel files of sites: the filtered list (streamed from a temporary file) and the import template."""

import re
import tempfile
from io import BytesIO

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from accounts.choices import Domain
from accounts.models import Region
from core import excel
from core.files import content_disposition

from .choices import SiteLevel, SiteState
from .models import Site
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


# What write_site_list reads of each site, in one query with the joined columns (no model instances).
ROW_FIELDS = (
    "pk",
    "name",
    "organization__name",
    "domain",
    "region__path",
    "region__label",
    "region__name",
    "level",
    "nomination_year",
    "state",
    "batch__name",
    "brand_name",
    "secretary_name",
    "contact_phone",
)
CHUNK = 2000
PROGRESS_EVERY = 1000


def instructor_names(queryset) -> dict[int, str]:
    """{site id: "张三、李四"} for the sites of `queryset` that have instructors, from the through table in one
    query (names in the order of the users' usernames, as site.instructors.all() lists them)."""
    through = Site.instructors.through.objects.filter(site__in=queryset.order_by().values("pk"))
    names: dict[int, list[str]] = {}
    for site_id, full_name, username in through.order_by("site_id", "user__username").values_list(
        "site_id", "user__full_name", "user__username"
    ):
        names.setdefault(site_id, []).append(full_name or username)
    return {site_id: "、".join(people) for site_id, people in names.items()}


def write_site_list(queryset, file, *, progress=None) -> int:
    """Write the sites of `queryset` (any Site queryset: the list's filtered one) as the site list workbook into
    `file` (a binary file object), in the queryset's order. Returns the number of rows written.

    Rows come from `values_list` with the joined columns, read in chunks of CHUNK (`.iterator`), and go to an
    openpyxl write-only sheet as plain values; only text a spreadsheet would take for a formula is wrapped (core
    excel.safe_row). Instructors come from one more query. `progress(done, total)`, when given, is called every
    PROGRESS_EVERY rows and at the end (the background job's progress bar; `total` is counted first then)."""
    total = queryset.count() if progress is not None else 0
    districts = dict(Region.objects.filter(depth=1).order_by().values_list("path", "name"))
    instructors = instructor_names(queryset)
    domains = {code: str(label) for code, label in Domain.choices}
    levels = {code: str(label) for code, label in SiteLevel.choices}
    states = {code: str(label) for code, label in SiteState.choices}
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("示范点")
    excel.header(sheet, LIST_COLUMNS)
    append, safe_row = sheet.append, excel.safe_row
    done = 0
    rows = queryset.values_list(*ROW_FIELDS).iterator(chunk_size=CHUNK)
    for (
        pk,
        name,
        organization,
        domain,
        path,
        label,
        region_name,
        level,
        year,
        state,
        batch,
        brand,
        secretary,
        phone,
    ) in rows:
        # A district-level node's path is its first two ids ("/1/4/"); the city itself is in no district.
        # Blank text is written as no cell at all (None), as openpyxl does fastest; the file reads the same.
        append(
            safe_row(
                sheet,
                (
                    name,
                    f"S{pk:05d}",  # Site.code
                    organization,
                    domains.get(domain, domain),
                    districts.get(path[: path.find("/", path.find("/", 1) + 1) + 1]),
                    label or region_name,  # the path: three 杨柳村 are told apart
                    levels.get(level, level),
                    year,
                    states.get(state, state),
                    batch,
                    brand or None,
                    secretary or None,
                    phone or None,
                    instructors.get(pk),
                ),
            )
        )
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
    workbook.save(file)
    if progress is not None:
        progress(done, max(total, done))
    return done


def file_name() -> str:
    return f"示范点名单-{timezone.localdate():%Y%m%d}.xlsx"


def sites_response(queryset) -> FileResponse:
    """The sites of `queryset` as a workbook. openpyxl's write-only mode keeps memory flat; the file is
    written to disk and streamed from there, so a 10,000-row export does not sit in memory."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after streaming
    write_site_list(queryset, handle)
    handle.seek(0)
    response = FileResponse(handle, content_type=XLSX)
    response["Content-Disposition"] = content_disposition(
        file_name(), as_attachment=True, fallback=f"sites-{timezone.localdate():%Y%m%d}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- the background job of a long list (core.models.ExportJob) ----------------------------------------------

JOB_KIND = "sites.site_list"


def filtered_sites(user, query: str):
    """The list's sites for `user` under the list's query string `query`: the same filter and data scope as the
    page (sites.views.site_list), resolved now, so a job applies the user's scope as it is when the job runs."""
    from types import SimpleNamespace

    from django.http import QueryDict

    from .filters import SiteFilter
    from .selectors import site_list_queryset

    request = SimpleNamespace(user=user, GET=QueryDict(query))
    return SiteFilter(request.GET, queryset=site_list_queryset(user), request=request).qs


def site_list_job_request(*, user, query: str):
    """Start building the list `user` filtered (`query`, the list's query string) in the background."""
    from core.exportjobs import job_request

    from .tasks import build_site_list

    return job_request(
        user=user,
        kind=JOB_KIND,
        title=str(_("导出示范点名单")),
        parameters={"query": query},
        enqueue=lambda job_id: build_site_list.delay(job_id),
    )


def site_list_job_build(job, handle, progress) -> str:
    """Write a job's list (core.exportjobs.job_run calls this in sites.tasks.build_site_list). The owner's
    permission and scope are checked again now: an account closed or stripped of the right meanwhile gets nothing."""
    from core.exportjobs import ExportRefused

    user = job.requested_by
    if not user.is_active or not user.has_perm("sites.view_site"):
        raise ExportRefused(_("您已没有查看示范点的权限，无法生成导出文件。"))
    write_site_list(filtered_sites(user, job.parameters.get("query", "")), handle, progress=progress)
    return file_name()


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
