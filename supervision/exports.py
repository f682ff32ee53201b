"""The supervision board as a workbook: one sheet per task, per obligation of each site, per district — fed by the
same selectors (board.py) and filter (filters.BoardFilter) as the page. Written in openpyxl's write-only mode, the
obligations from `values_list` (no model instances); every row goes through core.excel.safe_row, so a title typed
like a formula stays text. A short board is written during the request and streamed from a temporary file; a long
one (more obligations than SITE_EXPORT_SYNC_LIMIT) is built by a background job (core.models.ExportJob, as the
site list is), which applies the filter and the user's scope again when it runs."""

import heapq
import tempfile
from types import SimpleNamespace

from django.http import FileResponse, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from accounts.choices import Domain
from core import excel
from core.files import content_disposition

from . import board
from .choices import OWING, AssignmentStatus, Light
from .models import Assignment

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


CHUNK = 2000
PROGRESS_EVERY = 1000
JOB_KIND = "supervision.board"


def _local(moment, value):
    if value is None:
        return ""
    if hasattr(value, "astimezone"):
        return value.astimezone(moment.tz).strftime("%Y-%m-%d %H:%M")
    return value.strftime("%Y-%m-%d")


def board_filtered(user, query: str):
    """The board's (filterset, targets, rectifications, moment) for `user` under the page's query string `query`:
    the page's filter and data scope (views.board._filtered), resolved now — a job's rows are the user's scope
    as it is when the job runs."""
    from .filters import BoardFilter

    moment = board.Moment.at()
    request = SimpleNamespace(user=user, GET=QueryDict(query))
    filterset = BoardFilter(request.GET, queryset=board.board_targets(user), request=request, moment=moment)
    rectifications = filterset.rectifications(board.board_rectifications(user))
    return filterset, filterset.qs, rectifications, moment


def board_is_short(targets, rectifications, limit: int) -> bool:
    """Whether the workbook's longest sheet (one row per obligation: owing answers and open items) has at most
    `limit` rows. Each count stops at limit + 1 rows (`COUNT(*)` over a `LIMIT`), so asking costs the same on a
    city as on a country."""
    owing = targets.filter(status__in=OWING).order_by().values("pk")[: limit + 1].count()
    if owing > limit:
        return False
    return owing + rectifications.order_by().values("pk")[: limit + 1 - owing].count() <= limit


def _target_cells(moment):
    """(status label, light label, days) of an owing answer by (stored status, due time): board.target_obligation's
    own values, computed once per task and status rather than once per row."""
    lights = dict(Light.choices)
    found = {}

    def cells(status, due_at):
        key = (status, due_at)
        if key not in found:
            target = SimpleNamespace(
                status=status, assignment=SimpleNamespace(due_at=due_at, title=""), site=None, pk=0
            )
            each = board.target_obligation(target, moment, with_url=False)
            found[key] = (each.status_label, str(lights[each.light]), each.days)
        return found[key]

    return cells


def _item_cells(moment):
    """(status label, light label, days) of an open rectification item by (status, deadline), as
    board.rectification_obligation gives them."""
    lights = dict(Light.choices)
    found = {}

    def cells(status, due_on):
        key = (status, due_on)
        if key not in found:
            item = SimpleNamespace(status=status, due_on=due_on, title="", site=None, pk=0)
            each = board.rectification_obligation(item, moment, with_url=False)
            found[key] = (each.status_label, str(lights[each.light]), each.days)
        return found[key]

    return cells


# What the obligations sheet reads of an owing answer and of an open item, in one query each (joined columns).
SITE_COLUMNS_READ = ("site__name", "site_id", "site__region__label", "site__region__name", "site__domain")


def obligation_rows(targets, rectifications, moment):
    """The obligations sheet's rows, site by site (site name, then site id; a site's answers before its items), as
    the board orders a site's obligations: two `values_list` queries read in chunks and merged, memory stays flat."""
    domains = {code: str(label) for code, label in Domain.choices}
    kind_task, kind_item = KINDS["task"], KINDS["rectification"]
    target_cells, item_cells = _target_cells(moment), _item_cells(moment)
    owing = (
        targets.filter(status__in=OWING)
        .order_by("site__name", "site_id", "assignment__due_at", "pk")
        .values_list(*SITE_COLUMNS_READ, "assignment__title", "status", "assignment__due_at")
    )
    items = rectifications.order_by("site__name", "site_id", "due_on", "pk").values_list(
        *SITE_COLUMNS_READ, "title", "status", "due_on"
    )

    def rows(queryset, kind, cells):
        for name, site_id, label, region_name, domain, title, status, due in queryset.iterator(chunk_size=CHUNK):
            status_label, light, days = cells(status, due)
            yield (
                (name, site_id),
                (
                    name,
                    label or region_name,  # Region.__str__: the path, so three 杨柳村 are told apart
                    domains.get(domain, domain),
                    kind,
                    title,
                    status_label,
                    light,
                    _local(moment, due),
                    days if days is not None else "",
                ),
            )

    for _key, row in heapq.merge(
        rows(owing, kind_task, target_cells), rows(items, kind_item, item_cells), key=lambda pair: pair[0]
    ):
        yield row


