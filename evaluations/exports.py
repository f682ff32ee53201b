"""Excel files of evaluations: a round's progress, one row per on-site sheet (write-only, streamed from disk)."""

import tempfile

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook

from core import excel
from core.files import content_disposition

from .choices import SheetStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROGRESS_COLUMNS = [
    ("验收组", 14),
    ("示范点", 30),
    ("所在区划", 30),
    ("评分人员", 14),
    ("账号", 14),
    ("状态", 10),
    ("已评项数", 10),
    ("应评项数", 10),
    ("合计", 10),
    ("提交时间", 18),
    ("免评原因", 40),
]


def progress_rows(sheets, items_per_domain: dict[str, int]):
    """The export's rows: plain values (no model instances), so 10,000 sheets cost one query and little memory."""
    labels = dict(SheetStatus.choices)
    for row in (
        sheets.order_by("entry__team__name", "entry__site__region__path", "entry__site__name", "scorer__full_name")
        .values_list(
            "entry__team__name",
            "entry__site__name",
            "entry__site__region__label",
            "scorer__full_name",
            "scorer__username",
            "status",
            "scored_count",
            "entry__site__domain",
            "total",
            "submitted_at",
            "excuse_reason",
        )
        .iterator(chunk_size=2000)
    ):
        team, site, region, name, username, status, scored, domain, total, submitted_at, reason = row
        yield [
            team or "",
            site,
            region,
            name or username,
            username,
            str(labels.get(status, status)),
            scored,
            items_per_domain.get(domain, 0),
            float(total),
            timezone.localtime(submitted_at).strftime("%Y-%m-%d %H:%M") if submitted_at else "",
            reason,
        ]


def progress_response(round_, sheets, items_per_domain: dict[str, int]) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("评分进度")
    excel.header(sheet, PROGRESS_COLUMNS)
    for values in progress_rows(sheets, items_per_domain):
        excel.append(sheet, values)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after streaming
    workbook.save(handle)
    handle.seek(0)
    stamp = f"{timezone.localdate():%Y%m%d}"
    response = FileResponse(handle, content_type=XLSX)
    response["Content-Disposition"] = content_disposition(
        f"{round_.name}-评分进度-{stamp}.xlsx", as_attachment=True, fallback=f"round-{round_.pk}-progress-{stamp}"
    )
    return response
