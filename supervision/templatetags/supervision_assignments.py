"""Site page section of supervision: the site's tasks and their standing, for those who see the site."""

from django import template
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from ..assignments import standing
from ..choices import OWING, AssignmentStatus
from ..reminders import local_zone
from ..selectors import targets_visible_to

register = template.Library()

LIMIT = 20


@register.inclusion_tag("supervision/_site_assignments.html", takes_context=True)
def site_assignments_panel(context, site):
    """The site's tasks (owed first, nearest due first): one query, whatever the number of tasks."""
    user = context["request"].user
    targets = list(
        targets_visible_to(user)
        .filter(site=site)
        .select_related("assignment")
        .annotate(
            owing=Case(
                When(status__in=OWING, assignment__status=AssignmentStatus.PUBLISHED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("owing", "-assignment__due_at", "pk")[:LIMIT]
    )
    now, tz = timezone.now(), local_zone()
    for target in targets:
        target.standing = standing(target.status, target.assignment.due_at, now, tz)
    return {"targets": targets, "owing": sum(1 for target in targets if target.owing == 0)}
