"""Template context every page gets."""

from django.conf import settings

from .navigation import request_menu


def navigation(request):
    # Lazy: the menu's one query runs when a template first draws the header (pages without it never do).
    return {
        "site_title": settings.SITE_TITLE,
        "nav_items": lambda: request_menu(request).header()[0],
        "nav_menu": lambda: request_menu(request).header()[1],
        "nav_menu_active": lambda: any(item.url == request.path for item in request_menu(request).header()[1]),
        "current_path": request.path,
        "unread_notifications": lambda: request_menu(request).unread,
    }
