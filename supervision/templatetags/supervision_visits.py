"""Site page section(s) of supervision: visits."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def site_visits_panel(context, site):
    return ""
