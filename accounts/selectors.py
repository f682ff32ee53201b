"""Reads of accounts data, always through the data scope (scope.py)."""

from django.db.models import Q, QuerySet

from .choices import DataScope
from .models import PartyOrganization, Region
from .scope import restrict_to_scope


def _own_organization(user) -> Q | None:
    return Q(pk=user.organization_id) if getattr(user, "organization_id", None) else None


def regions_visible_to(user) -> QuerySet[Region]:
    """Regions a user may browse or pick: their subtree, or the region of their own organization."""
    own_region = None
    if getattr(user, "organization_id", None):
        own_region = Q(pk=user.organization.region_id)
    return restrict_to_scope(Region.objects.select_related("parent"), user, region_field="", assigned=own_region)


def organizations_visible_to(user) -> QuerySet[PartyOrganization]:
    """Party organizations in the user's scope; an assigned-scope user sees their own organization."""
    queryset = PartyOrganization.objects.select_related("region", "region__parent", "parent")
    return restrict_to_scope(queryset, user, region_field="region", assigned=_own_organization(user))


def users_visible_to(viewer) -> QuerySet:
    """People a user manager (or a staff member choosing instructors and liaisons) may see and pick.

    City scope: everyone. Region scope: people whose own region or whose organization lies in the subtree
    (city-level people, e.g. instructors with no region, are picked by city staff). Others: only themselves.
    """
    from .models import User

    if viewer is None or not viewer.is_authenticated or not viewer.is_active:
        return User.objects.none()
    if not (viewer.has_perm("accounts.view_user") or viewer.has_perm("sites.change_site")):
        return User.objects.filter(pk=viewer.pk)
    users = User.objects.select_related("region", "organization__region")
    if viewer.is_superuser or viewer.scope == DataScope.CITY:
        return users
    if viewer.scope == DataScope.REGION and viewer.region_id:
        prefix = viewer.region.path
        return users.filter(Q(region__path__startswith=prefix) | Q(organization__region__path__startswith=prefix))
    return users.filter(pk=viewer.pk)
