"""Site page section(s) of supervision: guidance visits and rectification items."""

from django import template
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.together import read_together
from supervision import rules
from supervision.choices import RectificationStatus
from supervision.models import GuidanceVisit, Rectification
from supervision.permissions import may_record_visit

register = template.Library()

RECENT_VISITS = 5
RECENT_CLOSED = 5
OWING = (RectificationStatus.OPEN, RectificationStatus.SUBMITTED)


def visits_lists(user, site) -> dict:
    """The panel's lists for core.together.read_together (none for those who do not read supervision): the recent
    visits with their owed items counted, and the owed items (nearest deadline first) then the latest closed ones,
    in one list ordered for both."""
    from supervision.views.visits import may_see_visits

    if not may_see_visits(user):
        return {}
    owed_items = Rectification.objects.filter(visit=OuterRef("pk"), status__in=OWING).order_by().values("visit")
    items = Rectification.objects.filter(site=site)
    latest_closed = items.filter(status=RectificationStatus.CLOSED).order_by("-closed_at", "-id")[:RECENT_CLOSED]
    is_owed, is_closed = Q(status__in=OWING), Q(status=RectificationStatus.CLOSED)
    return {
        "visits": GuidanceVisit.objects.filter(site=site)
        .select_related("recorded_by")
        .annotate(open_count=Coalesce(Subquery(owed_items.annotate(n=Count("pk")).values("n")), 0))
        .order_by("-visited_on", "-id")[:RECENT_VISITS],
        "rectifications": items.filter(is_owed | Q(pk__in=latest_closed.values("pk")))
        .select_related("visit")
        .order_by(
            Case(When(is_owed, then=Value(0)), default=Value(1)),
            Case(When(is_owed, then=F("due_on"))).asc(),
            Case(When(is_owed, then=F("id"))).asc(),
            Case(When(is_closed, then=F("closed_at"))).desc(),
            Case(When(is_closed, then=F("id"))).desc(),
        ),
    }


@register.inclusion_tag("supervision/_site_visits.html", takes_context=True)
def site_visits_panel(context, site, rows=None):
    """The site's recent guidance visits and its rectification items (owed ones, then the latest closed), with
    their deadlines and overdue marks — for those who read supervision (the site page is already scoped). `rows`:
    the lists already read with the site page's other panels; without them, one query, whatever the rows."""
    from supervision.views.visits import may_see_visits

    user = context["request"].user
    if not may_see_visits(user):
        return {"shown": False}
    if rows is None:
        rows = read_together(visits_lists(user, site))
    shown = rows["rectifications"]
    owed = [each for each in shown if each.status in OWING]
    closed = [each for each in shown if each.status == RectificationStatus.CLOSED]
    today = timezone.localdate()
    for each in owed + closed:
        each.overdue = rules.rectification_overdue(status=each.status, due_on=each.due_on, today=today)
    return {
        "shown": True,
        "site": site,
        "visits": rows["visits"],
        "owed": owed,
        "closed": closed,
        "overdue_count": sum(1 for each in owed if each.overdue),
        # The page's site is visible to the user, so this is visit_sites_for's rule for it, without a query
        # (the site page attaches its instructors and liaisons).
        "may_record": may_record_visit(user, site),
    }
