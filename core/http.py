"""Small helpers about requests."""

from django.conf import settings


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the header a trusted reverse proxy sets (CLIENT_IP_HEADER)."""
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    if header and request.META.get(header):
        return request.META[header].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def is_htmx(request) -> bool:
    """True when htmx made the request, so the view answers with a fragment instead of a page."""
    return request.headers.get("HX-Request") == "true"
