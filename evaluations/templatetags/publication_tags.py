"""The publication's parts of other pages: the results status (working results page) and the round page's links.

Both need only the round in the context (and the request): whatever page includes them, they read what they show
themselves, in a few queries."""

from django import template
from django.urls import NoReverseMatch, reverse

from accounts.permissions import is_administrator

from ..choices import ObjectionStatus, RoundStatus
from ..finalization import finalization_plan
from ..models import Objection
from ..permissions import may_manage_rounds
from ..publication import current_publication, drift, period_running, publish_problems

register = template.Library()

# How the difference list names a snapshot field.
FIELD_LABELS = {
    "onsite": "实地得分",
    "deductions": "扣分",
    "bonus": "加分",
    "final": "最终得分",
    "grade": "等次",
    "passed": "是否合格",
    "outcome": "考评结论",
    "rank": "总排名",
    "domain_rank": "领域排名",
    "entry": "参评",
}


def difference_rows(lines) -> list[dict]:
    """results.differences() lines as the page shows them: each change as (label, old, new) in words."""
    from sites.choices import SiteState

    def shown(name, value):
        if value is None:
            return "—"
        if name == "passed":
            return "合格" if value else "不合格"
        if name == "outcome":
            return str(SiteState(value).label) if value in SiteState.values else value
        return str(value)

    return [
        {
            "entry": line["entry"],
            "name": line["name"],
            "changes": [
                (FIELD_LABELS.get(name, name), shown(name, old), shown(name, new))
                for name, (old, new) in line["changes"].items()
            ],
        }
        for line in lines
    ]


def adjustments_url(round_) -> str:
    """The deductions and bonus page of the round, when the app has it."""
    try:
        return reverse("evaluations:adjustments", args=[round_.pk])
    except NoReverseMatch:
        return ""


@register.inclusion_tag("evaluations/_results_status_body.html", takes_context=True)
def results_status(context, round_):
    """The round's results status for staff at the top of the results page: status, publication period, the
    publish / finalize buttons, and the differences against the published version with their fields."""
    user = context["request"].user
    staff = may_manage_rounds(user)
    publication = current_publication(round_)
    state = drift(round_, publication, with_lines=staff) if publication else None
    data = {
        "round": round_,
        "staff": staff,
        "publication": publication,
        "running": period_running(publication),
        "drift": state,
        "differences": difference_rows(state.lines) if state else [],
        "adjustments_url": adjustments_url(round_) if staff else "",
    }
    if staff:
        data["open_objections"] = Objection.objects.filter(entry__round=round_, status=ObjectionStatus.OPEN).count()
        if round_.status in (RoundStatus.SCORED, RoundStatus.PUBLISHED):
            data["publish_problems"] = publish_problems(round_)
        if round_.status == RoundStatus.PUBLISHED:
            data["finalize_problems"] = finalization_plan(round_).problems
        data["may_undo"] = is_administrator(user) and round_.status == RoundStatus.FINALIZED
    return data


@register.inclusion_tag("evaluations/_publication_links_body.html", takes_context=True)
def publication_links(context, round_):
    """The round page's links to its published results, objections, finalization (one line in its actions)."""
    user = context["request"].user
    staff = may_manage_rounds(user)
    return {
        "round": round_,
        "staff": staff,
        "published": round_.status in (RoundStatus.PUBLISHED, RoundStatus.FINALIZED),
        "may_publish": staff and round_.status == RoundStatus.SCORED,
        "may_finalize": staff and round_.status == RoundStatus.PUBLISHED,
        "may_undo": is_administrator(user) and round_.status == RoundStatus.FINALIZED,
        "open_objections": (
            Objection.objects.filter(entry__round=round_, status=ObjectionStatus.OPEN).count()
            if staff and round_.status == RoundStatus.PUBLISHED
            else 0
        ),
    }
