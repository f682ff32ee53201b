"""Template helpers every app's pages use."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from core.navigation import request_menu

register = template.Library()


@register.filter
def elided_range(paginator, number):
    """Page numbers with ellipses, so a 400-page list still fits on a phone."""
    return paginator.get_elided_page_range(number, on_each_side=1, on_ends=1)


_BOLD = re.compile(r"\*\*(.+?)\*\*")


@register.filter
def simple_markdown(text: str) -> str:
    """A safe subset of Markdown for texts staff write (scoring guides): paragraphs, line breaks, **bold**,
    and lists whose lines start with "- " or "1. ". Everything is escaped first, so no HTML gets through."""
    blocks, current_list, list_tag = [], [], None

    def flush_list():
        nonlocal current_list, list_tag
        if current_list:
            items = "".join(f"<li>{item}</li>" for item in current_list)
            blocks.append(f"<{list_tag}>{items}</{list_tag}>")
        current_list, list_tag = [], None

    paragraph = []
    for raw in str(text or "").splitlines():
        line = _BOLD.sub(r"<strong>\1</strong>", escape(raw.strip()))
        bullet = re.match(r"^[-*]\s+(.*)", line)
        numbered = re.match(r"^\d+[.、)]\s*(.*)", line)
        if bullet or numbered:
            if paragraph:
                blocks.append("<p>" + "<br>".join(paragraph) + "</p>")
                paragraph = []
            tag = "ul" if bullet else "ol"
            if list_tag and list_tag != tag:
                flush_list()
            list_tag = tag
            current_list.append((bullet or numbered).group(1))
        elif line:
            flush_list()
            paragraph.append(line)
        else:
            flush_list()
            if paragraph:
                blocks.append("<p>" + "<br>".join(paragraph) + "</p>")
                paragraph = []
    flush_list()
    if paragraph:
        blocks.append("<p>" + "<br>".join(paragraph) + "</p>")
    return mark_safe("".join(blocks))  # noqa: S308 - every piece was escaped above


@register.simple_tag(takes_context=True)
def nav_badge(context, item) -> int | str:
    """The count a menu item shows beside its label (core.navigation.NavItem.badge), or 0."""
    request = context.get("request")
    if item.badge is None or request is None:
        return 0
    return request_menu(request).badges.get(item.url_name, 0)
