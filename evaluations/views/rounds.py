"""Round pages for staff: list, create, edit, the round page with its next step, sites, teams, assignment.

Everyone who takes part in a round sees its list entry and its page (selectors.rounds_visible_to; others get a
404); what changes it (new, edit, step, sites, teams, assignment) is for staff (permissions.may_manage_rounds;
others who see the round get a 403).
"""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.audit import describe
from core.feedback import attempt
from core.models import AuditEntry
from core.pagination import DeferredPaginator
from sites.filters import SiteFilter
from sites.selectors import site_list_queryset

from .. import rules, selectors, services
from ..choices import RoundStatus, SheetKind
from ..filters import EntryFilter
from ..forms import AssignForm, RoundForm, TeamForm
from ..models import Round, RoundSite, ScoreSheet, Team
from ..permissions import may_manage_rounds, may_see_progress

PAGE_SIZE = 50
# The round's steps: the service that takes it, what it still needs, the button and its confirmation.
STEPS = {
    RoundStatus.SELF_ASSESSMENT: (
        services.round_open,
        services.open_problems,
        gettext_lazy("启动考评（进入自评）"),
        gettext_lazy("启动后评分标准被冻结，已推荐的单位转为创建单位，示范点负责人将收到自评通知。确定启动？"),
    ),
    RoundStatus.SCORING: (
        services.round_start_scoring,
        services.scoring_problems,
        gettext_lazy("开始实地考评"),
        gettext_lazy("开始后评分人员即可填写评分表，每人都会收到待评示范点的通知。确定开始？"),
    ),
    RoundStatus.SCORED: (
        services.round_close_scoring,
        services.close_problems,
        gettext_lazy("完成评分"),
        gettext_lazy("完成后评分表不能再修改、退回或免评，下一步据此计算结果。确定完成评分？"),
    ),
}


def _crumbs(round_=None, *extra):
    crumbs = [(_("考评"), reverse("evaluations:rounds"))]
    if round_ is not None:
        crumbs.append((str(round_), round_.get_absolute_url()))
    return crumbs + list(extra)


def _managed_round(request, pk) -> Round:
    """A round the user sees (else 404) and may manage (else 403)."""
    round_ = selectors.round_for(request.user, pk)
    if not may_manage_rounds(request.user):
        raise PermissionDenied
    return round_


