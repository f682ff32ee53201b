"""What supervision adds to other apps' pages: the site page's supervision sections (tasks, visits and
rectification, notices, study tours, pairings, experiences), each from its feature's tag library."""

from django import template

register = template.Library()


@register.inclusion_tag("supervision/_site_panel.html", takes_context=True)
def site_supervision_panel(context, site):
    return {"site": site, "request": context["request"], "user": context["request"].user}
