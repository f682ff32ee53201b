"""Roles are groups with permissions, created by the data migration and kept in sync after migrate."""

import pytest
from django.contrib.auth.models import Group

from accounts.roles import Role
from accounts.services import sync_role_permissions, user_set_roles
from core.models import AuditEntry
from tests.factories import UserFactory


@pytest.mark.django_db
def test_every_role_of_the_domain_exists_as_a_group():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


@pytest.mark.django_db
def test_role_permissions_follow_the_role_table():
    admin = Group.objects.get(name=Role.ADMIN)
    staff = Group.objects.get(name=Role.STAFF)
    viewer = Group.objects.get(name=Role.VIEWER)
    assert admin.permissions.filter(codename="change_user").exists()
    assert admin.permissions.filter(codename="view_jobheartbeat").exists()
    assert staff.permissions.filter(codename="change_partyorganization").exists()
    # Staff manage the accounts below theirs (accounts.permissions decides whose); nobody deletes accounts.
    assert staff.permissions.filter(codename__in=["add_user", "change_user"]).count() == 2
    assert not staff.permissions.filter(codename="delete_user").exists()
    for role in set(Role.values) - {Role.ADMIN, Role.STAFF}:
        assert not Group.objects.get(name=role).permissions.filter(codename="change_user").exists()
    viewer_codenames = set(viewer.permissions.values_list("codename", flat=True))
    assert {"view_region", "view_partyorganization", "view_standard", "view_site"} <= viewer_codenames
    assert all(codename.startswith("view_") for codename in viewer_codenames)  # leaders only look


@pytest.mark.django_db
def test_sync_is_idempotent():
    first = sync_role_permissions()
    second = sync_role_permissions()
    assert first == second
    assert Group.objects.filter(name__in=Role.values).count() == len(Role.values)


@pytest.mark.django_db
def test_setting_roles_gives_admin_site_access_to_staff_and_is_audited():
    actor = UserFactory(username="boss", is_superuser=True)
    user = UserFactory(username="clerk")
    user_set_roles(user=user, roles=[Role.STAFF], actor=actor)
    user.refresh_from_db()
    assert user.roles == {Role.STAFF}
    assert user.is_staff
    entry = AuditEntry.objects.get(action="user_set_roles", object_id=str(user.pk))
    assert entry.actor == actor
    assert entry.changes == {"roles": [[], [Role.STAFF]]}

    user_set_roles(user=user, roles=[Role.SCORER], actor=actor)
    user.refresh_from_db()
    assert not user.is_staff
    assert user.has_role(Role.SCORER) and not user.has_role(Role.STAFF)


@pytest.mark.django_db
def test_unknown_roles_are_refused():
    with pytest.raises(ValueError, match="unknown roles"):
        user_set_roles(user=UserFactory(username="x"), roles=["emperor"])
