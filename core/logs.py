"""Logging filters, configured in settings.LOGGING."""

import logging


def _escaped(value: str) -> str:
    # As Django does for the values it logs: a path cannot forge extra log lines.
    return value.encode("unicode_escape").decode("ascii")


class ForbiddenWithoutTraceback(logging.Filter):
    """On `django.request`: a 403 becomes one warning line with method, path, user and status.

    Django logs a PermissionDenied with the exception attached, so each refused click (require_permission, views
    that raise it) wrote a traceback that reads like a failure and buries real errors. A 403 is the product doing
    its job; who was refused what is all an operator needs. Other statuses are left as Django logs them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) != 403:
            return True
        request = getattr(record, "request", None)
        user = getattr(request, "user", None)
        username = user.get_username() if user is not None and user.is_authenticated else "anonymous"
        record.msg = "Forbidden: %s %s user=%s status=%s"
        record.args = (
            getattr(request, "method", "-"),
            _escaped(getattr(request, "path", "-")),
            _escaped(username),
            403,
        )
        record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        record.exc_info, record.exc_text = None, None
        return True