@login_required
def round_list(request):
    rounds = selectors.rounds_with_progress(request.user)
    page = Paginator(rounds, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.add_sheet_progress(page.object_list)
    return render(
        request,
        "evaluations/round_list.html",
        {"page_obj": page, "can_manage": may_manage_rounds(request.user), "breadcrumbs": [(_("考评"), None)]},
    )


@login_required
def round_create(request):
    if not may_manage_rounds(request.user):
        raise PermissionDenied
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.round_create(by=request.user, **form.round_fields())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已新建考评轮次“%(name)s”。下一步：添加参评示范点。") % {"name": round_.name})
            return redirect(round_)
    return render(
        request,
        "form_page.html",
        {
            "form": form,
            "title": _("新建考评轮次"),
            "cancel_url": reverse("evaluations:rounds"),
            "breadcrumbs": _crumbs(None, (_("新建考评轮次"), None)),
        },
    )


@login_required
def round_edit(request, pk):
    round_ = _managed_round(request, pk)
    if round_.is_closed:
        messages.error(request, _("评分已完成的考评轮次不能再修改"))
        return redirect(round_)
    # The form works on its own copy: binding a model form changes its instance.
    form = RoundForm(request.POST or None, instance=Round.objects.get(pk=round_.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.round_update(round=round_, by=request.user, **form.round_fields())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect(round_)
    return render(
        request,
        "form_page.html",
        {
            "form": form,
            "subject": round_,
            "title": _("修改考评轮次"),
            "cancel_url": round_.get_absolute_url(),
            "breadcrumbs": _crumbs(round_, (_("修改"), None)),
        },
    )


def next_step(round_: Round) -> dict | None:
    """The round's next step for its page: the target status, the button, its confirmation and what it needs."""
    target = rules.NEXT_STATUS.get(round_.status)
    if target is None:
        return None
    _service, problems, label, confirm = STEPS[target]
    return {"to": target, "label": label, "confirm": confirm, "problems": problems(round_)}


@login_required
def round_detail(request, pk):
    round_ = selectors.round_for(request.user, pk)
    manager = may_manage_rounds(request.user)
    context = {
        "round": round_,
        "can_manage": manager,
        "can_follow": may_see_progress(request.user, round_),
        "steps": _stepper(round_),
        "bands": round_.grade_bands or [],
        "breadcrumbs": _crumbs(round_),
    }
    if not manager:
        context.update(
            scores_here=ScoreSheet.objects.filter(
                entry__round=round_, scorer=request.user, kind=SheetKind.ONSITE
            ).exists(),
            leads_site_here=selectors.self_assessment_entries(request.user).filter(round=round_).exists(),
        )
    else:
        entries = AuditEntry.objects.filter(
            content_type__app_label="evaluations", content_type__model="round", object_id=str(round_.pk)
        ).select_related("actor", "content_type")[:50]
        context.update(
            counts=selectors.round_counts(round_),
            sheets=selectors.sheet_status_counts(round_, request.user),
            next_step=next_step(round_),
            audit=describe(entries),
        )
    return render(request, "evaluations/round_detail.html", context)


def _stepper(round_: Round) -> list[dict]:
    order = list(RoundStatus)
    current = order.index(RoundStatus(round_.status))
    stamps = {
        RoundStatus.DRAFT: round_.created_at,
        RoundStatus.SELF_ASSESSMENT: round_.opened_at,
        RoundStatus.SCORING: round_.scoring_opened_at,
        RoundStatus.SCORED: round_.scored_at,
        RoundStatus.PUBLISHED: round_.published_at,
        RoundStatus.FINALIZED: round_.finalized_at,
    }
    return [
        {
            "label": status.label,
            "number": index + 1,
            "done": index < current,
            "current": index == current,
            "at": stamps[status] if index <= current else None,
        }
        for index, status in enumerate(order)
    ]


@require_POST
@login_required
def round_step(request, pk):
    round_ = _managed_round(request, pk)
    target = request.POST.get("to", "")
    if target != rules.NEXT_STATUS.get(round_.status):
        # A second click, or a page left open while someone else moved the round on.
        messages.warning(request, _("考评轮次的状态已经变化，请查看后再操作。"))
        return redirect(round_)
    service, _problems, _label, _confirm = STEPS[target]
    attempt(
        request,
        lambda: service(round=round_, by=request.user),
        _("考评轮次已进入“%(status)s”。") % {"status": RoundStatus(target).label},
    )
    return redirect(round_)


# --- sites of a round ----------------------------------------------------------------------------------


@login_required
def round_sites(request, pk):
    round_ = _managed_round(request, pk)
    entries = round_.entries.select_related("site__region", "site__organization", "team").order_by(
        "site__region__path", "site__name"
    )
    filterset = EntryFilter(request.GET, queryset=entries, request=request, round_=round_)
    page = DeferredPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "evaluations/round_sites.html",
        {
            "round": round_,
            "filter": filterset,
            "page_obj": page,
            "filtered": any(value for key, value in request.GET.items() if key != "page"),
            "may_remove": round_.status in (RoundStatus.DRAFT, RoundStatus.SELF_ASSESSMENT),
            "may_add": not round_.is_closed,
            "breadcrumbs": _crumbs(round_, (_("参评示范点"), None)),
        },
    )


@login_required
def round_sites_add(request, pk):
    """Add sites from the registry by the site list's own filters: GET previews how many match and how many would
    join, POST (with the same filters) adds every matching site."""
    round_ = _managed_round(request, pk)
    data = request.POST if request.method == "POST" else request.GET
    filterset = SiteFilter(data, queryset=site_list_queryset(request.user), request=request)
    chosen = any(value for key, value in data.items() if key not in ("csrfmiddlewaretoken", "page", "sort"))
    if request.method == "POST":
        if not chosen:
            messages.error(request, _("请先设置筛选条件，再添加示范点。"))
        elif not filterset.is_valid():
            messages.error(request, _("筛选条件有误，请检查。"))
        else:
            try:
                result = services.round_add_sites(round=round_, sites=filterset.qs, by=request.user)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                _report_added(request, result)
                return redirect("evaluations:round_sites", pk=round_.pk)
    preview = sample = None
    if chosen and filterset.is_valid():
        preview = selectors.add_sites_preview(round_, filterset.qs)
        sample = list(filterset.qs.select_related("region")[:10])
    return render(
        request,
        "evaluations/round_sites_add.html",
        {
            "round": round_,
            "filter": filterset,
            "preview": preview,
            "sample": sample,
            "breadcrumbs": _crumbs(
                round_,
                (_("参评示范点"), reverse("evaluations:round_sites", args=[round_.pk])),
                (_("添加示范点"), None),
            ),
        },
    )


def _report_added(request, result: services.SitesAdded) -> None:
    if result.added:
        messages.success(request, _("已添加 %(n)s 个示范点。") % {"n": len(result.added)})
    by_reason = defaultdict(list)
    for site, reason in result.skipped:
        by_reason[reason].append(site.name)
    for reason, names in by_reason.items():
        shown = "、".join(names[:5]) + (_("等") if len(names) > 5 else "")
        messages.warning(
            request,
            _("跳过 %(n)s 个（%(reason)s）：%(names)s") % {"n": len(names), "reason": reason, "names": shown},
        )
    if not result.added and not result.skipped:
        messages.info(request, _("没有符合条件的示范点。"))


@require_POST
@login_required
def round_sites_remove(request, pk):
    round_ = _managed_round(request, pk)
    entries = list(round_.entries.filter(pk__in=_ids(request.POST.getlist("entries"))))
    if not entries:
        messages.error(request, _("请勾选要移出的示范点。"))
    else:
        attempt(
            request,
            lambda: services.round_remove_sites(round=round_, entries=entries, by=request.user),
            _("已移出 %(n)s 个示范点。") % {"n": len(entries)},
        )
    return redirect(reverse("evaluations:round_sites", args=[round_.pk]) + _back_query(request))


def _ids(values) -> list[int]:
    return [int(value) for value in values if str(value).isdigit()]


def _back_query(request) -> str:
    """The list's filters and page, carried by the form that posts from it, to land back where the user was."""
    query = request.POST.get("back", "")
    return f"?{query}" if query and not query.startswith(("/", "?")) and "//" not in query else ""


# --- teams ---------------------------------------------------------------------------------------------


@login_required
def team_list(request, pk):
    round_ = _managed_round(request, pk)
    # Paged, each team's sites counted by a subquery on the (round, team) index: a country's round has thousands
    # of teams, and joining all their entries to count them costs the whole round on every page.
    sites = RoundSite.objects.filter(round=round_, team=OuterRef("pk")).order_by().values("team")
    teams = (
        round_.teams.select_related("leader")
        .prefetch_related("members")
        .annotate(site_count=Coalesce(Subquery(sites.annotate(n=Count("*")).values("n")), 0))
        .order_by("id")
    )
    page = Paginator(teams, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "evaluations/team_list.html",
        {
            "round": round_,
            "teams": page.object_list,
            "page_obj": page,
            "unassigned": round_.entries.filter(team__isnull=True).count(),
            "may_change": not round_.is_closed,
            "breadcrumbs": _crumbs(round_, (_("验收组"), None)),
        },
    )


def _team_form_page(request, round_: Round, team: Team | None):
    if round_.is_closed:
        messages.error(request, _("评分已完成的考评轮次不能再调整验收组"))
        return redirect("evaluations:teams", pk=round_.pk)
    form = TeamForm(request.POST or None, user=request.user, team=team)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.team_save(
                round=round_,
                by=request.user,
                name=data["name"],
                leader=data["leader"],
                members=list(data["members"]),
                team=team,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                form.add_error(None, error)
            else:  # conflicts of interest: one message per refused scorer and site, with the reason
                for message in error.messages:
                    messages.error(request, message)
        else:
            messages.success(request, _("验收组“%(name)s”已保存。") % {"name": saved.name})
            return redirect("evaluations:teams", pk=round_.pk)
    title = _("修改验收组") if team else _("新建验收组")
    return render(
        request,
        "form_page.html",
        {
            "form": form,
            "subject": team or round_,
            "title": title,
            "cancel_url": reverse("evaluations:teams", args=[round_.pk]),
            "breadcrumbs": _crumbs(
                round_, (_("验收组"), reverse("evaluations:teams", args=[round_.pk])), (title, None)
            ),
        },
    )


@login_required
def team_create(request, pk):
    return _team_form_page(request, _managed_round(request, pk), None)


@login_required
def team_edit(request, pk, team_pk):
    round_ = _managed_round(request, pk)
    return _team_form_page(
        request, round_, get_object_or_404(Team.objects.select_related("leader"), pk=team_pk, round=round_)
    )


@require_POST
@login_required
def team_delete(request, pk, team_pk):
    round_ = _managed_round(request, pk)
    team = get_object_or_404(Team, pk=team_pk, round=round_)
    attempt(
        request,
        lambda: services.team_delete(team=team, by=request.user),
        _("已删除验收组“%(name)s”，其示范点变为未分配。") % {"name": team.name},
    )
    return redirect("evaluations:teams", pk=round_.pk)


# --- assignment ----------------------------------------------------------------------------------------


@login_required
def assign(request, pk):
    """Bulk assignment: tick sites on a page (or take every site matching the filter) and send them to a team."""
    round_ = _managed_round(request, pk)
    entries = round_.entries.select_related("site__region", "site__organization", "team").order_by(
        "site__region__path", "site__name"
    )
    filterset = EntryFilter(request.GET, queryset=entries, request=request, round_=round_)
    form = AssignForm(request.POST or None, round_=round_)
    if request.method == "POST":
        if form.is_valid():
            chosen = filterset.qs if form.cleaned_data["all_matching"] else form.cleaned_data["entries"]
            try:
                result = services.assign_sites(round=round_, team=form.chosen_team, entries=chosen, by=request.user)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                _report_assigned(request, form.chosen_team, result)
                return redirect(request.get_full_path())
        else:
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
    page = DeferredPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "evaluations/round_assign.html",
        {
            "round": round_,
            "filter": filterset,
            "page_obj": page,
            "form": form,
            "filtered": any(value for key, value in request.GET.items() if key != "page"),
            "may_change": not round_.is_closed,
            "breadcrumbs": _crumbs(round_, (_("分配示范点"), None)),
        },
    )


def _report_assigned(request, team: Team | None, result: services.Assigned) -> None:
    if result.assigned:
        if team is None:
            messages.success(request, _("已取消 %(n)s 个示范点的分配。") % {"n": len(result.assigned)})
        else:
            messages.success(
                request, _("已将 %(n)s 个示范点分配给“%(team)s”。") % {"n": len(result.assigned), "team": team.name}
            )
    for _entry, reason in result.refused[:20]:
        messages.warning(request, _("未分配：%(reason)s") % {"reason": reason})
    if len(result.refused) > 20:
        messages.warning(request, _("另有 %(n)s 个示范点未分配（原因同上类）。") % {"n": len(result.refused) - 20})
    if not result.assigned and not result.refused:
        messages.info(request, _("所选示范点已在该验收组，无需分配。"))
