"""User services against the database: one-time passwords, grants limited by the manager, audit without
passwords, deactivation that ends sessions."""

import json

import pytest
from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import services
from accounts.choices import DataScope
from accounts.models import User
from accounts.passwords import ALPHABET, LENGTH, one_time_password
from accounts.roles import Role
from core.audit import change_lines
from core.models import AuditEntry
from tests.factories import UserFactory


def entries(user, action=None):
    found = AuditEntry.objects.filter(content_type__model="user", object_id=str(user.pk))
    return found.filter(action=action) if action else found


@pytest.fixture
def regional_staff(city):
    return UserFactory(username="t-staff-a", scope=DataScope.REGION, region=city.district_a, roles=[Role.STAFF])


def test_one_time_passwords_are_readable_and_pass_the_validators(db):
    seen = set()
    for _ in range(200):
        password = one_time_password()
        assert len(password) == LENGTH and set(password) <= set(ALPHABET)
        assert not set(password) & set("0Oo1lIi2Z5S8B")
        assert any(c.isupper() for c in password) and any(c.islower() for c in password)
        assert any(c.isdigit() for c in password)
        password_validation.validate_password(password)
        seen.add(password)
    assert len(seen) == 200


def test_creating_a_user_gives_a_one_time_password_to_change_and_records_it_readably(cast, city):
    user, password = services.user_create(
        by=cast.staff,
        username="zhang.wei",
        full_name="张伟",
        phone="13912345678",
        organization=city.org_a,
        roles=[Role.LEADER],
        scope=DataScope.ASSIGNED,
    )
    user.refresh_from_db()
    assert user.check_password(password) and user.must_change_password
    assert user.roles == {Role.LEADER} and not user.is_staff
    entry = entries(user, "user_create").get()
    assert entry.actor == cast.staff
    assert password not in json.dumps(entry.changes, ensure_ascii=False) and password not in entry.object_repr
    lines = {line.field: line.new for line in change_lines(User, entry.changes)}
    assert lines["角色"] == "示范点负责人" and lines["数据范围"] == "指定对象"
    assert lines["所属党组织"] == "甲村党支部（甲区 · 甲镇 · 甲村）"


def test_staff_cannot_grant_admin_or_staff(cast):
    for role in (Role.ADMIN, Role.STAFF):
        with pytest.raises(ValidationError) as error:
            services.user_create(by=cast.staff, username=f"x-{role}", full_name="某人", roles=[role])
        assert "roles" in error.value.error_dict
    assert not User.objects.filter(username__startswith="x-").exists()


def test_an_administrator_grants_staff_and_the_admin_site_follows(cast):
    user, _password = services.user_create(
        by=cast.admin, username="clerk", full_name="新科员", roles=[Role.STAFF], scope=DataScope.CITY
    )
    assert user.is_staff and user.roles == {Role.STAFF}


def test_region_scoped_staff_grant_only_inside_their_subtree(cast, city, regional_staff):
    with pytest.raises(ValidationError) as error:
        services.user_create(
            by=regional_staff,
            username="b-liaison",
            full_name="乙联络员",
            roles=[Role.DISTRICT],
            scope=DataScope.REGION,
            region=city.district_b,
        )
    assert "region" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        services.user_create(
            by=regional_staff, username="a-viewer", full_name="领导", roles=[Role.VIEWER], scope=DataScope.CITY
        )
    assert "scope" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        services.user_create(
            by=regional_staff, username="b-leader", full_name="乙负责人", roles=[Role.LEADER], organization=city.org_b
        )
    assert "organization" in error.value.error_dict
    user, _password = services.user_create(
        by=regional_staff,
        username="a-liaison",
        full_name="甲联络员",
        roles=[Role.DISTRICT],
        scope=DataScope.REGION,
        region=city.town_a,
    )
    assert user.region == city.town_a


def test_region_scoped_staff_cannot_create_someone_they_could_not_see_again(city, regional_staff):
    with pytest.raises(ValidationError, match="不在您的数据范围内"):
        services.user_create(by=regional_staff, username="floating", full_name="无归属", roles=[Role.INSTRUCTOR])
    assert not User.objects.filter(username="floating").exists()


