"""Pickers that scale (issue 12): no page puts one <option> per region, organization, user or site in its HTML.

Each page with pickers is rendered over a small city, then again after 600 more regions (300 towns under the
districts and 300 villages under them), 300 organizations and 300 users were added in bulk: its `<option` tags
and its HTML must not grow (a small constant slack for ids), and it must make the same number of queries. The
lists are filtered (`?q=`) to the rows of the small city, so that only the pickers face the larger tables.
"""

import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.choices import DataScope, Domain, OrganizationKind, RegionKind
from accounts.models import LABEL_SEPARATOR, PartyOrganization, Region, User
from accounts.roles import Role
from tests.factories import SiteFactory

SLACK_BYTES = 2048
OPTION = re.compile(r"<option\b")


def add_regions_organizations_and_users(city, towns=300, villages_per_town=1, organizations=300, users=300):
    """Bulk rows (path, depth and label set here: save() is not called, see accounts.models.Region)."""
    districts = [city.district_a, city.district_b]
    created_towns = Region.objects.bulk_create(
        [
            Region(name=f"批量镇{n:04d}", kind=RegionKind.TOWN, parent=districts[n % 2], path="", depth=2)
            for n in range(towns)
        ]
    )
    for town in created_towns:
        town.path = f"{town.parent.path}{town.pk}/"
        town.label = f"{town.parent.label}{LABEL_SEPARATOR}{town.name}"
    Region.objects.bulk_update(created_towns, ["path", "label"])
    created_villages = Region.objects.bulk_create(
        [
            Region(name=f"杨柳村{v}", kind=RegionKind.VILLAGE, parent=town, path="", depth=3)
            for town in created_towns
            for v in range(villages_per_town)
        ]
    )
    for village in created_villages:
        village.path = f"{village.parent.path}{village.pk}/"
        village.label = f"{village.parent.label}{LABEL_SEPARATOR}{village.name}"
    Region.objects.bulk_update(created_villages, ["path", "label"])
    PartyOrganization.objects.bulk_create(
        [
            PartyOrganization(
                name=f"批量党支部{n:04d}",
                kind=OrganizationKind.BRANCH,
                domain=Domain.RURAL,
                region=created_villages[n % len(created_villages)],
                secretary="李书记",
                member_count=10,
            )
            for n in range(organizations)
        ]
    )
    people = User.objects.bulk_create(
        [
            User(
                username=f"bulk{n:04d}",
                full_name=f"批量用户{n:04d}",
                scope=DataScope.REGION,
                region=districts[n % 2],
                password="!",
            )
            for n in range(users)
        ]
    )
    groups = {name: Group.objects.get(name=name) for name in (Role.INSTRUCTOR, Role.DISTRICT, Role.SCORER)}
    through = User.groups.through
    through.objects.bulk_create(
        [through(user_id=person.pk, group_id=list(groups.values())[n % 3].pk) for n, person in enumerate(people)]
    )
    return len(created_towns) + len(created_villages)


