"""Sending a user who holds a one-time password to the password-change page before anything else."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse


class PasswordChangeRequiredMiddleware:
    """A user whose password was handed out by someone else (a new account, a reset: must_change_password)
    sees only the password-change page until they choose their own; logging out and static files still work.
    The page itself explains why (registration/password_change_form.html)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password and not self._allowed(request):
            return redirect("password_change")
        return self.get_response(request)

    @staticmethod
    def _allowed(request) -> bool:
        allowed = (reverse("password_change"), reverse("password_change_done"), reverse("logout"))
        static = "/" + settings.STATIC_URL.lstrip("/")
        return request.path in allowed or request.path.startswith(static)
