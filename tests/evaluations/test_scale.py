"""At a country's scale (issue 12): the round's working pages cost the same queries for one site and many, for
few regions and many, and their HTML does not grow with the regions; on PostgreSQL their long lists are paged
by a deferred join (the ordering sorts narrow id rows) and each team's sites are counted on the (round, team)
index.

The data are the evaluations benchmark's (bench/evaluations_data.py), small: a round being scored with 60 sites
in two teams of two scorers, then cut down to one site.
"""

import json
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import evaluations_data  # bench/ holds scripts, not a package: importable through the path above

from accounts.choices import RegionKind
from accounts.models import Region
from evaluations.models import RoundSite, ScoreSheet

PAGES_PER_USER = {
    "staff": [
        ("progress", "evaluations:progress", "round", ""),
        ("progress, last page", "evaluations:progress", "round", "?page=2"),
        ("progress, scorers", "evaluations:progress", "round", "?view=scorers"),
        ("progress, sheets", "evaluations:progress", "round", "?view=sheets"),
        ("teams", "evaluations:teams", "round", ""),
        ("assignment", "evaluations:assign", "round", ""),
        ("assignment, last page", "evaluations:assign", "round", "?page=2"),
        ("round sites", "evaluations:round_sites", "round", ""),
        ("sheets side by side", "evaluations:entry", "entry", ""),
        ("sheet", "evaluations:sheet", "sheet", ""),
    ],
    "teamlead": [("progress, team leader", "evaluations:progress", "round", "")],
    "scorer": [("my sheets", "evaluations:my_sheets", None, ""), ("own sheet", "evaluations:sheet", "sheet", "")],
}


@pytest.fixture
def bench(db):
    return evaluations_data.build(sites=60, scorers=2, filled=0.5)


def _measure(client, data) -> dict[str, tuple[int, int]]:
    """Page label → (queries, HTML bytes), each page fetched once warm first."""
    targets = {"round": data.round.pk, "entry": data.sheet.entry_id, "sheet": data.sheet.pk}
    measured = {}
    for username, pages in PAGES_PER_USER.items():
        client.force_login(getattr(data, username))
        for label, name, target, query in pages:
            path = reverse(name, args=[targets[target]] if target else [])
            assert client.get(path + query).status_code == 200, label
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path + query)
            assert response.status_code == 200, label
            measured[label] = (len(queries), len(response.content))
    return measured


def _autosave_queries(client, data) -> int:
    client.force_login(data.scorer)
    item = next(item for item in data.items if item.kind == "points")
    score = data.sheet.scores.filter(item=item).first()
    change = {"client_id": str(uuid.uuid4()), "seq": 1, "item": item.pk}
    change.update(base=score.version if score else 0, score="0.5" if item.max_score < 1 else "1.0")
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse("evaluations:sheet_sync", args=[data.sheet.pk]),
            json.dumps({"changes": [change]}),
            content_type="application/json",
        )
    assert response.json()["results"][0]["outcome"] == "applied"
    return len(queries)


def test_the_round_pages_cost_the_same_for_one_site_and_sixty(client, bench):
    many = _measure(client, bench)
    autosave_many = _autosave_queries(client, bench)
    RoundSite.objects.filter(round=bench.round).exclude(pk=bench.sheet.entry_id).delete()
    assert ScoreSheet.objects.filter(entry__round=bench.round).count() == 2
    one = _measure(client, bench)
    bench.sheet.refresh_from_db()
    queries = {label: (one[label][0], many[label][0]) for label in one}
    assert all(few == more for few, more in queries.values()), queries
    assert all(count <= 20 for count, _size in many.values()), many
    assert _autosave_queries(client, bench) == autosave_many


def test_the_round_pages_do_not_grow_with_the_regions(client, bench):
    few = _measure(client, bench)
    district = Region.objects.filter(kind=RegionKind.DISTRICT).first()
    for number in range(300):
        Region.objects.create(name=f"新增村{number:03d}", kind=RegionKind.VILLAGE, parent=district)
    more = _measure(client, bench)
    queries = {label: (few[label][0], more[label][0]) for label in few}
    assert all(a == b for a, b in queries.values()), queries
    # Pages without a region picker name regions only for their rows: 300 more villages add nothing.
    sizes = {label: (few[label][1], more[label][1]) for label in few if label not in REGION_PICKERS}
    assert all(a == b for a, b in sizes.values()), sizes


# The pages whose filters carry the region picker (accounts.filters.RegionSubtreeFilter, one <option> per region in
# scope until the pickers that scale of issue 12 land: then they hold at most a fixed number of regions).
REGION_PICKERS = {"progress", "progress, last page", "progress, team leader", "assignment", "assignment, last page"}
REGION_PICKERS |= {"round sites"}


