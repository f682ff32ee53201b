"""The registry's lists at scale, on SQLite and PostgreSQL alike: the deferred-join paginator, the scope resolved to
ids (the same rows as the path rule it replaces), the keyword search, and query counts that grow with neither the
rows nor the regions."""

import pytest
from django.db.models import Q
from django.test import RequestFactory

from accounts.choices import DataScope, RegionKind
from accounts.models import Region
from accounts.roles import Role
from accounts.scope import forget_scope, restrict_to_scope, subtree_region_ids
from accounts.selectors import organizations_visible_to, regions_visible_to
from core.pagination import DeferredPaginator
from sites.filters import SiteFilter
from sites.models import CreationGroupMember, Site
from sites.selectors import assigned_sites_condition, sites_visible_to
from tests.factories import PartyOrganizationFactory, RegionFactory, SiteFactory, UserFactory
from tests.utils import queries_for

# --- the deferred-join paginator ---------------------------------------------------------------------------------


@pytest.fixture
def many_sites(city):
    organizations = [PartyOrganizationFactory(region=city.village_a) for _n in range(23)]
    return [
        SiteFactory(organization=org, name=f"点{n % 5}", nomination_year=2020 + n % 3)
        for n, org in enumerate(organizations)
    ]


def _plain_pages(queryset, per_page):
    rows = list(queryset)
    return [rows[i : i + per_page] for i in range(0, len(rows), per_page)] or [[]]


def test_deferred_pages_are_the_ordered_rows_in_order(many_sites):
    queryset = Site.objects.select_related("region", "organization").order_by("-nomination_year", "name", "id")
    paginator = DeferredPaginator(Site.objects.select_related("region", "organization"), 5)
    expected = _plain_pages(queryset, 5)
    assert paginator.count == 23 and paginator.num_pages == 5
    for number, rows in enumerate(expected, start=1):
        assert list(paginator.page(number).object_list) == rows
    last = paginator.get_page(999)  # past the end: the last page
    assert list(last.object_list) == expected[-1] and len(expected[-1]) == 3
    assert last.start_index() == 21 and last.end_index() == 23


def test_deferred_pages_keep_filters_and_other_orderings(many_sites):
    queryset = Site.objects.filter(nomination_year=2021).order_by("name")  # ties on name: pk breaks them
    expected = list(queryset.order_by("name", "pk"))
    paginator = DeferredPaginator(queryset, 4)
    assert [row for n in paginator.page_range for row in paginator.page(n).object_list] == expected
    by_region = DeferredPaginator(Site.objects.order_by("-region__path"), 10)
    assert [s.pk for n in by_region.page_range for s in by_region.page(n).object_list] == list(
        Site.objects.order_by("-region__path", "pk").values_list("pk", flat=True)
    )


def test_deferred_empty_list_and_out_of_range(db):
    paginator = DeferredPaginator(Site.objects.all(), 30)
    page = paginator.get_page(1)
    assert paginator.count == 0 and list(page.object_list) == []
    assert paginator.get_page(99).number == 1


def test_deferred_page_costs_count_and_rows_at_any_depth(many_sites, django_assert_num_queries):
    paginator = DeferredPaginator(Site.objects.select_related("region"), 5)
    with django_assert_num_queries(2):  # the count, then the page's rows (its ids are a subquery)
        assert len(paginator.get_page(5).object_list) == 3


# --- the scope, resolved to ids: the same rows as the path rule ----------------------------------------------------


def _by_paths(queryset, user, *, region_field, assigned=None):
    """The rule as it was written before ids: `region.path LIKE 'subtree%' OR <assigned>`."""
    if user.is_superuser or user.scope == DataScope.CITY:
        return queryset
    condition = Q(pk__in=[])
    if user.scope == DataScope.REGION and user.region_id:
        lookup = f"{region_field}__path" if region_field else "path"
        condition |= Q(**{f"{lookup}__startswith": user.region.path})
    if assigned is not None:
        condition |= assigned
    return queryset.filter(condition)


@pytest.fixture
def spread(city):
    sites = {}
    for name, org in (("a", city.org_a), ("a_town", city.org_a_town), ("b", city.org_b), ("c", city.org_city)):
        sites[name] = SiteFactory(organization=org, name=f"{name}点")
    return sites


