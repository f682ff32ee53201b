"""A user's roles and permissions are read together, in one query, and are what Django's ModelBackend gives."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from accounts.models import User
from accounts.roles import Role

ROLES = ["admin", "staff", "district", "instructor", "leader", "scorer", "teamlead", "viewer", "outsider", "nobody"]


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize("role", ROLES)
def test_roles_and_permissions_in_one_query_as_django_reads_them(cast, role, django_assert_num_queries):
    person = getattr(cast, role)
    person.user_permissions.add(Permission.objects.get(codename="view_jobheartbeat"))  # one of their own too
    user = fresh(person)
    with django_assert_num_queries(1):
        user.has_perm("sites.view_site")
        roles = user.roles
        user.has_perm("sites.change_site")
        user.has_role(Role.STAFF)
    django = fresh(person)
    assert user.get_all_permissions() == ModelBackend().get_all_permissions(django)
    groups = set(django.groups.values_list("name", flat=True))
    assert roles == frozenset(groups & set(Role.values))


def test_roles_first_then_permissions_is_one_query_too(cast, django_assert_num_queries):
    user = fresh(cast.staff)
    with django_assert_num_queries(1):
        assert user.has_role(Role.STAFF)
        assert user.has_perm("sites.change_site")


def test_a_superuser_has_every_permission_and_the_admin_role(cast, django_assert_num_queries):
    User.objects.filter(pk=cast.nobody.pk).update(is_superuser=True)
    user = fresh(cast.nobody)
    with django_assert_num_queries(1):
        assert Role.ADMIN in user.roles
    assert user.get_all_permissions() == ModelBackend().get_all_permissions(fresh(cast.nobody))
    assert len(user.get_all_permissions()) == Permission.objects.count()


def test_an_inactive_user_has_no_permission(cast):
    User.objects.filter(pk=cast.staff.pk).update(is_active=False)
    user = fresh(cast.staff)
    assert not user.has_perm("sites.view_site") and user.get_all_permissions() == set()
    assert Role.STAFF in user.roles  # a role is a group: kept, only unusable


def test_new_roles_are_read_again_after_they_change(cast):
    from accounts.services import user_set_roles

    user = fresh(cast.viewer)
    assert user.roles == {Role.VIEWER} and user.has_perm("sites.view_site")
    user_set_roles(user=user, roles=[Role.DISTRICT])
    assert user.roles == {Role.DISTRICT}
