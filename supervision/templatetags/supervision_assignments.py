"""Site page section of supervision: the site's tasks and their standing, for those who see the site."""

from django import template
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from core.together import read_together

from ..assignments import standing
from ..choices import OWING, AssignmentStatus
from ..reminders import local_zone
from ..selectors import targets_visible_to

register = template.Library()

LIMIT = 20


def assignments_lists(user, site) -> dict:
    """The panel's list for core.together.read_together: the site's tasks, owed first, nearest due first."""
    return {
        "targets": targets_visible_to(user)
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
    }


@register.inclusion_tag("supervision/_site_assignments.html", takes_context=True)
def site_assignments_panel(context, site, rows=None):
    """The site's tasks and their standing. `rows`: the lists already read with the site page's other panels
    (site_supervision_panel); without them, one query, whatever the number of tasks."""
    user = context["request"].user
    targets = (rows if rows is not None else read_together(assignments_lists(user, site)))["targets"]
    now, tz = timezone.now(), local_zone()
    for target in targets:
        target.standing = standing(target.status, target.assignment.due_at, now, tz)
    return {"targets": targets, "owing": sum(1 for target in targets if target.owing == 0)}
