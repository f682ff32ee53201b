"""Users, regions and organizations in the admin, through the data scope (accounts.scope) as on the pages."""

import pytest
from django.urls import reverse

from accounts.choices import DataScope
from accounts.models import PartyOrganization, Region, User
from accounts.roles import Role
from tests.factories import UserFactory


@pytest.fixture
def regional(city):
    """Organization-department staff whose data scope is district A: in the admin, but not city-wide."""
    return UserFactory(username="t-regional", scope=DataScope.REGION, region=city.district_a, roles=[Role.STAFF])


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def listed(client, model) -> set:
    return set(client.get(url(model, "changelist")).context["cl"].result_list)


def test_region_staff_see_only_organizations_of_their_region(client, regional, city):
    client.force_login(regional)
    assert listed(client, PartyOrganization) == {city.org_a, city.org_a_town}
    assert client.get(url(PartyOrganization, "change", city.org_a.pk)).status_code == 200
    assert client.get(url(PartyOrganization, "change", city.org_b.pk)).status_code == 302


def test_region_staff_cannot_put_an_organization_outside_their_region(client, regional, city):
    client.force_login(regional)
    fields = {"name": "乙镇新党支部", "kind": "branch", "domain": "rural", "member_count": 3, "is_active": "on"}
    response = client.post(url(PartyOrganization, "add"), {**fields, "region": city.town_b.pk})
    assert response.status_code == 200 and "region" in response.context["adminform"].form.errors
    assert not PartyOrganization.objects.filter(name="乙镇新党支部").exists()
    response = client.post(
        url(PartyOrganization, "change", city.org_a.pk), {**fields, "name": "甲村党支部", "region": city.town_b.pk}
    )
    assert response.status_code == 200 and "region" in response.context["adminform"].form.errors
    city.org_a.refresh_from_db()
    assert city.org_a.region == city.village_a
    response = client.post(url(PartyOrganization, "add"), {**fields, "region": city.town_a.pk, "parent": city.org_b.pk})
    assert response.status_code == 200 and "parent" in response.context["adminform"].form.errors


def test_region_search_offers_only_regions_in_scope(client, regional, city):
    client.force_login(regional)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "accounts", "model_name": "partyorganization", "field_name": "region", "term": ""},
    )
    assert {result["text"] for result in response.json()["results"]} == {"甲区", "甲区 · 甲镇", "甲区 · 甲镇 · 甲村"}
    assert listed(client, Region) == {city.district_a, city.town_a, city.village_a}


def test_region_staff_see_only_users_whose_region_or_organization_is_theirs(client, cast, regional):
    client.force_login(regional)
    assert listed(client, User) == {regional, cast.district, cast.leader}
    assert client.get(url(User, "change", cast.leader.pk)).status_code == 200
    assert client.get(url(User, "change", cast.outsider.pk)).status_code == 302
    assert client.get(url(User, "change", cast.scorer.pk)).status_code == 302


def test_city_staff_and_administrators_see_everything(client, cast, regional, city):
    for user in (cast.staff, cast.admin):
        client.force_login(user)
        assert listed(client, PartyOrganization) == set(PartyOrganization.objects.all())
        assert listed(client, Region) == set(Region.objects.all())
        assert listed(client, User) == set(User.objects.all())
