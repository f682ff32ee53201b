"""Searchable pickers: every search answers within the user's data scope, and names carry their path."""

import pytest

from accounts.choices import DataScope, RegionKind
from accounts.roles import Role
from tests.factories import PartyOrganizationFactory, RegionFactory, SiteFactory, UserFactory


@pytest.fixture
def twins(city):
    """Two 甲村 villages (one in each district), each with its own 甲村党支部."""
    other_town = RegionFactory(name="乙二镇", kind=RegionKind.TOWN, parent=city.district_b)
    twin_village = RegionFactory(name="甲村", kind=RegionKind.VILLAGE, parent=other_town)
    twin = PartyOrganizationFactory(name="甲村党支部", region=twin_village)
    return twin


def results(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.json()["results"]


def test_same_named_organizations_are_told_apart_by_their_path(client, cast, city, twins):
    client.force_login(cast.staff)
    found = results(client, "/accounts/pick/organizations/", q="甲村党支部")
    assert sorted(row["text"] for row in found) == [
        "甲村党支部（乙县 · 乙二镇 · 甲村）",
        "甲村党支部（甲区 · 甲镇 · 甲村）",
    ]


def test_a_search_may_name_the_place(client, cast, city, twins):
    client.force_login(cast.staff)
    found = results(client, "/accounts/pick/organizations/", q="乙二 甲村")
    assert [row["value"] for row in found] == [str(twins.pk)]


def test_searches_stay_in_scope(client, cast, city, twins):
    client.force_login(cast.outsider)  # district B
    orgs = results(client, "/accounts/pick/organizations/", q="甲村")
    assert [row["value"] for row in orgs] == [str(twins.pk)]
    regions = results(client, "/accounts/pick/regions/", q="甲")
    assert {row["text"] for row in regions} == {"乙县 · 乙二镇 · 甲村"}
    SiteFactory(name="甲村示范点", organization=city.org_a)
    SiteFactory(name="甲村示范点", organization=twins)
    sites = results(client, "/sites/pick/", q="甲村")
    assert [row["text"].split("（")[1].split(" · S")[0] for row in sites] == ["乙县 · 乙二镇 · 甲村"]


def test_people_are_searched_by_role_within_scope(client, cast, city):
    other = UserFactory(
        username="liaison-b", full_name="乙联络", scope=DataScope.REGION, region=city.district_b, roles=[Role.DISTRICT]
    )
    client.force_login(cast.staff)
    names = {row["text"] for row in results(client, "/accounts/pick/users/", role="district")}
    assert any("乙联络" in name for name in names) and any("t-district" in name for name in names)
    assert not any("t-scorer" in name for name in names)
    client.force_login(cast.leader)  # a site leader may not browse people
    assert results(client, "/accounts/pick/users/", q="乙") == []
    assert other.pk


def test_anonymous_users_get_nothing(client):
    assert client.get("/accounts/pick/organizations/").status_code == 302


def test_the_nominate_page_does_not_list_every_organization(client, cast, city):
    for n in range(30):
        PartyOrganizationFactory(name=f"某某党支部{n}", region=city.village_a)
    client.force_login(cast.staff)
    html = client.get("/sites/nominate/").content.decode()
    assert 'data-picker-url="/accounts/pick/organizations/"' in html
    assert "某某党支部" not in html  # options are searched, not listed


def test_the_region_filter_is_an_indented_tree(client, cast, city):
    client.force_login(cast.staff)
    html = client.get("/sites/").content.decode()
    assert 'data-picker="tree"' in html
    assert 'data-depth="1"' in html and 'data-short="甲区"' in html and 'data-depth="2"' in html
    assert 'data-short="甲村"' not in html  # villages are found by searching, not listed


def test_staff_of_one_district_cannot_move_a_site_to_another(client, cast, city):
    regional_staff = UserFactory(username="staff-a", scope=DataScope.REGION, region=city.district_a, roles=[Role.STAFF])
    site = SiteFactory(name="甲村示范点", organization=city.org_a)
    client.force_login(regional_staff)
    form = client.get(f"/sites/{site.pk}/edit/").context["form"]
    from tests.utils import unchanged_post_data

    data = unchanged_post_data(form) | {"organization": city.org_b.pk}
    response = client.post(f"/sites/{site.pk}/edit/", data)
    assert response.status_code == 200 and "organization" in response.context["form"].errors
    site.refresh_from_db()
    assert site.organization == city.org_a
