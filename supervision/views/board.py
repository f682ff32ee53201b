"""Pages of supervision: the board (督办看板) and its workbook.

Who: city staff see the whole city, district users their region subtree, instructors their sites — all through
the scope (board.board_targets / board_rectifications); other roles get 403."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_safe

from sites.selectors import sites_visible_to

from .. import board as selectors
from .. import exports
from ..filters import BoardFilter
from ..permissions import may_manage_supervision

TASKS_PER_PAGE = 10
SITES_PER_PAGE = 20


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
        # City-wide and not narrowed to some sites: one count per task and status off the covering index;
        # otherwise one GROUP BY over the part of the standings the scope or filter leaves.
        per_task = not sites_visible_to(user).query.where and not (
            filterset.form.cleaned_data.get("region") or filterset.form.cleaned_data.get("domain")
        )
        counts = selectors.task_counts(targets, moment, per_task=per_task)
        task_page = Paginator(counts, TASKS_PER_PAGE).get_page(request.GET.get("tasks_page"))
        ids = [row["assignment_id"] for row in task_page.object_list]
        context["task_page"] = task_page
        context["tasks"] = selectors.task_rows(
            task_page.object_list, targets, moment, selectors.behind_page(targets, ids, moment)
        )
    elif tab == "sites":
        sequence = selectors.SitePage(targets, rectifications, moment)
        sequence.read_page(request.GET.get("page"), SITES_PER_PAGE)
        site_page = Paginator(sequence, SITES_PER_PAGE).get_page(request.GET.get("page"))
        context["page_obj"] = site_page
        context["sites"] = selectors.site_rows(site_page.object_list, targets, rectifications, moment)
    else:
        tallies = selectors.region_tallies(targets, rectifications, moment)
        context["districts"] = selectors.district_rows(user, targets, rectifications, moment, tallies)
    return render(request, "supervision/board.html", context)


@require_safe
@login_required
def board_export(request):
    """The board as a workbook, with the same filter as the page."""
    _filterset, targets, rectifications, moment = _filtered(request)
    return exports.board_response(user=request.user, targets=targets, rectifications=rectifications, moment=moment)


urlpatterns: list = [
    path("", board, name="board"),
    path("export/", board_export, name="board_export"),
]
