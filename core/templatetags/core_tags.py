"""Template helpers every app's pages use."""

from django import template

register = template.Library()


@register.filter
def elided_range(paginator, number):
    """Page numbers with ellipses, so a 400-page list still fits on a phone."""
    return paginator.get_elided_page_range(number, on_each_side=1, on_ends=1)
