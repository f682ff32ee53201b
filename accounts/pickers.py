"""Search endpoints of the pickers (core/widgets.py): regions, organizations and people, each within the
user's data scope, labelled with the region path so that same-named places can be told apart."""

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET

from core.pickers import picker_response

from .roles import Role
from .selectors import organizations_visible_to, regions_visible_to, users_visible_to


@require_GET
@login_required
def regions(request):
    """`?max_depth=2` offers only the nodes down to that depth (e.g. a district or town to build a ledger of),
    `?depth=1` only the nodes at that depth (e.g. districts)."""
    regions = regions_visible_to(request.user)
    for parameter, lookup in (("max_depth", "depth__lte"), ("depth", "depth")):
        value = request.GET.get(parameter, "")
        if value.isdigit():
            regions = regions.filter(**{lookup: int(value)})
    return picker_response(
        request,
        regions,
        search=["label"],
        extra=lambda region: {"depth": region.depth},
        order_by=("depth", "path"),
    )


@require_GET
@login_required
def organizations(request):
    return picker_response(
        request,
        organizations_visible_to(request.user),
        search=["name", "region__label"],
        order_by=("region__path", "name"),
    )


def _person(user) -> str:
    where = user.unit or (user.organization.name if user.organization_id else "")
    return f"{user.get_full_name()}（{user.username}{' · ' + where if where else ''}）"


@require_GET
@login_required
def users(request):
    """`?role=instructor&role=staff` limits the people to those roles (e.g. choosing a site's instructors)."""
    people = users_visible_to(request.user).filter(is_active=True)
    roles = [role for role in request.GET.getlist("role") if role in Role.values]
    if roles:
        people = people.filter(groups__name__in=roles).distinct()
    return picker_response(
        request, people, search=["full_name", "username", "unit", "phone"], label=_person, order_by=("full_name",)
    )
