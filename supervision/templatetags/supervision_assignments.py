"""Site page section(s) of supervision: assignments."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def site_assignments_panel(context, site):
    return ""
