"""Each site's stored owing signature (SiteOwing, supervision.owing) stays what its standings and items say after
every kind of change, and the board's sites tab read from the signatures (board.TalliedSitePage) gives the same
sites in the same order, with the same figures, as counting every owing row (board.SitePage), at every moment
around the boundaries of red and yellow; its queries do not grow with the sites."""

import datetime
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from supervision import board
from supervision.assignments import answer_accept, answer_return, answer_submit
from supervision.filters import BoardFilter
from supervision.models import AssignmentSite, SiteOwing
from supervision.owing import signatures
from supervision.services import (
    rectification_accept,
    rectification_close,
    rectification_report,
    rectifications_cancel,
    rectifications_create,
)
from tests.supervision.assignment_setup import build_sites, published_task
from tests.supervision.test_board import NOW, _board, mix  # noqa: F401 - mix is a fixture
from tests.supervision.test_board_scale import _bulk, _grow, _plan, postgresql_only

pytestmark = pytest.mark.django_db


def _stored():
    return dict(SiteOwing.objects.values_list("site_id", "signature"))


def _in_step():
    assert _stored() == signatures()


@pytest.fixture
def task(city, cast):
    sites = build_sites(city, cast)
    now = timezone.now()
    published_task(cast.staff, sites=[sites.a, sites.a_town], due_at=now + datetime.timedelta(days=5), published_at=now)
    return sites


def test_a_published_task_makes_its_sites_owe_it(task):
    _in_step()
    assert set(_stored()) == {task.a.pk, task.a_town.pk}


def test_an_answer_taken_returned_and_accepted_moves_the_signature(task, cast):
    target = AssignmentSite.objects.get(site=task.a)
    answer_submit(target=target, by=cast.leader, text="已完成")
    _in_step()
    assert task.a.pk not in _stored()  # a submitted answer owes nothing
    answer_return(target=target, by=cast.staff, reason="材料不全")
    _in_step()
    assert task.a.pk in _stored()
    answer_submit(target=target, by=cast.leader, text="已补充")
    answer_accept(target=target, by=cast.staff)
    _in_step()
    assert task.a.pk not in _stored()


def test_rectification_items_raised_reported_accepted_closed_and_cancelled(task, cast):
    due = timezone.localdate() + datetime.timedelta(days=2)
    first, second, third = rectifications_create(
        site=task.b, by=cast.staff, items=[{"title": "一", "due_on": due}, {"title": "二"}, {"title": "三"}]
    )
    _in_step()
    assert _stored()[task.b.pk] == f"|{due.isoformat()},none,none"
    rectification_report(rectification=first, by=cast.staff, note="已整改")
    _in_step()
    rectification_accept(rectification=first, by=cast.staff)
    _in_step()
    rectification_close(rectification=second, by=cast.staff, note="已整改")
    _in_step()
    assert _stored()[task.b.pk] == "|none"
    rectifications_cancel(ids=[third.pk], by=cast.staff, reason="撤销")
    _in_step()
    assert task.b.pk not in _stored()


def test_the_migration_fills_the_signatures_it_finds(mix):  # noqa: F811
    expected = _stored()
    assert expected
    SiteOwing.objects.all().delete()
    importlib.import_module("supervision.migrations.0006_site_owing").fill_owing(apps, None)
    assert _stored() == expected == signatures()


MOMENTS = [
    NOW - datetime.timedelta(days=6),
    NOW - datetime.timedelta(seconds=1),
    NOW,
    NOW + datetime.timedelta(seconds=1),
    NOW + datetime.timedelta(days=1),
    NOW + datetime.timedelta(days=3),
    NOW + datetime.timedelta(days=9),
]


@pytest.mark.parametrize("now", MOMENTS, ids=lambda now: f"{(now - NOW).total_seconds():+.0f}s")
def test_the_sites_tab_from_the_signatures_is_the_counted_one(mix, cast, now):  # noqa: F811
    _in_step()
    targets, items, moment = _board(cast.staff, now=now)
    merged = board.sites_with_obligations(targets, items, moment)
    assert merged
    for per_page in (1, 2, 3, 50):
        page = board.TalliedSitePage(moment)
        assert page.count() == len(merged)
        for start in range(0, len(merged) + per_page, per_page):
            assert page[start : start + per_page] == merged[start : start + per_page]


def test_only_a_city_wide_unfiltered_board_reads_the_signatures(mix, cast):  # noqa: F811
    for user, data, expected in [
        (cast.staff, {}, True),
        (cast.staff, {"light": "red"}, False),
        (cast.staff, {"domain": "rural"}, False),
        (cast.district, {}, False),
        (cast.instructor, {}, False),
    ]:
        request = SimpleNamespace(user=user)
        filterset = BoardFilter(data, queryset=board.board_targets(user), request=request, moment=board.Moment.at(NOW))
        assert board.tallied(user, filterset) is expected, (user, data)


def test_the_last_page_from_the_signatures_takes_the_same_queries_at_any_size(city, cast, mix):  # noqa: F811
    def last_page():
        moment = board.Moment.at(NOW)
        with CaptureQueriesContext(connection) as queries:
            page = Paginator(board.TalliedSitePage(moment), 20).get_page(10**6)
            rows = list(page.object_list)
        return len(queries), rows

    before, rows = last_page()
    assert rows
    _grow(city, sites=30, villages=5)
    _in_step()
    after, rows = last_page()
    assert after == before == 3 and rows  # the tasks' due times, the signatures counted, the page


@postgresql_only
def test_the_sites_tab_reads_the_signatures_alone_not_the_owing_rows(cast, city):
    """The counted signatures and the page are read from supervision_siteowing only: no standing, no item, no
    site is joined or grouped (the page is cut from the runs of one or two signatures)."""
    _bulk(city, 4000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE supervision_siteowing")
    moment = board.Moment.at(NOW)
    with CaptureQueriesContext(connection) as queries:
        page = Paginator(board.TalliedSitePage(moment), 20).get_page(10**6)
        assert list(page.object_list)
    for query in queries.captured_queries[1:]:  # the first one reads the tasks' due times
        plan = _plan(query["sql"], None)
        assert "supervision_siteowing" in plan, plan
        for other in ("supervision_assignmentsite", "supervision_rectification", "sites_site", "Join", "Nested Loop"):
            assert other not in plan, plan
