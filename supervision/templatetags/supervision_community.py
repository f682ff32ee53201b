"""Site page section(s) of supervision: community."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def site_community_panel(context, site):
    """Notices of criticism, study tours, pairings and experiences of the site."""
    return ""
