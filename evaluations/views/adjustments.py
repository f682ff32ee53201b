"""A round's deduction and bonus lines for staff (扣分与加分): the list with its filter, the add form, withdrawal.

Lines change from the start of on-site scoring until the round is finalized (adjustments.round_problem); the list
stays readable before and after. Staff only: others who see the round get a 403, the rest a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.feedback import attempt, form_errors_as_messages
from core.pickers import picker_response

from .. import adjustments, supervision_lines
from ..choices import AdjustmentKind, RoundStatus
from ..filters import AdjustmentFilter
from ..models import Adjustment, RoundSite
from ..result_forms import AdjustmentForm, WithdrawForm
from .rounds import _crumbs, _managed_round

PAGE_SIZE = 50
# Sortable columns: the `sort` value → ordering (a leading "-" reverses); newest first by default.
SORTS = {
    "site": ("entry__site__name", "id"),
    "points": ("points", "id"),
    "created": ("created_at", "id"),
}
SORT_LABELS = (("site", _("示范点")), ("points", _("分值")), ("created", _("录入")))


def _ordering(sort: str) -> tuple:
    name = sort.lstrip("-")
    fields = SORTS.get(name, SORTS["created"])
    descending = sort.startswith("-") if name in SORTS else True
    return tuple(f"-{f}" for f in fields) if descending else fields


def _sort_columns(current: str) -> dict:
    """{column: (the sort value its link sets, arrow icon or "")}: a second click reverses."""
    current = current if current.lstrip("-") in SORTS else "-created"
    columns = {}
    for name, _label in SORT_LABELS:
        if current.lstrip("-") == name:
            descending = current.startswith("-")
            columns[name] = (name if descending else f"-{name}", "bi-sort-down" if descending else "bi-sort-up")
        else:
            columns[name] = (name, "")
    return columns


@login_required
def adjustment_list(request, pk):
    round_ = _managed_round(request, pk)
    problem = adjustments.round_problem(round_)
    form = AdjustmentForm(
        request.POST if request.method == "POST" else None,
        round_=round_,
        initial={"entry": request.GET.get("entry") or None},
    )
    if request.method == "POST":
        if problem:
            messages.error(request, problem)
            return redirect(request.get_full_path())
        if request.POST.get("action") == "sync_supervision":
            return _sync_supervision(request, round_)
        if form.is_valid():
            data = form.cleaned_data
            try:
                line = adjustments.adjustment_add(
                    entry=data["entry"],
                    by=request.user,
                    kind=data["kind"],
                    points=data["points"],
                    reason=data["reason"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("已为“%(site)s”录入%(kind)s %(points)s 分。")
                    % {"site": line.entry.site.name, "kind": line.get_kind_display(), "points": line.points},
                )
                return redirect(request.get_full_path())
    lines = (
        Adjustment.objects.filter(entry__round=round_)
        .select_related("entry__site", "created_by", "withdrawn_by")
        .order_by(*_ordering(request.GET.get("sort", "")))
    )
    filterset = AdjustmentFilter(request.GET, queryset=lines)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = supervision_lines.with_source_links(request.user, page.object_list)
    totals = filterset.qs.order_by().aggregate(
        deductions=Sum("points", filter=Q(kind=AdjustmentKind.DEDUCTION, withdrawn_at__isnull=True)),
        deduction_count=Count("id", filter=Q(kind=AdjustmentKind.DEDUCTION, withdrawn_at__isnull=True)),
        bonuses=Sum("points", filter=Q(kind=AdjustmentKind.BONUS, withdrawn_at__isnull=True)),
        bonus_count=Count("id", filter=Q(kind=AdjustmentKind.BONUS, withdrawn_at__isnull=True)),
        withdrawn=Count("id", filter=Q(withdrawn_at__isnull=False)),
    )
    return render(
        request,
        "evaluations/adjustments.html",
        {
            "round": round_,
            "form": form,
            "problem": problem,
            "published": round_.status == RoundStatus.PUBLISHED,
            "filter": filterset,
            "filtered": any(value for key, value in request.GET.items() if key not in ("page", "sort")),
            "page_obj": page,
            "totals": totals,
            "sort_columns": _sort_columns(request.GET.get("sort", "")),
            "can_manage": True,
            "breadcrumbs": _crumbs(round_, (_("扣分与加分"), None)),
        },
    )


def _sync_supervision(request, round_):
    """The page's "从督办记录更新扣分加分" button: derive the automatic lines again now (supervision_lines)."""
    try:
        synced = supervision_lines.round_sync_supervision(round_, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if synced.changed:
            messages.success(
                request,
                _("已按督办记录更新自动扣分加分：新增 %(added)s 项，更新 %(updated)s 项，撤销 %(withdrawn)s 项。")
                % {"added": len(synced.added), "updated": len(synced.updated), "withdrawn": len(synced.withdrawn)},
            )
        else:
            messages.info(request, _("督办记录没有新的变化，自动扣分加分无需更新。"))
    return redirect(request.get_full_path())


@login_required
@require_POST
def adjustment_withdraw(request, pk):
    line = get_object_or_404(Adjustment.objects.select_related("entry__site"), pk=pk)
    round_ = _managed_round(request, line.entry.round_id)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: adjustments.adjustment_withdraw(
                adjustment=line, by=request.user, reason=form.cleaned_data["reason"]
            ),
            _("已撤销“%(site)s”的%(kind)s %(points)s 分。")
            % {"site": line.entry.site.name, "kind": line.get_kind_display(), "points": line.points},
        )
    else:
        form_errors_as_messages(request, form)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("evaluations:adjustments", args=[round_.pk])
    return redirect(target)


@login_required
def adjustment_entries(request):
    """Search the sites of one round (`?round=`) for the add form's picker."""
    try:
        round_pk = int(request.GET.get("round", ""))
    except ValueError:
        round_pk = 0
    round_ = _managed_round(request, round_pk)
    return picker_response(
        request,
        RoundSite.objects.filter(round=round_).select_related("site"),
        search=["site__name", "site__organization__name"],
        label=lambda entry: entry.site.name,
        order_by=("site__name",),
    )