def _users(city, spread):
    district = UserFactory(scope=DataScope.REGION, region=city.district_a, roles=[Role.DISTRICT])
    village = UserFactory(scope=DataScope.REGION, region=city.village_a, roles=[Role.DISTRICT])
    assigned = UserFactory(roles=[Role.INSTRUCTOR])
    spread["b"].instructors.add(assigned)
    both = UserFactory(scope=DataScope.REGION, region=city.town_a, roles=[Role.DISTRICT])
    spread["c"].liaisons.add(both)
    CreationGroupMember.objects.create(site=spread["b"], user=both, name="组员")
    superuser = UserFactory(is_superuser=True)
    nobody = UserFactory()
    return {
        "district": district,
        "village": village,
        "assigned": assigned,
        "both": both,
        "super": superuser,
        "nobody": nobody,
    }


def test_scope_by_ids_is_the_path_rule(city, spread):
    for label, user in _users(city, spread).items():
        user = type(user).objects.get(pk=user.pk)
        expected = set(
            _by_paths(Site.objects.all(), user, region_field="region", assigned=assigned_sites_condition(user))
        )
        assert set(sites_visible_to(user)) == expected, label
        assert set(organizations_visible_to(user)) == set(
            _by_paths(
                organizations_visible_to(user).model.objects.all(),
                user,
                region_field="region",
                assigned=Q(pk=user.organization_id) if user.organization_id else None,
            )
        ), label
        regions = _by_paths(
            Region.objects.all(),
            user,
            region_field="",
            assigned=Q(pk=user.organization.region_id) if user.organization_id else None,
        )
        assert set(regions_visible_to(user)) == set(regions), label


def test_scope_expectations_spelled_out(city, spread):
    users = _users(city, spread)
    seen = {label: {s.name for s in sites_visible_to(type(u).objects.get(pk=u.pk))} for label, u in users.items()}
    assert seen["district"] == {"a点", "a_town点"}
    assert seen["village"] == {"a点"}
    assert seen["assigned"] == {"b点"}
    assert seen["both"] == {"a点", "a_town点", "b点", "c点"}
    assert seen["super"] == {"a点", "a_town点", "b点", "c点"}
    assert seen["nobody"] == set()


def test_scope_ids_are_resolved_once_per_user_object(city, spread, django_assert_num_queries):
    user = UserFactory(scope=DataScope.REGION, region=city.district_a, roles=[Role.DISTRICT])
    user = type(user).objects.select_related("region").get(pk=user.pk)
    with django_assert_num_queries(2):  # the subtree's region ids with the assigned ids, then the list
        list(sites_visible_to(user))
    with django_assert_num_queries(1):
        list(sites_visible_to(user))
    spread["b"].instructors.add(user)
    forget_scope(user)
    assert "b点" in {s.name for s in sites_visible_to(user)}


def test_a_write_drops_the_resolved_ids_without_being_told(city, spread):
    """A user object that outlives a request (a job, a shell) sees a new assignment and loses a removed one."""
    user = UserFactory(scope=DataScope.ASSIGNED, roles=[Role.INSTRUCTOR])
    assert "b点" not in {s.name for s in sites_visible_to(user)}
    spread["b"].instructors.add(user)
    assert "b点" in {s.name for s in sites_visible_to(user)}
    spread["b"].instructors.remove(user)
    assert "b点" not in {s.name for s in sites_visible_to(user)}


def test_large_subtrees_stay_in_the_database(city, spread, monkeypatch):
    monkeypatch.setattr("accounts.scope.ID_LIST_LIMIT", 2)
    ids = subtree_region_ids(city.district_a)
    assert not isinstance(ids, list) and set(ids) == {city.district_a.pk, city.town_a.pk, city.village_a.pk}
    district = UserFactory(scope=DataScope.REGION, region=city.district_a, roles=[Role.DISTRICT])
    assert {s.name for s in sites_visible_to(district)} == {"a点", "a_town点"}


def test_restrict_to_scope_still_takes_a_condition(city, spread):
    user = UserFactory(roles=[Role.INSTRUCTOR])
    visible = restrict_to_scope(Site.objects.all(), user, region_field="region", assigned=Q(name="c点"))
    assert [s.name for s in visible] == ["c点"]


# --- the keyword search ---------------------------------------------------------------------------------------------


def _search(user, term):
    request = RequestFactory().get("/sites/", {"q": term})
    request.user = user
    return {s.name for s in SiteFilter(request.GET, queryset=sites_visible_to(user), request=request).qs}


