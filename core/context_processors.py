"""Template context every page gets."""

from django.conf import settings

from .navigation import header_navigation


def navigation(request):
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    bar, menu = header_navigation(user) if user is not None else ([], [])
    return {
        "site_title": settings.SITE_TITLE,
        "nav_items": bar,
        "nav_menu": menu,
        "nav_menu_active": any(item.url == request.path for item in menu),
        "current_path": request.path,
        # Lazy: only pages that show the bell run the count query.
        "unread_notifications": (lambda: user.notifications.filter(read_at__isnull=True).count()) if signed_in else 0,
    }
