"""Template context every page gets."""

from django.conf import settings

from .navigation import navigation_for


def navigation(request):
    user = getattr(request, "user", None)
    return {
        "site_title": settings.SITE_TITLE,
        "nav_items": navigation_for(user) if user is not None else [],
        "current_path": request.path,
    }
