"""What supervision adds to other apps' pages: the site page's supervision sections (tasks, visits and
rectification, notices, study tours, pairings, experiences), each from its feature's tag library."""

from django import template
from django.utils import timezone

from core.together import read_together

from .supervision_assignments import assignments_lists
from .supervision_community import community_lists
from .supervision_visits import visits_lists

register = template.Library()


@register.inclusion_tag("supervision/_site_panel.html", takes_context=True)
def site_supervision_panel(context, site):
    """The site page's supervision panels (tasks, visits and rectification, community), their lists all read in
    one query (core.together) instead of one query each."""
    user = context["request"].user
    year = timezone.localdate().year
    named = {**assignments_lists(user, site), **visits_lists(user, site), **community_lists(user, site, year)}
    return {"site": site, "request": context["request"], "user": user, "rows": read_together(named)}
