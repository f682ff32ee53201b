"""The supervision board as a workbook: one sheet per task, per obligation of each site, per district — fed by the
same selectors (board.py) and filter (filters.BoardFilter) as the page. Written in openpyxl's write-only mode to a
temporary file and streamed from there; every cell goes through core.excel, so a title typed like a formula
stays text."""

import tempfile

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook

from accounts.choices import Domain
from core import excel
from core.files import content_disposition

from . import board
from .choices import AssignmentStatus, Light

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TASK_SHEET, SITE_SHEET, DISTRICT_SHEET = "按任务", "按示范点", "按区县"
TASK_COLUMNS = [
    ("工作任务", 36),
    ("状态", 8),
    ("截止时间", 17),
    ("对象数", 8),
    ("待报送", 8),
    ("已报送", 8),
    ("已退回", 8),
    ("已通过", 8),
    ("已逾期", 8),
    ("完成率（%）", 11),
]
SITE_COLUMNS = [
    ("示范点", 30),
    ("所在区划", 30),
    ("领域", 12),
    ("类别", 8),
    ("事项", 36),
    ("状态", 10),
    ("红黄绿灯", 10),
    ("期限", 17),
    ("距期限（天）", 12),
]
DISTRICT_COLUMNS = [
    ("区县", 16),
    ("已到期任务对象", 14),
    ("按时报送", 10),
    ("按时率（%）", 11),
    ("逾期未报任务", 13),
    ("整改中事项", 11),
    ("逾期整改事项", 13),
]
KINDS = {"task": "工作任务", "rectification": "整改事项"}


def _local(moment, value):
    if value is None:
        return ""
    if hasattr(value, "astimezone"):
        return value.astimezone(moment.tz).strftime("%Y-%m-%d %H:%M")
    return value.strftime("%Y-%m-%d")


def write_board(handle, *, user, targets, rectifications, moment) -> None:
    """Write the board's three sheets for `user` (targets and rectifications already scoped and filtered)."""
    workbook = Workbook(write_only=True)
    lights = dict(Light.choices)
    domains = dict(Domain.choices)

    sheet = workbook.create_sheet(TASK_SHEET)
    excel.header(sheet, TASK_COLUMNS)
    rows = list(board.assignment_rows(targets, moment))
    assignments = board.Assignment.objects.in_bulk([row["assignment_id"] for row in rows])
    for row in rows:
        assignment = assignments[row["assignment_id"]]
        done = row["submitted"] + row["accepted"]
        excel.append(
            sheet,
            [
                assignment.title,
                str(AssignmentStatus(assignment.status).label),
                _local(moment, assignment.due_at),
                row["total"],
                row["pending"],
                row["submitted"],
                row["returned"],
                row["accepted"],
                row["overdue"],
                round(100 * done / row["total"]) if row["total"] else 0,
            ],
        )

    sheet = workbook.create_sheet(SITE_SHEET)
    excel.header(sheet, SITE_COLUMNS)
    for each in board.obligations(targets, rectifications, moment):
        excel.append(
            sheet,
            [
                each.site.name,
                str(each.site.region),
                str(domains.get(each.site.domain, each.site.domain)),
                KINDS[each.kind],
                each.title,
                each.status_label,
                str(lights[each.light]),
                _local(moment, each.due),
                each.days if each.days is not None else "",
            ],
        )

    sheet = workbook.create_sheet(DISTRICT_SHEET)
    excel.header(sheet, DISTRICT_COLUMNS)
    for row in board.district_rows(user, targets, rectifications, moment):
        excel.append(
            sheet,
            [
                row.district.name,
                row.due,
                row.on_time,
                row.on_time_percent if row.on_time_percent is not None else "",
                row.overdue_tasks,
                row.open_rectifications,
                row.overdue_rectifications,
            ],
        )
    workbook.save(handle)


def board_response(*, user, targets, rectifications, moment) -> FileResponse:
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after streaming
    write_board(handle, user=user, targets=targets, rectifications=rectifications, moment=moment)
    handle.seek(0)
    day = timezone.localdate()
    response = FileResponse(handle, content_type=XLSX)
    response["Content-Disposition"] = content_disposition(
        f"督办看板-{day:%Y%m%d}.xlsx", as_attachment=True, fallback=f"supervision-board-{day:%Y%m%d}"
    )
    return response
