"""The round list's figures at a country's scale (issue 12): each round's sites counted on the round index, its
on-site sheets counted for the page's rounds only, in one grouped pass (a 20,000-site round has 100,000 sheets:
joined and counted DISTINCT for the page and again for the paginator, the list took 180 ms at 100,000 sites). The
figures shown are the ones the former single query gave, on rounds in every state."""

import re

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from evaluations import selectors
from evaluations.models import Round
from tests.factories import RoundFactory, RoundSiteFactory, ScoreSheetFactory, UserFactory
from tests.utils import queries_for

# Staff's round list: session and user, permissions, the paginator's count, the page's rounds (with their site
# counts), their sheets' counts, and the menu's badges.
ROUND_LIST_QUERIES = 7


def former_figures(user) -> dict[int, tuple[int, int, int]]:
    """What the list showed before issue 12's fix (one query, every sheet joined and counted distinct)."""
    onsite = Q(entries__sheets__kind="onsite")
    rows = Round.objects.filter(pk__in=selectors.rounds_visible_to(user).values("pk")).annotate(
        site_count=Count("entries", distinct=True),
        sheets_total=Count("entries__sheets", filter=onsite, distinct=True),
        sheets_done=Count(
            "entries__sheets", filter=onsite & Q(entries__sheets__status__in=("submitted", "excused")), distinct=True
        ),
    )
    return {r.pk: (r.site_count, r.sheets_total, r.sheets_done) for r in rows}


@pytest.fixture
def rounds(db):
    """Rounds in different states: without sites, with sites but no sheets, being scored (sheets in every status,
    self-assessments beside them), scored, and finalized."""
    scorers = [UserFactory(roles=["scorer"]) for _ in range(3)]
    made = {"empty": RoundFactory(status="draft"), "no_sheets": RoundFactory(status="self_assessment")}
    RoundSiteFactory.create_batch(3, round=made["no_sheets"])
    statuses = {
        "scoring": ["not_started", "in_progress", "submitted", "excused"],
        "scored": ["submitted", "submitted", "excused"],
        "finalized": ["submitted"],
    }
    for state, sheet_statuses in statuses.items():
        round_ = made[state] = RoundFactory(status=state)
        for n in range(4):
            entry = RoundSiteFactory(round=round_)
            for scorer, status in zip(scorers, sheet_statuses[n % len(sheet_statuses) :], strict=False):
                ScoreSheetFactory(
                    entry=entry, scorer=scorer, status=status, excuse_reason="回避" if status == "excused" else ""
                )
            ScoreSheetFactory(entry=entry, scorer=UserFactory(), kind="self", status="submitted")
    return made


def test_the_figures_are_the_former_querys_on_rounds_in_every_state(cast, rounds):
    listed = selectors.add_sheet_progress(selectors.rounds_with_progress(cast.staff))
    shown = {r.pk: (r.site_count, r.sheets_total, r.sheets_done) for r in listed}
    assert shown == former_figures(cast.staff)
    assert shown[rounds["empty"].pk] == (0, 0, 0)
    assert shown[rounds["no_sheets"].pk] == (3, 0, 0)
    assert shown[rounds["scoring"].pk][0] == 4 and shown[rounds["scoring"].pk][1] > shown[rounds["scoring"].pk][2] > 0


def test_sheets_are_counted_in_one_query_for_a_page_of_rounds(cast, rounds, django_assert_num_queries):
    page = list(selectors.rounds_with_progress(cast.staff))
    with django_assert_num_queries(3):  # the kept counts read, the old ones counted together and kept
        counted = [(r.sheets_total, r.sheets_done) for r in selectors.add_sheet_progress(page)]
    with django_assert_num_queries(1):  # then read while no sheet changes
        assert [(r.sheets_total, r.sheets_done) for r in selectors.add_sheet_progress(page)] == counted
    with django_assert_num_queries(0):
        assert selectors.add_sheet_progress([]) == []


def test_the_round_list_makes_the_same_queries_for_one_round_and_many(client, cast, db):
    RoundSiteFactory(round=RoundFactory(status="scoring"))
    client.force_login(cast.staff)
    client.get("/evaluations/")
    assert queries_for(client, "/evaluations/") == ROUND_LIST_QUERIES
    for _n in range(30):
        ScoreSheetFactory(entry=RoundSiteFactory(round=RoundFactory(status="scoring")), status="submitted")
    # the first view after a change counts the round's sheets again and keeps the counts (2 queries), then not
    assert queries_for(client, "/evaluations/") == ROUND_LIST_QUERIES + 2
    assert queries_for(client, "/evaluations/") == ROUND_LIST_QUERIES


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plans are PostgreSQL's")
def test_only_the_sheet_count_reads_sheets_and_without_distinct(client, cast, rounds):
    """The paginator's count and the page's rounds never join the sheets; the page's rows count their sites with an
    index-only scan of the round's entries; the sheets are read once, grouped, with no DISTINCT (a sort of every
    sheet)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE evaluations_round, evaluations_roundsite, evaluations_scoresheet")
    client.force_login(cast.staff)
    with CaptureQueriesContext(connection) as context:
        assert client.get("/evaluations/").status_code == 200
    captured = [q["sql"] for q in context.captured_queries]
    # the paginator's count, the page, the sheets of its rounds (not the menu's one counting query: a UNION ALL)
    count, page, sheets = [sql for sql in captured if '"evaluations_round' in sql and "UNION ALL" not in sql]

    def plan(sql):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows: ask whether an index can answer at all
            cursor.execute("EXPLAIN " + sql)
            return "\n".join(row[0] for row in cursor.fetchall())

    assert "COUNT(" in count and "evaluations_scoresheet" not in plan(count)
    shown = plan(page)
    assert "evaluations_scoresheet" not in shown, shown
    assert "Index Only Scan using evaluations_roundsite" in shown, shown
    assert "DISTINCT" not in sheets.upper()
    shown = plan(sheets)
    # One scan of the table (of any kind: index, bitmap or sequential; `\b` leaves out the scans of its indexes,
    # whose names start with the table's), and no DISTINCT.
    scans = re.findall(r" on evaluations_scoresheet\b", shown)
    assert len(scans) == 1 and "Unique" not in shown, shown
