"""Accounts pages: login lockout, and the Party organizations a user may browse."""

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.permissions import require_permission

from .filters import OrganizationFilter
from .forms import LoginForm
from .selectors import organizations_visible_to

PAGE_SIZE = 30


def lockout_response(request, original_response=None, credentials=None):
    """django-axes calls this when a login is refused for too many failures: the login page, with why."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = LoginForm(request, initial={"username": username})
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/login.html",
        {"form": form, "locked_out": True, "cooloff_minutes": minutes, "next": request.POST.get("next", "")},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


@require_permission("accounts.view_partyorganization")
def organization_list(request):
    filterset = OrganizationFilter(request.GET, queryset=organizations_visible_to(request.user), request=request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/organization_list.html",
        {"filter": filterset, "page_obj": page, "breadcrumbs": [(_("党组织"), None)]},
    )
