"""Site page section(s) of supervision: guidance visits and rectification items."""

from django import template
from django.db.models import Case, Count, F, Q, Value, When
from django.utils import timezone

from supervision import rules
from supervision.choices import RectificationStatus
from supervision.models import GuidanceVisit, Rectification
from supervision.permissions import may_manage_supervision

register = template.Library()

RECENT_VISITS = 5
RECENT_CLOSED = 5
OWING = (RectificationStatus.OPEN, RectificationStatus.SUBMITTED)


@register.inclusion_tag("supervision/_site_visits.html", takes_context=True)
def site_visits_panel(context, site):
    """The site's recent guidance visits and its rectification items (owed ones, then the latest closed), with
    their deadlines and overdue marks — for those who read supervision (the site page is already scoped). A few
    queries, whatever the number of rows."""
    from supervision.views.visits import may_see_visits
    from supervision.visits import visit_sites_for

    user = context["request"].user
    if not may_see_visits(user):
        return {"shown": False}
    visits = list(
        GuidanceVisit.objects.filter(site=site)
        .select_related("recorded_by")
        .annotate(open_count=Count("rectifications", filter=Q(rectifications__status__in=OWING)))
        .order_by("-visited_on", "-id")[:RECENT_VISITS]
    )
    # The owed items (nearest deadline first) and the latest closed ones, in one query ordered for both lists.
    items = Rectification.objects.filter(site=site)
    latest_closed = items.filter(status=RectificationStatus.CLOSED).order_by("-closed_at", "-id")[:RECENT_CLOSED]
    is_owed, is_closed = Q(status__in=OWING), Q(status=RectificationStatus.CLOSED)
    shown = list(
        items.filter(is_owed | Q(pk__in=latest_closed.values("pk")))
        .select_related("visit")
        .order_by(
            Case(When(is_owed, then=Value(0)), default=Value(1)),
            Case(When(is_owed, then=F("due_on"))).asc(),
            Case(When(is_owed, then=F("id"))).asc(),
            Case(When(is_closed, then=F("closed_at"))).desc(),
            Case(When(is_closed, then=F("id"))).desc(),
        )
    )
    owed = [each for each in shown if each.status in OWING]
    closed = [each for each in shown if each.status == RectificationStatus.CLOSED]
    today = timezone.localdate()
    for each in owed + closed:
        each.overdue = rules.rectification_overdue(status=each.status, due_on=each.due_on, today=today)
    return {
        "shown": True,
        "site": site,
        "visits": visits,
        "owed": owed,
        "closed": closed,
        "overdue_count": sum(1 for each in owed if each.overdue),
        # Staff may record a visit to every site they see, and this page's site is one (visit_sites_for).
        "may_record": may_manage_supervision(user) or visit_sites_for(user).filter(pk=site.pk).exists(),
    }
