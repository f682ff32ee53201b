"""Access checks for views: who may open a page. What they may see in it is the data scope's job."""

from functools import wraps

from django.contrib.auth.decorators import login_required, permission_required


def require_permission(*perms: str):
    """Anonymous users go to the login page; logged-in users without the permission get a 403 page."""

    def decorator(view):
        return wraps(view)(login_required(permission_required(perms, raise_exception=True)(view)))

    return decorator
