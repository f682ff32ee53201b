"""Writes of accounts data: role permissions and user roles."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from core.services import audit_record

from .roles import ADMIN_SITE_ROLES, ROLE_PERMISSIONS, Role, role_permission_filter


@transaction.atomic
def sync_role_permissions(*, group_model=Group, permission_model=Permission) -> dict[str, int]:
    """Create a group per role and give it exactly the permissions roles.py lists (those that exist yet).

    Idempotent. Takes the models as arguments so the data migration can pass its historical ones.
    """
    counts = {}
    for role in Role:
        group, _created = group_model.objects.get_or_create(name=role.value)
        spec = ROLE_PERMISSIONS.get(role, {})
        permissions = permission_model.objects.filter(role_permission_filter(spec))
        group.permissions.set(permissions)
        counts[role.value] = permissions.count()
    return counts


@transaction.atomic
def user_set_roles(*, user, roles: list[str], actor=None):
    """Give `user` exactly these roles; admin and staff also get into Django's admin site."""
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    before = sorted(user.roles)
    user.groups.set(Group.objects.filter(name__in=roles))
    user.is_staff = user.is_superuser or bool(ADMIN_SITE_ROLES.intersection(roles))
    user.save(update_fields=["is_staff"])
    user.__dict__.pop("roles", None)
    audit_record(actor=actor, action="user_set_roles", target=user, changes={"roles": [before, sorted(roles)]})
    return user
