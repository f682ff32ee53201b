"""Targets & coverage at a country's scale: per-district counts come from grouped queries (identical to counting
path by path), the districts are paged, and the page's queries and size do not grow with regions or rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.choices import DataScope, Domain, RegionKind
from accounts.models import PartyOrganization, Region
from accounts.roles import Role
from accounts.scope import restrict_to_scope
from sites import selectors
from sites.choices import NAMED_STATES, SiteState
from sites.models import Site, Target
from tests.factories import PartyOrganizationFactory, RegionFactory, SiteFactory, UserFactory
from tests.utils import queries_for

YEAR = 2026


def reference_regions(user, region=None) -> list[dict]:
    """The per-district rows as the page computed them before: every path compared with every district."""
    named = selectors.sites_visible_to(user).filter(state__in=NAMED_STATES)
    organizations = restrict_to_scope(PartyOrganization.objects.filter(is_active=True), user, region_field="region")
    if region is not None:
        named = named.filter(region__path__startswith=region.path)
        organizations = organizations.filter(region__path__startswith=region.path)
    named_paths = list(named.values_list("region__path", flat=True))
    org_paths = list(organizations.values_list("region__path", flat=True))
    rows = []
    for district in Region.objects.filter(kind__in=[RegionKind.DISTRICT, RegionKind.MUNICIPAL]).order_by("path"):
        n = sum(1 for path in named_paths if path.startswith(district.path))
        o = sum(1 for path in org_paths if path.startswith(district.path))
        if o:
            rows.append({"label": district.name, "named": n, "organizations": o, "percent": round(100 * n / o, 1)})
    return rows


@pytest.fixture
def nested(city):
    """Sites and organizations at every depth of several districts, 市直 included, with an inactive organization
    and sites that are not named."""
    deep_village = RegionFactory(name="乙村", kind=RegionKind.VILLAGE, parent=city.town_b)
    district_c = RegionFactory(name="丙区", kind=RegionKind.DISTRICT, parent=city.city)
    town_c = RegionFactory(name="丙街道", kind=RegionKind.SUBDISTRICT, parent=district_c)
    community = RegionFactory(name="丙社区", kind=RegionKind.COMMUNITY, parent=town_c)
    SiteFactory(organization=city.org_a, state=SiteState.FORMAL)
    SiteFactory(organization=city.org_a_town, state=SiteState.IMPROVING)
    SiteFactory(organization=city.org_b, state=SiteState.CANDIDATE)  # not named
    SiteFactory(organization=city.org_city, state=SiteState.FORMAL)  # 市直
    SiteFactory(organization=PartyOrganizationFactory(region=deep_village), state=SiteState.FORMAL)
    SiteFactory(
        organization=PartyOrganizationFactory(region=community, domain=Domain.COMMUNITY), state=SiteState.FORMAL
    )
    PartyOrganizationFactory(region=district_c, domain=Domain.ORGAN)  # at the district itself
    PartyOrganizationFactory(region=community, is_active=False)  # not counted
    PartyOrganizationFactory(
        region=RegionFactory(name="丁区", kind=RegionKind.DISTRICT, parent=city.city), is_active=False
    )
    return district_c


@pytest.mark.parametrize("who", ["staff", "district", "outsider"])
def test_coverage_per_district_equals_counting_path_by_path(cast, city, nested, who):
    user = getattr(cast, who)
    covered = selectors.coverage(user)
    assert covered["regions"] == reference_regions(user)
    assert [row["label"] for row in covered["regions"]] == [
        r.name for r in Region.objects.filter(name__in=[row["label"] for row in covered["regions"]]).order_by("path")
    ]
    if who == "staff":
        assert {row["label"] for row in covered["regions"]} == {"市直", "甲区", "乙县", "丙区"}  # 丁区: none active


def test_coverage_within_a_district(cast, city, nested):
    assert selectors.coverage(cast.staff, region=nested)["regions"] == reference_regions(cast.staff, nested)
    assert selectors.coverage(cast.staff, region=city.district_a)["regions"] == [
        {"label": "甲区", "named": 2, "organizations": 2, "percent": 100.0}
    ]
    assert selectors._district_id(city.village_a.path) == city.district_a.pk
    assert selectors._district_id(city.city.path) == 0


def _many_districts(city, count: int) -> None:
    for n in range(count):
        district = RegionFactory(name=f"新{n:03d}区", kind=RegionKind.DISTRICT, parent=city.city)
        village = RegionFactory(
            name="新村",
            kind=RegionKind.VILLAGE,
            parent=RegionFactory(name="新镇", kind=RegionKind.TOWN, parent=district),
        )
        SiteFactory(organization=PartyOrganizationFactory(region=village), state=SiteState.FORMAL)


def test_districts_are_paged_and_the_page_does_not_grow_with_regions(client, cast, city):
    Target.objects.create(year=YEAR, domain=Domain.RURAL, creating_units=20, named_sites=10)
    SiteFactory(organization=city.org_a, state=SiteState.FORMAL, nomination_year=YEAR)
    client.force_login(cast.staff)
    few_queries = queries_for(client, "/sites/targets/", year=YEAR)
    _many_districts(city, selectors.COVERAGE_PAGE_SIZE + 10)
    many_queries = queries_for(client, "/sites/targets/", year=YEAR)
    assert many_queries == few_queries
    page = client.get("/sites/targets/", {"year": YEAR})
    assert len(page.context["coverage_tables"][1][2]) == selectors.COVERAGE_PAGE_SIZE
    html = page.content.decode()
    assert 'id="coverage-pages"' in html and "&amp;cpage=2" in html
    assert html.split('name="district"')[1].split("</select>")[0].count("<option") == 1  # 全市; the rest searched
    second = client.get("/sites/targets/", {"year": YEAR, "cpage": 2}).context["coverage_tables"][1][2]
    first = page.context["coverage_tables"][1][2]
    labels = [row["label"] for row in first + second]
    assert len(labels) == len(set(labels)) == 63  # 市直, 甲区, 乙县 and the 60 new ones, each once
    # another 60 districts leave the first page's size as it was
    size = len(html)
    for n in range(60):
        district = RegionFactory(name=f"后{n:03d}区", kind=RegionKind.DISTRICT, parent=city.city)
        PartyOrganizationFactory(region=district)
    html = client.get("/sites/targets/", {"year": YEAR}).content.decode()
    assert abs(len(html) - size) < 300
    assert queries_for(client, "/sites/targets/", year=YEAR) == few_queries


# Session and user, permissions, the targets and the year's counts, coverage's six (selectors.coverage), the menu's
# badges; a district user also resolves their scope and district.
TARGETS_PAGE_QUERIES = {"staff": 13, "district": 14}


@pytest.mark.parametrize("role", ["staff", "district"])
def test_targets_queries_do_not_grow_with_rows(client, cast, city, role):
    Target.objects.create(year=YEAR, domain=Domain.RURAL, region=city.district_a, creating_units=5, named_sites=2)
    SiteFactory(organization=city.org_a, nomination_year=YEAR)
    client.force_login(getattr(cast, role))
    params = {"year": YEAR, "district": city.district_a.pk}
    baseline = queries_for(client, "/sites/targets/", **params)
    assert baseline == TARGETS_PAGE_QUERIES[role]
    for _n in range(40):
        SiteFactory(organization=PartyOrganizationFactory(region=city.village_a), nomination_year=YEAR)
    assert queries_for(client, "/sites/targets/", **params) == baseline


def test_the_district_picker_is_for_city_users_only(client, cast, city):
    client.force_login(cast.staff)
    assert client.get("/sites/targets/districts/", {"q": "甲"}).json()["results"] == [
        {"value": str(city.district_a.pk), "text": "甲区"}
    ]
    client.force_login(
        UserFactory(username="t-d-staff", scope=DataScope.REGION, region=city.district_a, roles=[Role.STAFF])
    )
    assert client.get("/sites/targets/districts/", {"q": "区"}).json()["results"] == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan of PostgreSQL's query")
def test_coverage_counts_start_from_the_pages_districts_on_postgresql(cast, city):
    """A country-like tree (600 districts of 12 villages, an organization in each village, a named site in every
    third): the page's districts' regions come from the path index, joined to the organizations through their
    region index and to the named sites through the partial one (site_named_region); no list of the regions' ids
    is sent, and neither table, nor every region of the country, is read whole."""
    districts = Region.objects.bulk_create(
        Region(name=f"县{n:03d}", kind=RegionKind.DISTRICT, parent=city.city, depth=1) for n in range(600)
    )
    for district in districts:
        district.path = f"{city.city.path}{district.pk}/"
    Region.objects.bulk_update(districts, ["path"])
    villages = Region.objects.bulk_create(
        Region(name=f"村{v}", kind=RegionKind.VILLAGE, parent=district, depth=2, path=district.path)
        for district in districts
        for v in range(12)
    )
    for village in villages:
        village.path = f"{village.path}{village.pk}/"
    Region.objects.bulk_update(villages, ["path"], batch_size=2000)
    organizations = PartyOrganization.objects.bulk_create(
        PartyOrganization(name="支部", kind="branch", domain=Domain.RURAL, region=village) for village in villages
    )
    Site.objects.bulk_create(
        Site(
            name=f"示范点{n}",
            organization=org,
            domain=org.domain,
            region_id=org.region_id,
            nomination_year=YEAR,
            state=(SiteState.FORMAL, SiteState.CANDIDATE, SiteState.NOMINATED)[n % 3],
        )
        for n, org in enumerate(organizations)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with CaptureQueriesContext(connection) as queries:
        covered = selectors.coverage(cast.staff)
    assert len(covered["regions"]) == selectors.COVERAGE_PAGE_SIZE
    assert covered["regions_page"].paginator.count == 603  # 市直, 甲区, 乙县 and 600 more
    assert len(queries) == 6  # domains named and organizations, the districts' count and page, the two per district

    def plan(sql):
        # A few thousand rows fit in a few pages, which PostgreSQL rightly reads whole (or hashes whole); at a
        # country's 200,000 regions the page's few percent are read through the indexes. Turning sequential scans and
        # hash and merge joins off (in this test's transaction only) asks whether the query's shape lets the indexes
        # serve at all: from the districts' regions, one index probe per region.
        with connection.cursor() as cursor:
            for method in ("seqscan", "hashjoin", "mergejoin"):
                cursor.execute(f"SET LOCAL enable_{method} = off")
            cursor.execute("EXPLAIN " + sql)
            return "\n".join(row[0] for row in cursor.fetchall())

    districts = [q["sql"] for q in queries.captured_queries if 'FROM "accounts_region" WHERE' in q["sql"]]
    assert len(districts) == 2, districts  # the paginator's count and the page
    for sql in districts:
        shown = plan(sql)
        assert "region_district_path" in shown and "Sort" not in shown, shown
    per_region = [q["sql"] for q in queries.captured_queries if '"region__path"' in q["sql"]]
    assert len(per_region) == 2, per_region
    for sql in per_region:
        assert '"region_id" IN (' not in sql and "ORDER BY" not in sql, sql
        shown = plan(sql)
        assert "accounts_region_path" in shown and "Seq Scan" not in shown, shown
    named, orgs = sorted(per_region, key=lambda sql: "sites_site" not in sql)
    assert "site_named_region" in plan(named), plan(named)
    # The region index: the partial one over active organizations (accounts' coverage_indexes), or the foreign key's.
    assert "org_active_region" in plan(orgs) or "accounts_partyorganization_region_id" in plan(orgs), plan(orgs)