def measure(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.content.decode()
    return {"options": len(OPTION.findall(html)), "bytes": len(html.encode()), "queries": len(context)}


@pytest.fixture
def world(city, cast):
    from supervision.models import Assignment

    site = SiteFactory(name="甲村示范点", organization=city.org_a, region=city.village_a)
    site.instructors.add(cast.instructor)
    other = SiteFactory(name="乙镇示范点", organization=city.org_b, region=city.town_b)
    assignment = Assignment.objects.create(title="测试任务", due_at="2030-01-01T00:00:00Z", created_by=cast.staff)
    return {"site": site, "other": other, "assignment": assignment}


def pages(world, cast):
    site = world["site"]
    return {
        "staff": [
            "/sites/",
            "/sites/?q=甲",
            "/sites/nominate/",
            f"/sites/{site.pk}/edit/",
            "/accounts/organizations/?q=甲",
            "/accounts/organizations/new/",
            f"/accounts/organizations/{site.organization_id}/edit/",
            "/accounts/users/?q=t-",
            "/accounts/users/new/",
            f"/accounts/users/{cast.district.pk}/edit/",
            f"/archives/sites/{site.pk}/",
            "/archives/review/",
            "/archives/ledgers/",
            "/supervision/",
            "/supervision/assignments/new/",
            f"/supervision/assignments/{world['assignment'].pk}/edit/",
            "/supervision/visits/",
            "/supervision/visits/new/",
            "/supervision/experiences/new/",
            "/supervision/experiences/",
            "/sites/targets/",
            "/sites/targets/edit/",
        ],
        "district": [
            "/sites/",
            f"/sites/{site.pk}/edit/",
            "/archives/review/",
            "/supervision/",
            "/supervision/visits/new/",
        ],
    }


def test_pages_with_pickers_do_not_grow_with_regions_organizations_or_users(client, city, cast, world):
    urls = pages(world, cast)
    before = {}
    for who, paths in urls.items():
        client.force_login(getattr(cast, who))
        for url in paths:
            measure(client, url)  # warm: caches, sessions
            before[who, url] = measure(client, url)

    assert add_regions_organizations_and_users(city) == 600

    grown = []
    for who, paths in urls.items():
        client.force_login(getattr(cast, who))
        for url in paths:
            measure(client, url)
            after, was = measure(client, url), before[who, url]
            if (
                after["options"] > was["options"]
                or after["bytes"] > was["bytes"] + SLACK_BYTES
                or after["queries"] != was["queries"]
            ):
                grown.append((who, url, was, after))
    assert not grown, grown


def test_the_site_filter_lists_no_instructors_and_refuses_one_outside_the_scope(client, city, cast, world):
    from tests.factories import UserFactory

    other = UserFactory(username="instructor-b", full_name="乙县指导员", roles=[Role.INSTRUCTOR])
    world["other"].instructors.add(other)
    client.force_login(cast.district)
    html = client.get("/sites/").content.decode()
    assert cast.instructor.full_name not in html  # searched, not listed
    found = client.get("/sites/pick/instructors/", {"q": "乙县"}).json()["results"]
    assert found == []
    found = client.get("/sites/pick/instructors/").json()["results"]
    assert [row["value"] for row in found] == [str(cast.instructor.pk)]
    html = client.get("/sites/", {"instructor": other.pk}).content.decode()
    assert "乙县指导员" not in html


def test_the_region_search_tells_same_named_villages_apart_and_is_bounded(client, city, cast, world):
    add_regions_organizations_and_users(city, towns=30, villages_per_town=2, organizations=0, users=0)
    client.force_login(cast.staff)
    answer = client.get("/accounts/pick/regions/", {"q": "杨柳村1"}).json()
    texts = [row["text"] for row in answer["results"]]
    assert len(texts) == 20 and answer["more"]
    assert len(set(texts)) == len(texts)  # full labels: 甲区 · 批量镇0000 · 杨柳村1
    assert all(LABEL_SEPARATOR in text for text in texts)
    client.force_login(cast.district)  # district A's liaison: only district A's villages
    texts = [row["text"] for row in client.get("/accounts/pick/regions/", {"q": "杨柳村"}).json()["results"]]
    assert texts and all(text.startswith(city.district_a.name) for text in texts)
    depths = {
        row["depth"] for row in client.get("/accounts/pick/regions/", {"q": "批量", "depth": 2}).json()["results"]
    }
    assert depths == {2}


def test_a_country_of_districts_is_searched_not_listed(client, city, cast, world):
    """2,800 district-level nodes in a country: the district choices (targets, experiences, the ledger and the
    region filters) hold at most TreePicker.BUDGET of them, or only the chosen one, and the rest is searched."""
    from core.widgets import TreePicker

    urls = [
        "/sites/",
        "/sites/targets/",
        "/sites/targets/edit/",
        "/supervision/experiences/",
        "/supervision/experiences/new/",
        "/archives/ledgers/",
    ]
    client.force_login(cast.staff)
    before = {url: measure(client, url) for url in urls}
    districts = Region.objects.bulk_create(
        [
            Region(name=f"批量区{n:04d}", kind=RegionKind.DISTRICT, parent=city.city, path="", depth=1)
            for n in range(TreePicker.BUDGET + 50)
        ]
    )
    for district in districts:
        district.path, district.label = f"{city.city.path}{district.pk}/", district.name
    Region.objects.bulk_update(districts, ["path", "label"])
    for url in urls:
        after = measure(client, url)
        assert after["options"] <= before[url]["options"], (url, before[url], after)
        assert after["queries"] == before[url]["queries"], (url, before[url], after)
    chosen = districts[-1]
    html = client.get("/sites/targets/", {"district": chosen.pk}).content.decode()
    assert f'value="{chosen.pk}" selected' in html or f'value="{chosen.pk}"  selected' in html
    found = client.get("/accounts/pick/regions/", {"q": chosen.name, "depth": 1}).json()["results"]
    assert [row["value"] for row in found] == [str(chosen.pk)]
