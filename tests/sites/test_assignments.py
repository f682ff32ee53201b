"""People and their sites: assigning an instructor's or liaison's sites from their user page, and opening an
account for a creation-group member from the site page."""

import json

import pytest
from django.contrib.messages import get_messages

from accounts.choices import DataScope
from accounts.models import User
from accounts.roles import Role
from core.models import AuditEntry
from sites import services
from sites.choices import GroupRole, SiteState
from sites.models import CreationGroupMember
from sites.selectors import sites_visible_to
from tests.factories import SiteFactory, UserFactory
from tests.utils import unchanged_post_data

ROLES = ["admin", "staff", "district", "instructor", "leader", "scorer", "teamlead", "viewer", "outsider", "nobody"]


@pytest.fixture
def sites(city, cast):
    a = SiteFactory(name="甲村示范点", organization=city.org_a, state=SiteState.FORMAL)
    a_town = SiteFactory(name="甲镇示范点", organization=city.org_a_town)
    b = SiteFactory(name="乙镇企业示范点", organization=city.org_b)
    CreationGroupMember.objects.create(site=a, role=GroupRole.LEADER, name="刘芳", user=cast.leader)
    a.instructors.add(cast.instructor)
    return {"a": a, "a_town": a_town, "b": b}


@pytest.fixture
def regional_staff(city):
    return UserFactory(username="t-staff-a", scope=DataScope.REGION, region=city.district_a, roles=[Role.STAFF])


def assigned(person, field="instructed_sites"):
    return set(getattr(person, field).values_list("name", flat=True))


def test_the_user_page_shows_the_sites_of_each_kind(client, cast, sites):
    sites["b"].liaisons.add(cast.outsider)
    client.force_login(cast.staff)
    html = client.get(f"/accounts/users/{cast.instructor.pk}/").content.decode()
    assert "督查指导员" in html and "甲村示范点" in html and "/sites/assignments/" in html
    html = client.get(f"/accounts/users/{cast.leader.pk}/").content.decode()
    assert "创建小组" in html and "甲村示范点" in html and "/sites/assignments/" not in html
    html = client.get(f"/accounts/users/{cast.outsider.pk}/").content.decode()
    assert "联络员" in html and "乙镇企业示范点" in html


@pytest.mark.parametrize("role", ROLES)
def test_who_may_assign_sites(client, cast, sites, role):
    client.force_login(getattr(cast, role))
    status = client.get(f"/sites/assignments/{cast.instructor.pk}/").status_code
    assert status == 200 if role in {"admin", "staff"} else status in (403, 404)


def test_staff_cannot_assign_for_staff(client, cast, sites):
    colleague = UserFactory(username="colleague", roles=[Role.STAFF], scope=DataScope.CITY)
    client.force_login(cast.staff)
    assert client.get(f"/sites/assignments/{colleague.pk}/").status_code == 403
    client.force_login(cast.admin)
    assert "instructed" in client.get(f"/sites/assignments/{colleague.pk}/").context["form"].fields


def test_the_form_follows_the_persons_roles(client, cast, sites):
    client.force_login(cast.staff)
    assert set(client.get(f"/sites/assignments/{cast.instructor.pk}/").context["form"].fields) == {"instructed"}
    assert set(client.get(f"/sites/assignments/{cast.district.pk}/").context["form"].fields) == {"liaised"}
    response = client.get(f"/sites/assignments/{cast.leader.pk}/")
    assert not response.context["form"].fields and "创建小组" in response.content.decode()
    html = client.get(f"/sites/assignments/{cast.instructor.pk}/").content.decode()
    assert 'data-picker-url="/sites/pick/"' in html


def test_assigning_sites_is_recorded_on_the_person_and_the_sites(client, cast, sites):
    client.force_login(cast.staff)
    url = f"/sites/assignments/{cast.instructor.pk}/"
    response = client.post(url, {"instructed": [sites["a_town"].pk, sites["b"].pk]})
    assert response.status_code == 302
    assert assigned(cast.instructor) == {"甲镇示范点", "乙镇企业示范点"}
    entry = AuditEntry.objects.get(action="user_sites_set", object_id=str(cast.instructor.pk))
    assert entry.changes == {"instructed_sites": ["甲村示范点", "乙镇企业示范点、甲镇示范点"]}
    site_entries = AuditEntry.objects.filter(action="site_update", content_type__model="site")
    assert site_entries.count() == 3  # one removed, two added
    user_page = client.get(f"/accounts/users/{cast.instructor.pk}/").content.decode()
    assert "指派示范点" in user_page and "指导的示范点" in user_page
    site_page = client.get(f"/sites/{sites['b'].pk}/").content.decode()
    assert "督查指导员" in site_page and str(cast.instructor) in site_page


