"""Access checks for views: who may open a page. What they may see in it is the data scope's job."""

from functools import wraps

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404


def file_permission(*perms: str):
    """For private file URLs: anyone who may not have the file gets a plain 404, anonymous users included,
    so a file's address reveals nothing (not even that it exists)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated or not request.user.has_perms(perms):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def require_permission(*perms: str):
    """Anonymous users go to the login page; logged-in users without the permission get a 403 page."""

    def decorator(view):
        return wraps(view)(login_required(permission_required(perms, raise_exception=True)(view)))

    return decorator