def test_the_region_picker_pages_do_not_grow_with_the_regions(client, bench):
    few = _measure(client, bench)
    district = Region.objects.filter(kind=RegionKind.DISTRICT).first()
    for number in range(300):
        Region.objects.create(name=f"新增村{number:03d}", kind=RegionKind.VILLAGE, parent=district)
    more = _measure(client, bench)
    sizes = {label: (few[label][1], more[label][1]) for label in REGION_PICKERS}
    assert all(b - a < 5000 for a, b in sizes.values()), sizes


def test_a_team_list_of_many_teams_is_paged_and_counts_each_teams_sites(client, bench):
    from evaluations.models import Team

    Team.objects.bulk_create(Team(round=bench.round, name=f"补充验收组{n:03d}") for n in range(60))
    client.force_login(bench.staff)
    url = reverse("evaluations:teams", args=[bench.round.pk])
    first = client.get(url)
    assert first.context["page_obj"].paginator.count == 62
    assert len(first.context["teams"]) == 50
    counts = {team.name: team.site_count for team in first.context["teams"]}
    assert counts["第1验收组"] == 50 and counts["第2验收组"] == 10 and counts["补充验收组000"] == 0
    second = client.get(url + "?page=2")
    assert [team.name for team in second.context["teams"]] == [f"补充验收组{n:03d}" for n in range(48, 60)]


def test_deferred_pages_keep_the_listing_order(client, bench):
    """The progress list, paged by ids then read in full, is in the same order as the plain ordered queryset."""
    from evaluations import selectors

    client.force_login(bench.staff)
    url = reverse("evaluations:progress", args=[bench.round.pk])
    shown = [entry.pk for entry, _sheets, _progress in client.get(url + "?page=2").context["rows"]]
    expected = list(
        selectors.round_entries(bench.round, bench.staff)
        .order_by("team_id", "site__region__path", "site__name")
        .values_list("pk", flat=True)[50:100]
    )
    assert shown == expected and len(shown) == 10
    sheets = client.get(url + "?view=sheets&page=2").context["page_obj"].object_list
    expected_sheets = list(
        ScoreSheet.objects.filter(entry__round=bench.round, kind="onsite")
        .order_by("scorer__full_name", "scorer__username", "entry__site__name", "id")
        .values_list("pk", flat=True)[50:100]
    )
    assert [sheet.pk for sheet in sheets] == expected_sheets


# --- PostgreSQL: the plans -------------------------------------------------------------------------------------

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the plans are PostgreSQL's")


def _plan(sql: str, params=()) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        return cursor.fetchone()[0][0]["Plan"]


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def _analyze():
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _page_queries(client, path) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [query["sql"] for query in queries.captured_queries]


@postgresql_only
@pytest.mark.parametrize(
    ("view", "table"),
    [("", "evaluations_roundsite"), ("?view=sheets", "evaluations_scoresheet")],
    ids=["sites", "sheets"],
)
def test_progress_pages_sort_narrow_id_rows(client, db, view, table):
    """The page's ordering is applied to ids alone: the sorted rows are a few dozen bytes wide (the sites' and
    organizations' columns, hundreds of bytes a row, are read for the page's 50 rows only), so a country's round
    sorts in memory instead of spilling every page to disk."""
    data = evaluations_data.build(sites=400, scorers=2, filled=0.2)
    _analyze()
    client.force_login(data.staff)
    path = reverse("evaluations:progress", args=[data.round.pk]) + view + ("&" if view else "?") + "page=3"
    client.get(path)
    ordered = [sql for sql in _page_queries(client, path) if "ORDER BY" in sql and "LIMIT" in sql and table in sql]
    # core.pagination.DeferredPaginator: the ids are sorted and sliced in a subquery, and the outer query reads
    # the page's rows by id. Every sort over more than a page of rows must be of narrow id rows.
    page_query = next(sql for sql in ordered if "IN (SELECT" in sql)
    sorts = [node for node in _nodes(_plan(page_query)) if "Sort" in node["Node Type"]]
    wide = [(n["Node Type"], n["Plan Rows"], n["Plan Width"]) for n in sorts if n["Plan Rows"] > 60]
    assert wide and all(width < 120 for _type, _rows, width in wide), wide


