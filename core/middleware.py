"""Middleware shared by every page."""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageMiddleware:
    """Chinese unless the user chose otherwise: `?lang=en` switches and is remembered in a cookie.

    Replaces Django's LocaleMiddleware on purpose: the browser's Accept-Language is ignored, because many
    intranet machines run an English system while their users expect the Chinese interface.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.GET.get("lang")
        if chosen not in self.languages:
            chosen = None
        remembered = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen or (remembered if remembered in self.languages else settings.LANGUAGE_CODE)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ["Cookie"])
        response.headers.setdefault("Content-Language", language)
        if chosen:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                chosen,
                max_age=365 * 24 * 3600,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=True,
            )
        translation.deactivate()
        return response
