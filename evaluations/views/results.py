"""The working results of a round (DOMAIN.md §5): the results list, one site's explanation, scorer calibration.

Staff and city-wide leaders (viewers) see the working results of a round whose scoring has closed
(explanations.may_see_working_results); everyone else gets a 404 here and reads the published list instead.
Calibration is for staff only. Results are always computed over the whole round (ranks are overall) and only then
filtered, sorted and paged for display, so every page costs the same few queries whatever the round's size.
"""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Domain
from sites.models import Site

from .. import selectors
from ..choices import Stage
from ..explanations import CLOSED, calibration, explained_entry, explanation, may_see_working_results
from ..filters import ResultFilter
from ..permissions import may_manage_rounds
from ..results import round_policy, round_results

PAGE_SIZE = 50

# Sortable columns: key → (label, value of a result, first click sorts descending). None sorts last either way.
COLUMNS = {
    "name": (gettext_lazy("示范点"), lambda r: r.site_name, False),
    "onsite": (gettext_lazy("实地得分"), lambda r: r.onsite, True),
    "mean": (gettext_lazy("平均分"), lambda r: r.mean, True),
    "median": (gettext_lazy("中位数"), lambda r: r.median, True),
    "deductions": (gettext_lazy("扣分"), lambda r: r.deductions, True),
    "bonus": (gettext_lazy("加分"), lambda r: r.bonus, True),
    "final": (gettext_lazy("最终得分"), lambda r: r.final, True),
    "grade": (gettext_lazy("等次"), None, False),  # by band, best first (set per policy)
    "passed": (gettext_lazy("是否通过"), lambda r: r.passed, True),
    "outcome": (gettext_lazy("拟处理"), lambda r: r.outcome_label, False),
    "domain_rank": (gettext_lazy("领域排名"), lambda r: r.domain_rank, False),
    "rank": (gettext_lazy("总排名"), lambda r: r.rank, False),
    "disagreement": (gettext_lazy("分歧"), lambda r: r.disagreement, True),
}


def _readable_round(request, pk):
    round_ = selectors.round_for(request.user, pk)
    if not may_see_working_results(request.user):
        raise Http404
    return round_


def sort_results(results: list, sort: str, policy) -> list:
    """`results` sorted by the column `sort` ("final", "-final"…), missing values last, the listing order
    breaking ties; an unknown key keeps the listing order."""
    key = sort.lstrip("-")
    if key not in COLUMNS:
        return results
    value = COLUMNS[key][1]
    if key == "grade":
        order = {label: index for index, (label, _minimum) in enumerate(policy.grade_bands)}
        value = lambda r: order.get(r.grade, len(order))  # noqa: E731
    position = {r.entry_id: index for index, r in enumerate(results)}
    present = [r for r in results if value(r) is not None]
    missing = [r for r in results if value(r) is None]
    present.sort(key=lambda r: position[r.entry_id])
    present.sort(key=value, reverse=sort.startswith("-"))  # stable: ties stay in listing order
    return present + missing


def sort_columns(current: str) -> dict:
    """Column key → (label, the sort value its link sets, arrow icon or ""); a second click reverses."""
    columns = {}
    for key, (label, _value, descending_first) in COLUMNS.items():
        first = f"-{key}" if descending_first else key
        if current == key:
            columns[key] = (label, f"-{key}", "bi-caret-up-fill")
        elif current == f"-{key}":
            columns[key] = (label, key, "bi-caret-down-fill")
        else:
            columns[key] = (label, first, "")
    return columns


def _crumbs(round_, *extra):
    return [(_("考评"), reverse("evaluations:rounds")), (str(round_), round_.get_absolute_url()), *extra]


@login_required
def results(request, pk):
    round_ = _readable_round(request, pk)
    context = {
        "round": round_,
        "can_manage": may_manage_rounds(request.user),
        "scored": round_.status in CLOSED,
        "breadcrumbs": _crumbs(round_, (_("考评结果"), None)),
    }
    if context["scored"]:
        policy = round_policy(round_)
        everything = round_results(round_, policy)
        filterset = ResultFilter(request.GET, results=everything, request=request)
        sort = request.GET.get("sort", "")
        rows = sort_results(filterset.qs, sort, policy)
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        regions = dict(
            Site.objects.filter(pk__in=[r.site_id for r in page.object_list]).values_list("pk", "region__label")
        )
        context.update(
            policy=policy,
            filter=filterset,
            page_obj=page,
            rows=[(r, regions.get(r.site_id, ""), _label(Domain, r.domain), _label(Stage, r.stage)) for r in page],
            top_grade=policy.grade_bands[0][0] if policy.grade_bands else "",
            keep_sort=[("sort", sort)] if sort else [],
            total=len(everything),
            shown=len(rows),
            counts=_counts(everything),
            columns=sort_columns(sort),
            filtered=any(value for key, value in request.GET.items() if key not in ("page", "sort")),
        )
    return render(request, "evaluations/results.html", context)


def _label(choices, value) -> str:
    return choices(value).label if value in choices.values else value


def _counts(results) -> dict:
    return {
        "passed": sum(1 for r in results if r.passed),
        "failed": sum(1 for r in results if not r.passed),
        "flagged": sum(1 for r in results if r.disagreement_flag),
        "unranked": sum(1 for r in results if r.rank is None),
    }


@login_required
def explain(request, pk):
    entry = explained_entry(request.user, pk)
    round_ = entry.round
    facts = explanation(entry, user=request.user)
    results_url = reverse("evaluations:results", args=[round_.pk])
    return render(
        request,
        "evaluations/results_explain.html",
        {
            "entry": entry,
            "round": round_,
            "facts": facts,
            "can_manage": may_manage_rounds(request.user),
            # back to the row, on its page of the default listing
            "back_url": f"{results_url}?page={facts.position // PAGE_SIZE + 1 if facts else 1}#result-{entry.pk}",
            "breadcrumbs": _crumbs(round_, (_("考评结果"), results_url), (entry.site.name, None)),
        },
    )


@login_required
def scorer_calibration(request, pk):
    round_ = selectors.round_for(request.user, pk)
    if not may_manage_rounds(request.user):
        raise Http404
    rows = [(row, abs(row.deviation)) for row in calibration(round_)]
    return render(
        request,
        "evaluations/results_calibration.html",
        {
            "round": round_,
            "rows": rows,
            "can_manage": True,
            "widest": max((size for _row, size in rows), default=Decimal("0")) or Decimal("1"),
            "breadcrumbs": _crumbs(round_, (_("评分校准"), None)),
        },
    )
