"""The board at scale (issue 12): one section per request, each read in a shape that does not grow with the rows.

- the new reads give exactly the old numbers and order (task_counts = assignment_rows, SitePage = the merged
  per-site tallies, region_tallies' district table = tally's), for every role and filter;
- each tab's queries and HTML do not grow with the number of sites or of regions (a district user, the last page);
- on PostgreSQL, EXPLAIN of the queries the page runs uses the covering indexes."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import RegionKind
from supervision import board
from supervision.districts import districts_refill
from supervision.models import Assignment, AssignmentSite
from supervision.owing import owing_refresh
from supervision.task_tally import recount
from tests.factories import (
    AssignmentFactory,
    AssignmentSiteFactory,
    PartyOrganizationFactory,
    RectificationFactory,
    RegionFactory,
    SiteFactory,
)
from tests.supervision.test_board import NOW, STORED, TODAY, _board, mix  # noqa: F401 - mix is a fixture

BOARD = reverse("supervision:board")
TABS = ["tasks", "sites", "districts"]
FILTERS = [
    {},
    {"light": "red"},
    {"light": "yellow"},
    {"light": "green"},
    {"status": "overdue"},
    {"status": "pending"},
    {"status": "submitted"},
    {"domain": "two_new"},
]


@pytest.mark.parametrize("data", FILTERS, ids=lambda data: "-".join(data.values()) or "all")
@pytest.mark.parametrize("who", ["staff", "district", "instructor", "outsider"])
@pytest.mark.parametrize("now", [NOW, NOW + datetime.timedelta(seconds=1)], ids=["at-the-due-second", "one-after"])
def test_the_new_reads_give_the_old_numbers_and_order(mix, cast, city, who, data, now):  # noqa: F811
    user = getattr(cast, who)
    targets, items, moment = _board(user, now=now, data=data)
    expected = list(board.assignment_rows(targets, moment))
    assert board.task_counts(targets, moment) == expected
    assert board.task_counts(targets, moment, per_task=False) == expected

    merged = board.sites_with_obligations(targets, items, moment)
    page = board.SitePage(targets, items, moment)
    assert page.count() == len(merged)
    assert [page[n : n + 2] for n in range(0, len(merged), 2)] == [merged[n : n + 2] for n in range(0, len(merged), 2)]
    for number in range(1, len(merged) + 2):
        ahead = board.SitePage(targets, items, moment)
        ahead.read_page(number, 2)
        assert (
            ahead.count() == len(merged)
            and ahead[(number - 1) * 2 : number * 2] == merged[(number - 1) * 2 : number * 2]
        )

    old = board.district_rows(user, targets, items, moment)
    new = board.district_rows(user, targets, items, moment, board.region_tallies(targets, items, moment))
    assert [vars(row) for row in new] == [vars(row) for row in old]


@pytest.mark.parametrize("data", [{}, {"light": "red"}, {"status": "submitted"}], ids=["all", "red", "none"])
@pytest.mark.parametrize("who", ["staff", "district"])
def test_any_later_page_and_one_past_the_end_are_read_in_one_query(mix, cast, who, data):  # noqa: F811
    from django.core.paginator import Paginator

    targets, items, moment = _board(getattr(cast, who), data=data)
    merged = board.sites_with_obligations(targets, items, moment)
    for per_page in (1, 2, 3, 50):
        last = (len(merged) - 1) // per_page * per_page if merged else 0
        for number in (2, 3, 10**6):
            page = board.SitePage(targets, items, moment)
            with CaptureQueriesContext(connection) as queries:
                page.read_page(number, per_page)
                shown = Paginator(page, per_page).get_page(number)
                rows = list(shown.object_list)
            assert len(queries) == 1  # the page (or the last one) with the count
            start = min((number - 1) * per_page, last)
            assert shown.paginator.count == len(merged) and rows == merged[start : start + per_page]


def test_the_sites_behind_a_task_are_the_same_read_either_way(mix, cast):  # noqa: F811
    targets, _items, moment = _board(cast.staff)
    ids = [row["assignment_id"] for row in board.assignment_rows(targets, moment)]
    old = board.behind_sites(targets, ids, moment)
    new = board.behind_page(targets, ids, moment)
    assert {pk: [each.pk for each in rows] for pk, rows in new.items()} == {
        pk: [each.pk for each in rows] for pk, rows in old.items()
    }


def test_each_tab_is_a_link_and_shows_its_section_only(client, mix, cast):  # noqa: F811
    client.force_login(cast.staff)
    sections = {"tasks": 'id="by-task"', "sites": 'id="by-site"', "districts": 'id="by-district"'}
    for tab in TABS:
        text = client.get(BOARD, {"tab": tab, "light": "red"}).content.decode()
        assert [name for name, marker in sections.items() if marker in text] == [tab]
        for other in TABS:
            assert f"?tab={other}&amp;light=red" in text or f"?light=red&amp;tab={other}" in text
        assert 'aria-current="page"' in text
    assert 'id="by-task"' in client.get(BOARD, {"tab": "nonsense"}).content.decode()


# --- constant in sites and in regions ------------------------------------------------------------------------


def _grow(city, *, sites: int, villages: int):
    """`sites` more sites in district A spread over `villages` new villages, each with three tasks' standings
    and an overdue rectification item."""
    start = city.district_a.children.count()
    regions = [
        RegionFactory(name=f"新村{start + n}", kind=RegionKind.VILLAGE, parent=city.district_a) for n in range(villages)
    ]
    made = [
        SiteFactory(organization=PartyOrganizationFactory(region=regions[n % villages], domain="rural"))
        for n in range(sites)
    ]
    for offset in range(3):
        assignment = AssignmentFactory(due_at=NOW + datetime.timedelta(days=offset * 3 - 2))
        for n, site in enumerate(made):
            AssignmentSiteFactory(assignment=assignment, site=site, status=STORED[(n + offset) % 4])
    for site in made:
        RectificationFactory(site=site, due_on=TODAY - datetime.timedelta(days=1))


def _measure(client, params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(BOARD, params)
    assert response.status_code == 200
    return len(captured)


PAGES = [{"tab": "tasks"}, {"tab": "sites"}, {"tab": "sites", "page": 10**6}, {"tab": "districts"}]


@pytest.mark.parametrize("who", ["staff", "district"])
def test_each_tab_keeps_its_queries_as_sites_and_regions_grow(client, cast, city, who):
    client.force_login(getattr(cast, who))
    _grow(city, sites=1, villages=1)
    few = [_measure(client, params) for params in PAGES]
    _grow(city, sites=45, villages=2)
    many_sites = [_measure(client, params) for params in PAGES]
    _grow(city, sites=3, villages=60)
    many_regions = [_measure(client, params) for params in PAGES]
    assert few == many_sites == many_regions
    assert max(many_regions) <= 20


@pytest.mark.parametrize("who", ["staff", "district"])
def test_the_district_tab_does_not_grow_with_the_regions(client, cast, city, who):
    client.force_login(getattr(cast, who))
    _grow(city, sites=3, villages=1)
    few = _section(client.get(BOARD, {"tab": "districts"}))
    _grow(city, sites=0, villages=80)
    many = _section(client.get(BOARD, {"tab": "districts"}))
    assert len(many) == len(few) and "甲区" in many


def test_the_district_tab_shows_a_page_of_a_countrys_districts(client, cast, city):
    """A country has thousands of district-level nodes: the staff's table is paged (50), its queries and HTML the
    same with 60 districts or 160, and a later page holds the rest."""
    client.force_login(cast.staff)
    _grow(city, sites=3, villages=1)
    for n in range(60):
        RegionFactory(name=f"新区{n:03d}", kind=RegionKind.DISTRICT, parent=city.city)
    _measure(client, {"tab": "districts"})  # any write makes the scope's cached ids stale (accounts.scope)
    with CaptureQueriesContext(connection) as few_queries:
        few = client.get(BOARD, {"tab": "districts"})
    for n in range(60, 160):
        RegionFactory(name=f"新区{n:03d}", kind=RegionKind.DISTRICT, parent=city.city)
    _measure(client, {"tab": "districts"})
    with CaptureQueriesContext(connection) as many_queries:
        many = client.get(BOARD, {"tab": "districts"})
    total = few.context["page_obj"].paginator.count + 100
    assert len(few_queries) == len(many_queries)
    assert len(many.context["districts"]) == 50 and many.context["page_obj"].paginator.count == total
    assert len(_section(many)) - len(_section(few)) < 400  # two more page links in the pager, no more rows
    last = client.get(BOARD, {"tab": "districts", "page": 10**6})
    assert len(last.context["districts"]) == total - 3 * 50


def _section(response) -> str:
    """The board's section (the region picker above it is the pickers' own: tests/test_scale_options.py)."""
    text = response.content.decode()
    return text[text.index('<section id="by-') : text.rindex("</section>")]


# --- PostgreSQL: the plans -------------------------------------------------------------------------------------

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN of PostgreSQL's plans")


def _bulk(city, sites: int, tasks: int = 4):
    """`sites` sites (bench/evaluations_data.py's small city) with `tasks` tasks' standings, written in bulk, then
    ANALYZE: enough rows that the planner chooses what it would choose in a city."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import evaluations_data  # bench/ holds scripts, not a package: importable through the path above

    site_ids = evaluations_data._sites(sites)
    for offset in range(tasks):
        assignment = AssignmentFactory(due_at=NOW + datetime.timedelta(days=offset * 3 - 2))
        AssignmentSite.objects.bulk_create(
            [
                AssignmentSite(assignment=assignment, site_id=pk, status=STORED[(n + offset) % 4])
                for n, pk in enumerate(site_ids)
            ],
            batch_size=5000,
        )
    districts_refill()  # what the services write on each row
    owing_refresh()  # and the sites' owing signatures
    recount(list(Assignment.objects.values_list("pk", flat=True)))  # and each task's numbers
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _plan(sql, params) -> str:
    """The plan when the planner may not fall back on scanning a whole table: whether an index can answer at all.
    (Table sizes that earlier tests' rolled-back rows left in pg_class make the cheapest choice vary from run to
    run on a few thousand rows; the shape asked here is what a city's or a country's table gets.)"""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@postgresql_only
def test_the_task_counts_are_index_only_scans_of_the_covering_index(cast, city):
    _bulk(city, 4000)
    targets, _items, moment = _board(cast.staff)
    captured = []
    with CaptureQueriesContext(connection) as queries:
        board.task_counts(targets, moment)
    captured = [each["sql"] for each in queries.captured_queries]
    plan = _plan(captured[-1], None)
    # Index Only Scan after a VACUUM (production); in the test transaction the visibility map is not set: bitmap.
    # Either covering index of the standings answers alone (the task one, or the district one that starts with the
    # task too): which one is cheaper on a few thousand rows depends on the sizes earlier tests left behind.
    scans = [line for line in plan.splitlines() if " on supervision_assignmentsite " in line]
    assert scans and all("Index Only Scan using supervision_target_" in line for line in scans), plan


@postgresql_only
def test_the_sites_behind_a_task_stop_at_ten_on_an_index(cast, city):
    _bulk(city, 4000)
    targets, _items, moment = _board(cast.staff)
    ids = [row["assignment_id"] for row in board.task_counts(targets, moment)]
    with CaptureQueriesContext(connection) as queries:
        board.behind_page(targets, ids, moment)
    plan = _plan(queries.captured_queries[0]["sql"], None)
    assert "Limit" in plan and "Seq Scan on supervision_assignmentsite" not in plan, plan


@postgresql_only
def test_a_page_past_the_end_is_one_numbered_pass_over_the_owing_rows(cast, city):
    _bulk(city, 4000)
    targets, items, moment = _board(cast.staff)
    page = board.SitePage(targets, items, moment)
    with CaptureQueriesContext(connection) as queries:
        page.read_page(10**6, 20)
    assert len(queries) == 1 and page.count() > 0
    plan = _plan(queries.captured_queries[0]["sql"], None)
    # One scan of the standings (owing ones, no join to the sites or tasks), numbered once: not a count and a sort.
    assert plan.count(" on supervision_assignmentsite ") == 1 and "WindowAgg" in plan, plan
    assert "sites_site" not in plan and "supervision_assignment " not in plan, plan


@postgresql_only
def test_the_district_figures_read_only_the_past_due_tasks_standings_grouped_by_district(cast, city):
    _bulk(city, 4000)  # four tasks, one of them past due
    targets, items, moment = _board(cast.staff)
    with CaptureQueriesContext(connection) as queries:
        board.region_tallies(targets, items, moment)
    sql = next(each["sql"] for each in queries.captured_queries if "supervision_assignmentsite" in each["sql"])
    past = board.Assignment.objects.get(due_at__lt=moment.now).pk
    plan = _plan(sql, None)
    assert f"(assignment_id = {past})" in plan, plan  # the past-due task's standings only
    # Grouped by the district each standing carries: no join to the sites and their regions.
    assert "Group Key: district_id" in plan, plan
    assert "sites_site" not in plan and "accounts_region" not in plan, plan
    assert "Seq Scan on supervision_assignmentsite" not in plan, plan


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_district_figures_are_an_index_only_scan_of_the_district_index(cast, city):
    """After a VACUUM (what autovacuum does in production; a test transaction leaves the visibility map unset, and
    any index on the task then serves a bitmap scan as well), the past-due standings are counted per district
    without reading the table."""
    _bulk(city, 4000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE supervision_assignmentsite")
    targets, items, moment = _board(cast.staff)
    with CaptureQueriesContext(connection) as queries:
        board.region_tallies(targets, items, moment)
    sql = next(each["sql"] for each in queries.captured_queries if "supervision_assignmentsite" in each["sql"])
    plan = _plan(sql, None)
    assert "Index Only Scan using supervision_target_district on supervision_assignmentsite" in plan, plan