def test_search_two_chinese_characters_and_mixed_case(cast, city):
    willow = RegionFactory(name="杨柳村", kind=RegionKind.VILLAGE, parent=city.town_a)
    SiteFactory(organization=PartyOrganizationFactory(region=willow, name="杨柳村党支部"), name="乡村振兴示范点")
    SiteFactory(organization=city.org_a, name="垂杨柳社区示范点")
    SiteFactory(organization=city.org_b, name="乙镇示范点", brand_name="Red Engine 杨柳")
    SiteFactory(organization=city.org_city, name="市局示范点", brand_name="red ENGINE")
    assert _search(cast.staff, "杨柳") == {"乡村振兴示范点", "垂杨柳社区示范点", "乙镇示范点"}
    assert _search(cast.staff, "rEd eNgInE") == {"乙镇示范点", "市局示范点"}
    assert _search(cast.staff, "杨柳村党") == {"乡村振兴示范点"}
    assert _search(cast.staff, "eN") == {"乙镇示范点", "市局示范点"}  # two latin letters: bigrams on PostgreSQL
    assert _search(cast.staff, "杨") == {"乡村振兴示范点", "垂杨柳社区示范点", "乙镇示范点"}
    assert _search(cast.district, "杨柳") == {"乡村振兴示范点", "垂杨柳社区示范点"}  # scope still applies
    assert _search(cast.staff, "100%") == set()


def test_organization_search_by_name_or_secretary(client, cast, city):
    PartyOrganizationFactory(region=city.village_a, name="杨柳村党支部", secretary="王五")
    PartyOrganizationFactory(region=city.village_a, name="李家村党支部", secretary="杨柳青")
    client.force_login(cast.staff)
    page = client.get("/accounts/organizations/", {"q": "杨柳"}).content.decode()
    assert "杨柳村党支部" in page and "李家村党支部" in page and "甲村党支部" not in page


# --- query counts: flat in rows and in regions ------------------------------------------------------------------------


def _add_sites(city, n):
    for _n in range(n):
        SiteFactory(organization=PartyOrganizationFactory(region=city.village_a), name=f"杨柳示范点{_n}")


@pytest.mark.parametrize(
    ("role", "params"),
    [
        ("staff", {}),
        ("staff", {"page": "999"}),
        ("staff", {"q": "杨柳"}),
        ("staff", {"q": "杨柳", "page": "999"}),
        ("staff", {"sort": "region", "page": "999"}),
        ("district", {}),
        ("district", {"page": "999"}),
        ("staff", {"region": "district_a"}),
    ],
)
def test_site_list_queries_flat_from_1_to_50_sites(client, cast, city, role, params):
    params = {k: (getattr(city, v).pk if k == "region" else v) for k, v in params.items()}
    _add_sites(city, 1)
    client.force_login(getattr(cast, role))
    baseline = queries_for(client, "/sites/", **params)
    _add_sites(city, 50)
    assert queries_for(client, "/sites/", **params) == baseline
    assert baseline <= 20


@pytest.mark.parametrize("url", ["/accounts/organizations/", "/accounts/users/"])
def test_accounts_lists_flat_from_1_to_50_rows_incl_last_page(client, cast, city, url):
    client.force_login(cast.admin)
    baseline = queries_for(client, url, page="999")
    for n in range(50):
        org = PartyOrganizationFactory(region=city.village_a)
        UserFactory(username=f"u{n:03d}", organization=org, roles=[Role.LEADER])
    assert queries_for(client, url, page="999") == baseline
    assert queries_for(client, url, q="杨柳") <= baseline + 1


def test_site_list_flat_in_the_number_of_regions(client, cast, city):
    _add_sites(city, 3)
    client.force_login(cast.district)
    baseline = queries_for(client, "/sites/")
    for n in range(150):
        town = RegionFactory(name=f"镇{n}", kind=RegionKind.TOWN, parent=city.district_a)
        RegionFactory(name=f"村{n}", kind=RegionKind.VILLAGE, parent=town)
    assert queries_for(client, "/sites/") == baseline


def _html_growth(client, size):
    return len(client.get("/sites/").content) - size


def test_site_list_html_flat_in_the_number_of_regions(client, cast, city):
    _add_sites(city, 3)
    client.force_login(cast.district)
    size = len(client.get("/sites/").content)
    for n in range(150):
        town = RegionFactory(name=f"镇{n}", kind=RegionKind.TOWN, parent=city.district_a)
        RegionFactory(name=f"村{n}", kind=RegionKind.VILLAGE, parent=town)
    assert _html_growth(client, size) < 2000
