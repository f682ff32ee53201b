"""Progress of a round for staff and team leaders: per site and per scorer, reminders, Excel export, excusals.

Staff follow the whole round, a team leader their own teams' sites (selectors.round_entries / progress_sheets);
anyone else gets a 404. Every list is paginated and counted in the database, so a round of 2,000 sites × 5
scorers costs what a round of one site does.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.feedback import attempt, form_errors_as_messages
from core.pagination import DeferredPaginator
from core.pickers import picker_response

from .. import exports, rules, selectors, services
from ..choices import RoundStatus, SheetStatus
from ..filters import ProgressEntryFilter, SheetFilter
from ..forms import ReasonForm
from ..models import Round
from ..permissions import may_manage_rounds, may_see_progress

PAGE_SIZE = 50
TABS = ("sites", "scorers", "sheets")


def _followed_round(request, pk) -> Round:
    """A round whose progress the user follows (staff: all of it; a team leader: their teams' part), or 404."""
    round_ = selectors.round_for(request.user, pk)
    if not may_see_progress(request.user, round_):
        raise Http404
    return round_


def _leader(user):
    """The team leader whose part of the round a list is limited to (None: staff, the whole round)."""
    return None if may_manage_rounds(user) else user


def _progress(sheets: list[dict]) -> dict:
    counts = rules.sheet_state_counts(sheet["status"] for sheet in sheets)
    return {**counts, "total": len(sheets), "done": counts[SheetStatus.SUBMITTED] + counts[SheetStatus.EXCUSED]}


def _sheet_filter(request, round_: Round) -> SheetFilter:
    # Only what the sheet list shows (the export reads values_list): with the region and the keyer joined too, the
    # page's rows were nine relations, past PostgreSQL's join_collapse_limit (8), so the planner kept the joins'
    # written order and joined every sheet of the round before picking the page's 50 (0.6 s at 110,000 sheets).
    sheets = (
        selectors.progress_sheets(round_, request.user)
        .select_related(None)
        .select_related("entry__site", "entry__team", "scorer", "excused_by")
    )
    return SheetFilter(
        request.GET,
        queryset=sheets.order_by("scorer__full_name", "scorer__username", "entry__site__name", "id"),
        request=request,
        round_=round_,
        leader=_leader(request.user),
    )


@login_required
def progress(request, pk):
    round_ = _followed_round(request, pk)
    user = request.user
    tab = request.GET.get("view", "sites")
    if tab not in TABS:
        tab = "sites"
    counts = selectors.sheet_status_counts(round_, user)
    context = {
        "round": round_,
        "tab": tab,
        "counts": counts,
        "counts_total": sum(counts.values()),
        "waiting": counts[SheetStatus.NOT_STARTED] + counts[SheetStatus.IN_PROGRESS],
        "can_manage": may_manage_rounds(user),
        "may_remind": round_.status == RoundStatus.SCORING,
        "may_excuse": may_manage_rounds(user) and not round_.is_closed,
        "breadcrumbs": [
            (_("考评"), reverse("evaluations:rounds")),
            (str(round_), round_.get_absolute_url()),
            (_("评分进度"), None),
        ],
    }
    if tab == "sites":
        # Filter and page the plain entries, then count the page's sheets: grouping every site's sheets to count
        # them would cost the whole round on each page.
        entries = selectors.round_entries(round_, user).order_by("team_id", "site__region__path", "site__name")
        filterset = ProgressEntryFilter(
            request.GET, queryset=entries, request=request, round_=round_, leader=_leader(user)
        )
        page = DeferredPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = page.object_list
        sheets = selectors.entries_sheets([entry.pk for entry in rows])
        context.update(
            filter=filterset,
            page_obj=page,
            rows=[(entry, sheets[entry.pk], _progress(sheets[entry.pk])) for entry in rows],
            keep=[("view", tab)],
        )
    elif tab == "scorers":
        page = Paginator(selectors.progress_scorers(round_, user), PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(page_obj=page)
    else:
        filterset = _sheet_filter(request, round_)
        page = DeferredPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
        items = selectors.items_per_domain(round_.standard)
        for sheet in page.object_list:
            sheet.item_total = items.get(sheet.entry.site.domain, 0)
        context.update(filter=filterset, page_obj=page, keep=[("view", tab)])
    context["filtered"] = any(value for key, value in request.GET.items() if key not in ("page", "view"))
    return render(request, "evaluations/progress.html", context)


@require_GET
@login_required
def progress_export(request, pk):
    """The sheets of the user's part of the round (narrowed by the sheet list's filters, if any), one row each."""
    round_ = _followed_round(request, pk)
    filterset = _sheet_filter(request, round_)
    return exports.progress_response(round_, filterset.qs, selectors.items_per_domain(round_.standard))


def _back(request, round_: Round) -> str:
    """Back to the progress page the form was posted from (its tab, filters and page), or to its first page."""
    default = reverse("evaluations:progress", args=[round_.pk])
    target = request.POST.get("next", "")
    if target.startswith(default) and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@require_POST
@login_required
def remind(request, pk):
    """Notify every scorer with unsubmitted sheets in the user's part of the round (one notice each)."""
    round_ = _followed_round(request, pk)
    told = []

    def call():
        told.append(
            services.sheets_remind(
                round=round_, by=request.user, sheets=selectors.progress_sheets(round_, request.user)
            )
        )

    if attempt(request, call):
        if told[0]:
            messages.success(request, _("已提醒 %(n)s 位评分人员。") % {"n": told[0]})
        else:
            messages.info(request, _("所有评分表都已提交或免评，无需提醒。"))
    return redirect(_back(request, round_))


def _managed_sheet(request, pk):
    """A sheet the user may see (else 404) and excuse or reinstate: staff only (else 403)."""
    sheet = selectors.sheet_for(request.user, pk)
    if not may_manage_rounds(request.user):
        raise PermissionDenied
    return sheet


@require_POST
@login_required
def sheet_excuse(request, pk):
    sheet = _managed_sheet(request, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.sheet_excuse(sheet=sheet, by=request.user, reason=form.cleaned_data["reason"]),
            _("%(scorer)s 对“%(site)s”的评分表已免评。")
            % {"scorer": sheet.scorer.get_full_name(), "site": sheet.entry.site.name},
        )
    else:
        form_errors_as_messages(request, form)
    return redirect(_back(request, sheet.entry.round))


@require_POST
@login_required
def sheet_reinstate(request, pk):
    sheet = _managed_sheet(request, pk)
    attempt(
        request,
        lambda: services.sheet_reinstate(sheet=sheet, by=request.user),
        _("%(scorer)s 对“%(site)s”的评分表已恢复，需继续评分。")
        % {"scorer": sheet.scorer.get_full_name(), "site": sheet.entry.site.name},
    )
    return redirect(_back(request, sheet.entry.round))


# --- the filters' searches (a country's round: thousands of teams, ten thousand scorers) --------------------------


@login_required
@require_GET
def pick_teams(request, pk):
    """The round's teams matching `?q=` (a team leader: only their own), for the team filters' pickers."""
    round_ = _followed_round(request, pk)
    teams = round_.teams.all()
    leader = _leader(request.user)
    if leader is not None:
        teams = teams.filter(leader=leader)
    return picker_response(request, teams, search=["name"], label=lambda team: team.name, order_by=("name", "pk"))


@login_required
@require_GET
def pick_scorers(request, pk):
    """The round's scorers matching `?q=` (a team leader: those of their teams), for the sheet filter's picker."""
    round_ = _followed_round(request, pk)
    sheets = selectors.progress_sheets(round_, request.user)
    scorers = get_user_model().objects.filter(pk__in=sheets.values("scorer"))
    return picker_response(
        request,
        scorers,
        search=["full_name", "username"],
        label=lambda user: f"{user.get_full_name() or user.username}（{user.username}）",
        order_by=("full_name", "username", "pk"),
    )