def write_board(handle, *, user, targets, rectifications, moment, per_task: bool = False, progress=None) -> int:
    """Write the board's three sheets for `user` (targets and rectifications already scoped and filtered) into
    `handle` (a binary file). Returns the number of obligation rows. `per_task`: the task counts may be read per
    task off the covering index (board.task_counts; a city-wide, unnarrowed board). `progress(done, total)`, when
    given, is called every PROGRESS_EVERY obligations and at the end (the job's progress bar; `total` counted
    first then)."""
    total = 0
    if progress is not None:
        total = targets.filter(status__in=OWING).order_by().count() + rectifications.order_by().count()
    workbook = Workbook(write_only=True)
    statuses = {code: str(label) for code, label in AssignmentStatus.choices}

    sheet = workbook.create_sheet(TASK_SHEET)
    excel.header(sheet, TASK_COLUMNS)
    counts = board.task_counts(targets, moment, per_task=per_task)
    tasks = Assignment.objects.filter(pk__in=[row["assignment_id"] for row in counts]).values_list(
        "pk", "title", "status"
    )
    titles = {pk: (title, status) for pk, title, status in tasks}
    for row in counts:
        title, status = titles[row["assignment_id"]]
        done = row["submitted"] + row["accepted"]
        sheet.append(
            excel.safe_row(
                sheet,
                (
                    title,
                    statuses.get(status, status),
                    _local(moment, row["due_at"]),
                    row["total"],
                    row["pending"],
                    row["submitted"],
                    row["returned"],
                    row["accepted"],
                    row["overdue"],
                    round(100 * done / row["total"]) if row["total"] else 0,
                ),
            )
        )

    sheet = workbook.create_sheet(SITE_SHEET)
    excel.header(sheet, SITE_COLUMNS)
    append, safe_row = sheet.append, excel.safe_row
    done = 0
    for row in obligation_rows(targets, rectifications, moment):
        append(safe_row(sheet, row))
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)

    sheet = workbook.create_sheet(DISTRICT_SHEET)
    excel.header(sheet, DISTRICT_COLUMNS)
    tallies = board.region_tallies(targets, rectifications, moment)
    for row in board.district_rows(user, targets, rectifications, moment, tallies):
        sheet.append(
            excel.safe_row(
                sheet,
                (
                    row.district.name,
                    row.due,
                    row.on_time,
                    row.on_time_percent if row.on_time_percent is not None else "",
                    row.overdue_tasks,
                    row.open_rectifications,
                    row.overdue_rectifications,
                ),
            )
        )
    workbook.save(handle)
    if progress is not None:
        progress(done, max(total, done))
    return done


def file_name() -> str:
    return f"督办看板-{timezone.localdate():%Y%m%d}.xlsx"


def board_response(*, user, targets, rectifications, moment, per_task: bool = False) -> FileResponse:
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after streaming
    write_board(handle, user=user, targets=targets, rectifications=rectifications, moment=moment, per_task=per_task)
    handle.seek(0)
    day = timezone.localdate()
    response = FileResponse(handle, content_type=XLSX)
    response["Content-Disposition"] = content_disposition(
        file_name(), as_attachment=True, fallback=f"supervision-board-{day:%Y%m%d}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- the background job of a long board (core.models.ExportJob) ---------------------------------------------


def board_job_request(*, user, query: str):
    """Start building the board `user` filtered (`query`, the page's query string) in the background."""
    from core.exportjobs import job_request

    from .tasks import build_board

    return job_request(
        user=user,
        kind=JOB_KIND,
        title=str(_("导出督办看板")),
        parameters={"query": query},
        enqueue=lambda job_id: build_board.delay(job_id),
    )


def board_job_build(job, handle, progress) -> str:
    """Write a job's board (core.exportjobs.job_run calls this in supervision.tasks.build_board). The owner's right
    to the board and their scope are checked again now: an account closed or moved meanwhile gets nothing more
    than it may see today."""
    from core.exportjobs import ExportRefused

    user = job.requested_by
    if not board.may_see_board(user):
        raise ExportRefused(_("您已没有查看督办看板的权限，无法生成导出文件。"))
    filterset, targets, rectifications, moment = board_filtered(user, job.parameters.get("query", ""))
    write_board(
        handle,
        user=user,
        targets=targets,
        rectifications=rectifications,
        moment=moment,
        per_task=board.counts_per_task(user, filterset),
        progress=progress,
    )
    return file_name()
