"""PostgreSQL only: the registry list's queries use the indexes they were shaped for (issue 12). Each test EXPLAINs
the query the page really runs, on a few thousand rows made in bulk and ANALYZEd, so the planner chooses as it
would on a real city; a regression (a scope across a join, an OFFSET over everything, a search the index cannot
answer) shows as a sequential scan of sites_site or a missing index name."""

import random

import pytest
from django.db import connection
from django.test import RequestFactory

from accounts.choices import DataScope, Domain, OrganizationKind, RegionKind
from accounts.models import PartyOrganization, Region
from accounts.roles import Role
from core.pagination import DeferredPaginator
from sites.filters import SiteFilter
from sites.models import Site
from sites.selectors import site_list_queryset
from tests.factories import UserFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's")

DISTRICTS, TOWNS, VILLAGES, SITES_PER_VILLAGE = 20, 5, 6, 5  # 600 villages, 3,000 sites


def _bulk_regions(parent_ids, kind, per_parent, prefix):
    parents = Region.objects.filter(pk__in=parent_ids)
    made = Region.objects.bulk_create(
        [
            Region(name=f"{prefix}{p.pk}-{n}", kind=kind, parent=p, depth=p.depth + 1, label=f"{prefix}{n}")
            for p in parents
            for n in range(per_parent)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_region r SET path = p.path || r.id || '/' FROM accounts_region p "
            "WHERE r.parent_id = p.id AND r.path = ''"
        )
    return [r.pk for r in made]


@pytest.fixture
def programme(db):
    rng = random.Random(12)
    city = Region.objects.create(name="测试市", kind=RegionKind.CITY)
    districts = _bulk_regions([city.pk], RegionKind.DISTRICT, DISTRICTS, "区")
    towns = _bulk_regions(districts, RegionKind.TOWN, TOWNS, "镇")
    villages = _bulk_regions(towns, RegionKind.VILLAGE, VILLAGES, "村")
    words = ["杨柳", "石桥", "李家", "王庄", "东坡", "青山", "河湾", "柏树", "红星", "团结"]
    organizations = PartyOrganization.objects.bulk_create(
        [
            PartyOrganization(
                name=f"{rng.choice(words)}{village}-{n}党支部",
                kind=OrganizationKind.BRANCH,
                domain=Domain.RURAL,
                region_id=village,
                secretary="某某",
            )
            for village in villages
            for n in range(SITES_PER_VILLAGE)
        ]
    )
    Site.objects.bulk_create(
        [
            Site(
                name=f"{rng.choice(words)}{org.pk}示范点",
                organization=org,
                domain=org.domain,
                region_id=org.region_id,
                nomination_year=rng.randint(2020, 2026),
                state="candidate",
                brand_name=rng.choice(["红色引擎", "先锋领航", ""]),
            )
            for org in organizations
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_region, accounts_partyorganization, sites_site")
    district = Region.objects.get(pk=districts[3])
    outside = Site.objects.exclude(region__path__startswith=district.path).first()
    user = UserFactory(scope=DataScope.REGION, region=district, roles=[Role.DISTRICT])
    outside.instructors.add(user)  # a site assigned to them outside their district: the OR's other side
    staff = UserFactory(scope=DataScope.CITY, roles=[Role.STAFF])
    return {"district_user": user, "staff": staff}


def _page_queries(user, params, page):
    """The count and the page's rows, as /sites/ builds them."""
    request = RequestFactory().get("/sites/", params)
    request.user = user
    filterset = SiteFilter(request.GET, queryset=site_list_queryset(user), request=request)
    paginator = DeferredPaginator(filterset.qs, 30)
    number = paginator.num_pages if page == "last" else page
    return filterset.qs.order_by(), paginator.page(number).object_list


def _plan(queryset, *, count=False, off=("seqscan",)) -> str:
    """EXPLAIN of the query with sequential scans priced out (SET LOCAL: this test's transaction only).

    Justified here: on a test's few thousand rows every table is a few pages and a scan is honestly cheapest, so
    the planner's choice would say nothing. With scans priced out, a query whose shape lets an index answer it uses
    the index, and a shape that cannot (a path compared across a join, subqueries ORed together, `LIKE` on a
    column without a trigram index) still shows "Seq Scan": the regression these tests are for. Likewise sorts
    (`off=("sort",)`): an ordering no index matches still shows a Sort; and plain index scans, which on so few rows
    beat a bitmap scan of the text indexes by filtering the whole primary key."""
    if count:
        queryset = queryset.values("pk")
    sql, params = queryset.query.sql_with_params()
    if count:
        sql = f"SELECT COUNT(*) FROM ({sql}) counted"  # noqa: S608 - Django's own SQL
    with connection.cursor() as cursor:
        for method in off:
            cursor.execute(f"SET LOCAL enable_{method} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _page_ids(plan: str) -> str:
    """The part of a page's plan that finds its ids (under the LIMIT); the 30 rows around it are joined by pk, or,
    on a table as small as a test's, by a cheap scan the planner prefers to 30 lookups."""
    assert "Limit" in plan, plan
    return plan[plan.index("Limit") :]


def test_district_scope_is_a_bitmap_or_of_two_index_scans(programme):
    count, rows = _page_queries(programme["district_user"], {}, 3)
    for plan in (_plan(count, count=True), _page_ids(_plan(rows))):
        assert "Seq Scan on sites_site" not in plan, plan
        assert "BitmapOr" in plan, plan
        assert "sites_site_region_id" in plan, plan
        assert "path" not in plan, plan  # no path comparison across a join: the subtree was resolved to ids


def test_last_page_reads_the_ordering_index(programme):
    _count, rows = _page_queries(programme["staff"], {}, "last")
    plan = _page_ids(_plan(rows, off=("seqscan", "sort", "incremental_sort")))
    assert "site_list_order" in plan, plan
    assert "Seq Scan on sites_site" not in plan and "Sort" not in plan, plan


@pytest.mark.parametrize(("term", "index"), [("杨柳", "bigram"), ("青山1", "trgm"), ("党支部", "trgm")])
def test_search_uses_the_text_indexes(programme, term, index):
    count, rows = _page_queries(programme["staff"], {"q": term}, 1)
    off = ("seqscan", "indexscan")
    for plan in (_plan(count, count=True, off=off), _page_ids(_plan(rows, off=off))):
        assert f"site_name_{index}" in plan, plan
        assert f"org_name_{index}" in plan, plan
        assert "Seq Scan on accounts_partyorganization" not in plan, plan


def test_organization_search_uses_the_text_indexes(programme):
    from accounts.filters import OrganizationFilter

    request = RequestFactory().get("/accounts/organizations/", {"q": "杨柳"})
    request.user = programme["staff"]
    queryset = OrganizationFilter(request.GET, queryset=PartyOrganization.objects.all(), request=request).qs
    plan = _plan(queryset, count=True, off=("seqscan", "indexscan"))
    assert "org_name_bigram" in plan and "org_secretary_bigram" in plan, plan