@postgresql_only
def test_team_site_counts_use_an_index_on_the_team(client, db):
    """Each team's sites are counted by a subquery that reads a team index (the team's foreign key or the
    (round, team) index), never by scanning or joining the round's entries."""
    data = evaluations_data.build(sites=3000, scorers=1, filled=0)
    _analyze()
    client.force_login(data.staff)
    queries = _page_queries(client, reverse("evaluations:teams", args=[data.round.pk]))
    listing = next(sql for sql in queries if sql.startswith('SELECT "evaluations_team"."id"') and "COUNT(*)" in sql)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'evaluations_roundsite' AND indexdef LIKE %s",
            ["%team_id%"],
        )
        team_indexes = {row[0] for row in cursor.fetchall()}
    nodes = list(_nodes(_plan(listing)))
    on_entries = [node for node in nodes if node.get("Relation Name") == "evaluations_roundsite"]
    assert on_entries, "the count reads the entries"
    assert all(node.get("Index Name") in team_indexes for node in on_entries), [
        (node["Node Type"], node.get("Index Name")) for node in on_entries
    ]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_round_results_sum_item_scores_from_the_covering_index():
    """A round's results read its item scores from indexes alone (the (item, sheet, present, score) one and the
    partial index of absent marks), in one aggregate query (never the item scores table): 300 sites × 3 sheets ×
    60 items here, vacuumed and analysed as autovacuum leaves them."""
    import results_bench

    from evaluations import results

    round_ = results_bench.build(sites=300, scorers=3)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    with CaptureQueriesContext(connection) as queries:
        computed = results.round_results(round_)
    assert len(computed) == 300
    aggregates = [query["sql"] for query in queries.captured_queries if 'FROM "evaluations_itemscore"' in query["sql"]]
    # Only the veto/required votes: the 十有 subtotals are kept on each sheet (ScoreSheet.ten_haves).
    assert len(aggregates) == 1, aggregates
    for sql in aggregates:
        plan = _plan(sql)
        nodes = list(_nodes(plan))
        on_scores = [node for node in nodes if node.get("Relation Name") == "evaluations_itemscore"]
        assert on_scores and all(node["Node Type"] == "Index Only Scan" for node in on_scores), [
            (node["Node Type"], node.get("Index Name")) for node in on_scores
        ]
        # the (site, item) pairs with an absent mark from the partial index, the sheets that decided them from the
        # covering one
        assert {node.get("Index Name") for node in on_scores} <= {"itemscore_item_sheet_values", "item_score_absent"}


def test_the_results_bench_measures_the_results_pages(db):
    """bench/results_bench.py's pages (as `make bench` calls them): every page answers, its queries are counted,
    and the published list is read as staff and as a district user."""
    import results_bench

    round_ = results_bench.build(sites=20, scorers=2)
    measured = results_bench.run_pages(round_, repeat=1)
    assert [result.status for result in measured] == ["ok"] * len(measured), [(r.label, r.status) for r in measured]
    assert all(result.times and result.queries for result in measured)
    labels = [result.label for result in measured]
    assert "published list, district user" in labels and "results page, staff, last page" in labels


@postgresql_only
@pytest.mark.parametrize("who", ["staff", "teamlead"])
def test_the_sheet_lists_page_reads_only_the_pages_sheets(client, db, who):
    """The sheet list's page joins few enough relations (at most PostgreSQL's join_collapse_limit, 8) for the
    planner to start from the page's 50 ids: with the region and the keyer joined as well it kept the written
    join order and joined every sheet of the round first (0.6 s at 110,000 sheets)."""
    data = evaluations_data.build(sites=3000, scorers=2, filled=0)
    _analyze()
    client.force_login(getattr(data, who))
    path = reverse("evaluations:progress", args=[data.round.pk]) + "?view=sheets"
    client.get(path)
    page_query = next(
        sql
        for sql in _page_queries(client, path)
        if sql.startswith('SELECT "evaluations_scoresheet"."id"') and "IN (SELECT" in sql
    )
    outer = page_query[: page_query.index("IN (SELECT")]
    assert outer.count(" JOIN ") + 1 <= 8, outer
    # Outside the ids' subquery every join holds the page's rows, not the round's: the planner matched the ids
    # against the sheets first.
    outer_joins = [
        (node["Node Type"], node["Plan Rows"])
        for node in _nodes_outside_the_ids(_plan(page_query))
        if "Join" in node["Node Type"] or node["Node Type"] == "Nested Loop"
    ]
    assert outer_joins and all(rows <= 100 for _type, rows in outer_joins), _explain(page_query)


def _nodes_outside_the_ids(plan: dict):
    """The plan's nodes, leaving out the ids' subquery (its LIMIT, scanned as a subquery or made unique)."""
    if plan.get("Alias") == "ANY_subquery" or plan["Node Type"] == "Limit":
        return
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes_outside_the_ids(child)


def _explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_sheets_not_done_are_counted_from_their_partial_index():
    """Every results page counts the round's reopened sheets (publication.reopened_sheets): the few on-site
    sheets not done are read from the partial index sheet_onsite_not_done, never by scanning every sheet."""
    import results_bench

    from evaluations.publication import reopened_sheets

    round_ = results_bench.build(sites=60, scorers=3)
    _analyze()
    queryset = reopened_sheets(round_)
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows: ask whether the index can answer at all
        plan = _plan(sql, params)
    on_sheets = [node for node in _nodes(plan) if node.get("Relation Name") == "evaluations_scoresheet"]
    assert on_sheets and all(node.get("Index Name") == "sheet_onsite_not_done" for node in on_sheets), on_sheets
    assert queryset.count() == 0  # scoring is over: every sheet submitted
