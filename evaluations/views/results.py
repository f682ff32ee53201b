"""The working results of a round (DOMAIN.md §5): the results list, one site's explanation, scorer calibration.

Staff and city-wide leaders (viewers) see the working results of a round whose scoring has closed
(explanations.may_see_working_results); everyone else gets a 404 here and reads the published list instead.
Calibration is for staff only. Results are computed over the whole round (ranks are overall) and stored as rows
(result_store); the list filters, sorts and pages those rows in SQL, so every page costs the same few queries and
milliseconds whatever the round's size (the first read after a change computes the round again).
"""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Domain
from core.pagination import DeferredPaginator

from .. import result_store, selectors
from ..choices import Stage
from ..explanations import CLOSED, calibration, explained_entry, explanation, may_see_working_results
from ..filters import ResultFilter
from ..permissions import may_manage_rounds
from ..results import round_policy

PAGE_SIZE = 50

# Sortable columns: key → (label, the stored column it sorts by, first click sorts descending). Missing values
# (no score, no rank) sort last either way; the listing order breaks ties.
COLUMNS = {
    "name": (gettext_lazy("示范点"), "site__name", False),
    "onsite": (gettext_lazy("实地得分"), "onsite", True),
    "mean": (gettext_lazy("平均分"), "mean", True),
    "median": (gettext_lazy("中位数"), "median", True),
    "deductions": (gettext_lazy("扣分"), "deductions", True),
    "bonus": (gettext_lazy("加分"), "bonus", True),
    "final": (gettext_lazy("最终得分"), "final", True),
    "grade": (gettext_lazy("等次"), "grade_order", False),  # by band, best first
    "passed": (gettext_lazy("是否通过"), "passed", True),
    "outcome": (gettext_lazy("拟处理"), "outcome_label", False),
    "domain_rank": (gettext_lazy("领域排名"), "domain_rank", False),
    "rank": (gettext_lazy("总排名"), "rank", False),
    "disagreement": (gettext_lazy("分歧"), "disagreement", True),
}


def _readable_round(request, pk):
    round_ = selectors.round_for(request.user, pk)
    if not may_see_working_results(request.user):
        raise Http404
    return round_


def sort_results(queryset, sort: str):
    """Stored results sorted by the column `sort` ("final", "-final"…), missing values last, the listing order
    breaking ties; an unknown key keeps the listing order."""
    key = sort.lstrip("-")
    if key not in COLUMNS:
        return queryset.order_by("position")
    column = F(COLUMNS[key][1])
    order = column.desc(nulls_last=True) if sort.startswith("-") else column.asc(nulls_last=True)
    return queryset.order_by(order, "position")


def sort_columns(current: str) -> dict:
    """Column key → (label, the sort value its link sets, arrow icon or ""); a second click reverses."""
    columns = {}
    for key, (label, _column, descending_first) in COLUMNS.items():
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
        state = result_store.current_state(round_)
        filterset = ResultFilter(request.GET, queryset=result_store.rows(round_), request=request)
        sort = request.GET.get("sort", "")
        filtered = any(value for key, value in request.GET.items() if key not in ("page", "sort"))
        counts = result_store.counts(round_, state)
        # Ids first, then the page's rows with their site and region (a deep page joins 50 rows, not 20,000).
        listed = sort_results(filterset.qs, sort).select_related("site__region")
        paginator = DeferredPaginator(listed, PAGE_SIZE)
        if not filtered:
            paginator.count = counts["total"]  # every row: the tallies already counted them
        page = paginator.get_page(request.GET.get("page"))
        context.update(
            policy=policy,
            filter=filterset,
            page_obj=page,
            rows=[
                (
                    result_store.as_result(row, row.site.name),
                    row.site.region.label,
                    _label(Domain, row.domain),
                    _label(Stage, row.stage),
                )
                for row in page
            ],
            top_grade=policy.grade_bands[0][0] if policy.grade_bands else "",
            keep_sort=[("sort", sort)] if sort else [],
            total=counts["total"],
            shown=page.paginator.count,
            counts=counts,
            columns=sort_columns(sort),
            filtered=filtered,
        )
    return render(request, "evaluations/results.html", context)


def _label(choices, value) -> str:
    return choices(value).label if value in choices.values else value


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
