"""Reads of accounts data, always through the data scope (scope.py)."""

from django.db.models import Q, QuerySet

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