def test_nobody_else_creates_users(cast):
    for role in ("district", "instructor", "leader", "scorer", "teamlead", "viewer", "outsider", "nobody"):
        with pytest.raises(PermissionDenied):
            services.user_create(by=getattr(cast, role), username=f"by-{role}", full_name="某人", roles=[Role.VIEWER])


def test_an_update_records_roles_scope_and_region_in_words_and_an_unchanged_one_nothing(cast, city):
    person = cast.district
    before = AuditEntry.objects.count()
    services.user_update(
        by=cast.staff,
        user=person,
        roles=[Role.DISTRICT],
        username=person.username,
        full_name=person.full_name,
        scope=DataScope.REGION,
        region=city.district_a,
    )
    assert AuditEntry.objects.count() == before
    services.user_update(
        by=cast.staff,
        user=person,
        roles=[Role.DISTRICT, Role.INSTRUCTOR],
        username=person.username,
        full_name=person.full_name,
        scope=DataScope.REGION,
        region=city.town_a,
    )
    entry = entries(person, "user_update").get()
    lines = {line.field: (line.old, line.new) for line in change_lines(User, entry.changes)}
    assert lines == {"所辖区域": ("甲区", "甲区 · 甲镇"), "角色": ("区县联络员", "区县联络员、督查指导员")}
    person.refresh_from_db()
    assert person.roles == {Role.DISTRICT, Role.INSTRUCTOR} and person.region == city.town_a


def test_leaving_the_region_scope_drops_the_region(cast):
    services.user_update(
        by=cast.staff,
        user=cast.district,
        roles=[Role.DISTRICT],
        username="t-district",
        full_name=cast.district.full_name,
        scope=DataScope.ASSIGNED,
        region=cast.district.region,
    )
    cast.district.refresh_from_db()
    assert cast.district.region is None and cast.district.scope == DataScope.ASSIGNED


def test_staff_cannot_update_an_administrator_or_themselves(cast):
    for target in (cast.admin, cast.staff):
        with pytest.raises(PermissionDenied):
            services.user_update(by=cast.staff, user=target, roles=[Role.VIEWER], full_name="改名")


def test_an_administrator_cannot_drop_their_own_admin_role(cast):
    holder = UserFactory(username="role-admin", roles=[Role.ADMIN], scope=DataScope.CITY)
    with pytest.raises(ValidationError, match="不能取消自己的系统管理员角色"):
        services.user_update(by=holder, user=holder, roles=[Role.VIEWER], username="role-admin", full_name="管")


def test_deactivation_keeps_the_account_ends_sessions_and_is_recorded(client, cast):
    client.force_login(cast.leader)
    assert Session.objects.count() == 1
    services.user_deactivate(by=cast.staff, user=cast.leader, reason="调离")
    cast.leader.refresh_from_db()
    assert not cast.leader.is_active and User.objects.filter(pk=cast.leader.pk).exists()
    assert Session.objects.count() == 0
    assert client.get("/sites/").status_code == 302  # logged out
    entry = entries(cast.leader, "user_deactivate").get()
    assert entry.reason == "调离" and entry.changes == {"is_active": [True, False]}
    services.user_deactivate(by=cast.staff, user=cast.leader)  # already inactive: nothing more
    assert entries(cast.leader, "user_deactivate").count() == 1
    services.user_reactivate(by=cast.staff, user=cast.leader)
    cast.leader.refresh_from_db()
    assert cast.leader.is_active and entries(cast.leader, "user_reactivate").count() == 1


def test_a_deactivated_user_cannot_log_in(client, cast):
    services.user_deactivate(by=cast.admin, user=cast.viewer)
    response = client.post("/accounts/login/", {"username": "t-viewer", "password": "Test-pass-2026"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_nobody_deactivates_themselves(cast):
    with pytest.raises(ValidationError, match="不能停用自己的账号"):
        services.user_deactivate(by=cast.admin, user=cast.admin)


def test_a_password_reset_is_recorded_without_the_password(client, cast):
    client.force_login(cast.scorer)
    password = services.user_reset_password(by=cast.staff, user=cast.scorer)
    cast.scorer.refresh_from_db()
    assert cast.scorer.check_password(password) and cast.scorer.must_change_password
    entry = entries(cast.scorer, "user_reset_password").get()
    assert password not in json.dumps([entry.changes, entry.reason, entry.object_repr], ensure_ascii=False)
    assert client.get("/sites/").status_code == 302  # the old password's session has ended
