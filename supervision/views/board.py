"""Pages of supervision: the board (督办看板) and its workbook.

Who: city staff see the whole city, district users their region subtree, instructors their sites — all through
the scope (board.board_targets / board_rectifications); other roles get 403."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

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


@require_safe
@login_required
def board(request):
    """Who is behind, at a glance: per task, per site, per district."""
    filterset, targets, rectifications, moment = _filtered(request)
    user = request.user

    # A few dozen tasks a year: read them all at once (one query, no separate count), show a page.
    task_page = Paginator(list(selectors.assignment_rows(targets, moment)), TASKS_PER_PAGE).get_page(
        request.GET.get("tasks_page")
    )
    tasks = selectors.task_rows(task_page.object_list, targets, moment)

    tallies = selectors.tally(targets, rectifications, moment)
    site_page = Paginator(tallies.sites, SITES_PER_PAGE).get_page(request.GET.get("page"))
    sites = selectors.site_rows(site_page.object_list, targets, rectifications, moment)

    return render(
        request,
        "supervision/board.html",
        {
            "filter": filterset,
            "filtered": filterset.active,
            "task_page": task_page,
            "tasks": tasks,
            "page_obj": site_page,
            "sites": sites,
            "districts": selectors.district_rows(user, targets, rectifications, moment, tallies),
            "manager": may_manage_supervision(user),
            "moment": moment,
            "breadcrumbs": [(_("督办看板"), None)],
        },
    )


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