def test_an_unchanged_assignment_records_nothing(client, cast, sites):
    client.force_login(cast.staff)
    url = f"/sites/assignments/{cast.instructor.pk}/"
    before = AuditEntry.objects.count()
    assert client.post(url, unchanged_post_data(client.get(url).context["form"])).status_code == 302
    assert AuditEntry.objects.count() == before


def test_assignments_outside_the_managers_scope_stay(client, cast, sites, regional_staff):
    sites["b"].liaisons.add(cast.district)
    client.force_login(regional_staff)
    url = f"/sites/assignments/{cast.district.pk}/"
    form = client.get(url).context["form"]
    assert set(form.initial["liaised"]) == set()  # district B's site is not theirs to see
    response = client.post(url, {"liaised": [sites["a"].pk, sites["b"].pk]})
    assert response.status_code == 200 and "liaised" in response.context["form"].errors
    assert client.post(url, {"liaised": [sites["a"].pk]}).status_code == 302
    assert assigned(cast.district, "liaison_sites") == {"甲村示范点", "乙镇企业示范点"}


def test_the_service_refuses_sites_outside_the_scope(cast, sites, regional_staff):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.user_sites_set(by=regional_staff, person=cast.district, liaised=[sites["b"]])


@pytest.fixture
def member(sites):
    return CreationGroupMember.objects.create(
        site=sites["a"], role=GroupRole.MEMBER, name="王小明", phone="13912340000", position="村委委员"
    )


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_the_open_account_button(client, cast, sites, member, role):
    client.force_login(getattr(cast, role))
    page = client.get(f"/sites/{sites['a'].pk}/")
    url = f"/sites/{sites['a'].pk}/group/{member.pk}/account/"
    may = role in {"admin", "staff"}
    if page.status_code == 200:
        assert (url in page.content.decode()) is may
        linked = sites["a"].group_members.get(user=cast.leader)
        assert f"/group/{linked.pk}/account/" not in page.content.decode()  # a linked member has an account
    status = client.get(url).status_code
    assert status == 200 if may else status in (403, 404)


def test_opening_an_account_for_a_member(client, cast, city, sites, member):
    other_year = SiteFactory(name="甲村示范点（往年）", organization=city.org_a, nomination_year=2024)
    client.force_login(cast.staff)
    url = f"/sites/{sites['a'].pk}/group/{member.pk}/account/"
    form = client.get(url).context["form"]
    assert form.initial["username"] == "13912340000"  # proposed: the member's mobile number
    response = client.post(url, {"username": "wang.xm"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    password = response.context["password"]
    assert password in response.content.decode()
    assert all(password not in str(message) for message in get_messages(response.wsgi_request))
    user = User.objects.get(username="wang.xm")
    member.refresh_from_db()
    assert member.user == user
    assert user.full_name == "王小明" and user.phone == "13912340000" and user.organization == city.org_a
    assert user.roles == {Role.LEADER} and user.scope == DataScope.ASSIGNED and user.must_change_password
    assert AuditEntry.objects.filter(action="user_create", object_id=str(user.pk)).exists()
    entry = AuditEntry.objects.get(action="site_member_account", object_id=str(sites["a"].pk))
    assert "wang.xm" in json.dumps(entry.changes, ensure_ascii=False)
    assert password not in json.dumps(list(AuditEntry.objects.values("changes")), ensure_ascii=False)
    # The new leader sees exactly that site.
    assert set(sites_visible_to(user)) == {sites["a"]}
    assert other_year not in sites_visible_to(user)
    user.must_change_password = False
    user.save()
    client.force_login(user)
    assert client.get("/sites/").url == f"/sites/{sites['a'].pk}/"
    assert client.get(f"/sites/{sites['a_town'].pk}/").status_code == 404


def test_a_taken_username_is_said_beside_the_field(client, cast, sites, member):
    UserFactory(username="13912340000")
    client.force_login(cast.staff)
    url = f"/sites/{sites['a'].pk}/group/{member.pk}/account/"
    assert client.get(url).context["form"].initial["username"] == "13912340000-2"
    response = client.post(url, {"username": "13912340000"})
    assert "username" in response.context["form"].errors
    member.refresh_from_db()
    assert member.user is None


def test_a_member_with_an_account_gets_no_second_one(client, cast, sites):
    linked = sites["a"].group_members.get(user=cast.leader)
    client.force_login(cast.staff)
    response = client.post(f"/sites/{sites['a'].pk}/group/{linked.pk}/account/", {"username": "again"})
    assert response.status_code == 302 and not User.objects.filter(username="again").exists()


def test_region_scoped_staff_open_accounts_only_for_their_sites(client, cast, sites, regional_staff):
    outside = CreationGroupMember.objects.create(site=sites["b"], name="乙成员")
    client.force_login(regional_staff)
    assert client.get(f"/sites/{sites['b'].pk}/group/{outside.pk}/account/").status_code == 404
