"""Pages of supervision: the board (督办看板) and its workbook.

Who: city staff see the whole city, district users their region subtree, instructors their sites — all through
the scope (board.board_targets / board_rectifications); other roles get 403."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_safe

from .. import board as selectors
from .. import exports
from ..filters import BoardFilter
from ..permissions import may_manage_supervision

TASKS_PER_PAGE = 10
SITES_PER_PAGE = 20
DISTRICTS_PER_PAGE = 50


def _filtered(request):
    if not selectors.may_see_board(request.user):
        raise PermissionDenied
    moment = selectors.Moment.at()
    filterset = BoardFilter(request.GET, queryset=selectors.board_targets(request.user), request=request, moment=moment)
    targets = filterset.qs
    rectifications = filterset.rectifications(selectors.board_rectifications(request.user))
    return filterset, targets, rectifications, moment


# The board's three views, one per request (each a link: `?tab=…`, no script needed): the tasks' counts, the
# sites behind (a page of them, ordered and cut in SQL), the districts' shares. Computing one is a scan of the
# standings; computing all three on every request was three.
TABS = {"tasks": _lazy("按任务"), "sites": _lazy("按示范点"), "districts": _lazy("按区县")}


@require_safe
@login_required
def board(request):
    """Who is behind, at a glance: per task, per site, per district — one of them per page."""
    filterset, targets, rectifications, moment = _filtered(request)
    user = request.user
    tab = request.GET.get("tab", "")
    tab = tab if tab in TABS else "tasks"
    context = {
        "filter": filterset,
        "filtered": filterset.active,
        "tab": tab,
        "tabs": list(TABS.items()),
        "manager": may_manage_supervision(user),
        "moment": moment,
        "breadcrumbs": [(_("督办看板"), None)],
    }
    if tab == "tasks":
        # A few dozen tasks a year: their counts in one query (no separate count), a page of them shown.
        counts = selectors.task_counts(targets, moment, per_task=selectors.counts_per_task(user, filterset))
        task_page = Paginator(counts, TASKS_PER_PAGE).get_page(request.GET.get("tasks_page"))
        ids = [row["assignment_id"] for row in task_page.object_list]
        context["task_page"] = task_page
        context["tasks"] = selectors.task_rows(
            task_page.object_list, targets, moment, selectors.behind_page(targets, ids, moment)
        )
    elif tab == "sites":
        if selectors.tallied(user, filterset):
            sequence = selectors.TalliedSitePage(moment)
        else:
            sequence = selectors.SitePage(targets, rectifications, moment)
            sequence.read_page(request.GET.get("page"), SITES_PER_PAGE)
        site_page = Paginator(sequence, SITES_PER_PAGE).get_page(request.GET.get("page"))
        context["page_obj"] = site_page
        context["sites"] = selectors.site_rows(site_page.object_list, targets, rectifications, moment)
    else:
        tallies = selectors.region_tallies(targets, rectifications, moment)
        # A country has thousands of district-level nodes: a page of them (their figures are all computed anyway).
        rows = selectors.district_rows(user, targets, rectifications, moment, tallies)
        district_page = Paginator(rows, DISTRICTS_PER_PAGE).get_page(request.GET.get("page"))
        context["page_obj"] = district_page
        context["districts"] = district_page.object_list
    return render(request, "supervision/board.html", context)


@require_safe
@login_required
def board_export(request):
    """The board as a workbook, with the same filter as the page: written now when short, else built by a
    background job (a page with a progress bar, then the download) that applies the same filter and the user's
    scope when it runs."""
    filterset, targets, rectifications, moment = _filtered(request)
    if exports.board_is_short(targets, rectifications, settings.SITE_EXPORT_SYNC_LIMIT):
        return exports.board_response(
            user=request.user,
            targets=targets,
            rectifications=rectifications,
            moment=moment,
            per_task=selectors.counts_per_task(request.user, filterset),
        )
    job = exports.board_job_request(user=request.user, query=request.GET.urlencode())
    return redirect("core:export_status", pk=job.pk)


urlpatterns: list = [
    path("", board, name="board"),
    path("export/", board_export, name="board_export"),
]
