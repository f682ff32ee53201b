"""Who may manage whose account (accounts.permissions): administrators everyone, staff the roles below theirs
within their scope, nobody else."""

import pytest

from accounts.choices import DataScope
from accounts.permissions import (
    assignable_roles,
    grantable_scopes,
    is_administrator,
    may_manage,
    may_manage_users,
)
from accounts.roles import BELOW_STAFF, Role
from tests.factories import UserFactory

MANAGERS = {"admin", "staff"}


@pytest.fixture
def regional_staff(city):
    """Organization-department staff of district A only."""
    return UserFactory(username="t-staff-a", scope=DataScope.REGION, region=city.district_a, roles=[Role.STAFF])


@pytest.mark.parametrize(
    "role", ["admin", "staff", "district", "instructor", "leader", "scorer", "teamlead", "viewer", "outsider", "nobody"]
)
def test_only_administrators_and_staff_manage_users(cast, role):
    assert may_manage_users(getattr(cast, role)) is (role in MANAGERS)


def test_an_inactive_administrator_manages_nobody(cast):
    cast.admin.is_active = False
    assert not may_manage_users(cast.admin) and not is_administrator(cast.admin)


def test_administrators_grant_every_role_staff_only_those_below(cast):
    assert assignable_roles(cast.admin) == list(Role.values)
    assert set(assignable_roles(cast.staff)) == set(BELOW_STAFF)
    assert Role.ADMIN not in assignable_roles(cast.staff) and Role.STAFF not in assignable_roles(cast.staff)
    for role in ("district", "instructor", "leader", "scorer", "teamlead", "viewer", "outsider", "nobody"):
        assert assignable_roles(getattr(cast, role)) == []


@pytest.mark.parametrize(
    ("target", "by_admin", "by_staff"),
    [
        ("admin", True, False),
        ("staff", True, False),
        ("district", True, True),
        ("instructor", True, True),
        ("leader", True, True),
        ("scorer", True, True),
        ("teamlead", True, True),
        ("viewer", True, True),
        ("outsider", True, True),
        ("nobody", True, True),
    ],
)
def test_whom_administrators_and_staff_may_manage(cast, target, by_admin, by_staff):
    person = getattr(cast, target)
    assert may_manage(cast.admin, person) is by_admin
    assert may_manage(cast.staff, person) is by_staff
    for other in ("district", "instructor", "leader", "scorer", "teamlead", "viewer", "outsider", "nobody"):
        assert not may_manage(getattr(cast, other), person)


def test_staff_never_manage_a_superuser_even_without_roles(cast):
    root = UserFactory(username="root", is_superuser=True)
    assert may_manage(cast.admin, root)
    assert not may_manage(cast.staff, root)


def test_a_user_with_one_role_at_staff_level_is_out_of_staff_reach(cast):
    mixed = UserFactory(username="mixed", roles=[Role.STAFF, Role.INSTRUCTOR], scope=DataScope.CITY)
    assert not may_manage(cast.staff, mixed)


def test_region_scoped_staff_manage_only_within_their_subtree(cast, regional_staff, city):
    assert may_manage(regional_staff, cast.district)  # oversees district A
    assert may_manage(regional_staff, cast.leader)  # organization in district A
    assert not may_manage(regional_staff, cast.outsider)  # district B
    assert not may_manage(regional_staff, cast.scorer)  # organization in district B
    assert not may_manage(regional_staff, cast.instructor)  # a city-level person with no region


def test_only_a_city_scope_manager_grants_the_city_scope(cast, regional_staff):
    assert DataScope.CITY in grantable_scopes(cast.admin)
    assert DataScope.CITY in grantable_scopes(cast.staff)
    assert grantable_scopes(regional_staff) == [DataScope.REGION, DataScope.ASSIGNED]
    assert grantable_scopes(cast.district) == []
