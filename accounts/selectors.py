"""Reads of accounts data, always through the data scope (scope.py)."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from core.models import AuditEntry

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


def regions_grantable_by(manager) -> QuerySet[Region]:
    """The regions `manager` may hand out as someone's 所辖区域 or put an organization in: their subtree, or
    the whole city for a city-scope manager. Unlike regions_visible_to, never their own organization's region
    outside the subtree."""
    regions = Region.objects.select_related("parent")
    if manager is None or not manager.is_authenticated or not manager.is_active:
        return regions.none()
    if manager.is_superuser or manager.scope == DataScope.CITY:
        return regions
    if manager.scope == DataScope.REGION and manager.region_id:
        return regions.filter(path__startswith=manager.region.path)
    return regions.none()


def organizations_manageable_by(manager) -> QuerySet[PartyOrganization]:
    """Organizations `manager` may edit: those in their region subtree (not their own one elsewhere)."""
    queryset = PartyOrganization.objects.select_related("region", "region__parent", "parent", "parent__region")
    return restrict_to_scope(queryset, manager, region_field="region")


def organization_detail_queryset(viewer) -> QuerySet[PartyOrganization]:
    return organizations_visible_to(viewer).select_related("parent__region")


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


def user_list_queryset(viewer) -> QuerySet:
    """The user list: roles (groups), region and organization come along, so 50 rows cost what 1 does."""
    return (
        users_visible_to(viewer)
        .select_related("region", "organization__region")
        .prefetch_related("groups")
        .order_by("-is_active", "username")
    )


def audit_trail(target, limit: int = 50) -> QuerySet[AuditEntry]:
    """The newest audit entries about `target`, ready for core.audit.describe."""
    content_type = ContentType.objects.get_for_model(target, for_concrete_model=False)
    return AuditEntry.objects.filter(content_type=content_type, object_id=str(target.pk)).select_related(
        "actor", "content_type"
    )[:limit]
