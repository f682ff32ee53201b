"""Site page section(s) of supervision: guidance visits and rectification items."""

from django import template
from django.db.models import Count, Q
from django.utils import timezone

from supervision import rules
from supervision.choices import RectificationStatus
from supervision.models import GuidanceVisit, Rectification

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
    items = Rectification.objects.filter(site=site).select_related("visit")
    owed = list(items.filter(status__in=OWING).order_by("due_on", "id"))
    closed = list(items.filter(status=RectificationStatus.CLOSED).order_by("-closed_at", "-id")[:RECENT_CLOSED])
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
        "may_record": visit_sites_for(user).filter(pk=site.pk).exists(),
    }
