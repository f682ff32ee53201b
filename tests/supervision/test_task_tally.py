"""Each task's kept numbers (TaskTally, supervision.task_tally) stay what its standings say after every kind of
change: publication, answers on time and late, a return and a late resubmission, standings written through the
ORM, a standing saved without having been read, a site deleted with its standings, a task deleted; and the
staff home page's task figures read them (issue 12: 400,000 standings were counted per view)."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from supervision.assignments import answer_accept, answer_return, answer_submit
from supervision.figures import supervision_figures
from supervision.models import Assignment, AssignmentSite, TaskTally
from supervision.task_tally import marks_of, recount
from tests.supervision.assignment_setup import build_sites, published_task
from tests.supervision.test_board import mix  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def _kept() -> dict:
    return {
        pk: (targets, answered, on_time)
        for pk, targets, answered, on_time in TaskTally.objects.values_list("pk", "targets", "answered", "on_time")
    }


def _counted() -> dict:
    """Every published task's standings counted plainly, one by one."""
    counted = {}
    for task in Assignment.objects.exclude(status="draft"):
        rows = list(AssignmentSite.objects.filter(assignment=task).values_list("first_submitted_at", "late"))
        counted[task.pk] = (
            len(rows),
            sum(1 for first, _late in rows if first is not None),
            sum(1 for first, late in rows if first is not None and not late),
        )
    return counted


def _in_step():
    kept = _kept()
    assert {pk: kept.get(pk) for pk in _counted()} == _counted()


@pytest.mark.parametrize(
    "first, late, marks",
    [(None, False, (0, 0)), (None, True, (0, 0)), (timezone.now(), False, (1, 1)), (timezone.now(), True, (1, 0))],
)
def test_what_a_standing_counts_for(first, late, marks):
    assert marks_of(first, late) == marks


@pytest.fixture
def task(city, cast):
    sites = build_sites(city, cast)
    now = timezone.now()
    assignment = published_task(
        cast.staff, sites=[sites.a, sites.a_town, sites.b], due_at=now + datetime.timedelta(days=5), published_at=now
    )
    return assignment, sites


def test_publication_counts_the_task(task):
    assignment, _sites = task
    _in_step()
    assert _kept()[assignment.pk] == (3, 0, 0)


def test_answers_on_time_late_returned_and_resubmitted_move_the_numbers(task, cast):
    assignment, sites = task
    target = AssignmentSite.objects.get(assignment=assignment, site=sites.a)
    answer_submit(target=target, by=cast.leader, text="已完成")
    _in_step()
    assert _kept()[assignment.pk] == (3, 1, 1)
    answer_return(target=target, by=cast.staff, reason="材料不全")
    _in_step()
    assert _kept()[assignment.pk] == (3, 1, 1)  # still answered, on time: its first answer came in time
    after_due = assignment.due_at + datetime.timedelta(hours=1)
    answer_submit(target=target, by=cast.leader, text="已补充", now=after_due)
    _in_step()
    assert _kept()[assignment.pk] == (3, 1, 0)  # a late resubmission makes the standing late
    answer_accept(target=target, by=cast.staff)
    _in_step()
    other = AssignmentSite.objects.get(assignment=assignment, site=sites.a_town)
    AssignmentSite.objects.filter(pk=other.pk).update(late=False)  # nothing moves: no answer yet
    _in_step()


def test_standings_written_through_the_orm_are_counted(mix):  # noqa: F811
    """The board's fixture writes its tasks' standings one by one with factories, drafts among them."""
    _in_step()
    assert len(_counted()) == 4


def test_a_standing_saved_without_being_read_is_counted_afresh(task):
    assignment, sites = task
    row = AssignmentSite.objects.get(assignment=assignment, site=sites.b)
    blind = AssignmentSite(
        pk=row.pk,
        assignment_id=assignment.pk,
        site_id=sites.b.pk,
        status="submitted",
        first_submitted_at=timezone.now(),
    )
    blind.save()
    _in_step()
    assert _kept()[assignment.pk] == (3, 1, 1)


def test_a_site_deleted_with_its_standings_leaves_its_tasks(task, cast):
    assignment, sites = task
    answer_submit(target=AssignmentSite.objects.get(assignment=assignment, site=sites.a), by=cast.leader, text="好")
    sites.a.delete()
    _in_step()
    assert _kept()[assignment.pk] == (2, 0, 0)


def test_a_task_deleted_with_its_standings_leaves_no_numbers(task):
    assignment, _sites = task
    assignment.delete()
    assert _kept() == {}


def test_the_migration_counts_what_it_finds(mix):  # noqa: F811
    expected = _kept()
    TaskTally.objects.all().delete()
    importlib.import_module("supervision.migrations.0007_task_tally").fill_tallies(apps, None)
    assert _kept() == {pk: expected[pk] for pk in _counted()}
    _in_step()


def test_recount_gives_tasks_without_standings_zero(task):
    assignment, _sites = task
    AssignmentSite.objects.filter(assignment=assignment).delete()
    recount([assignment.pk])
    assert _kept()[assignment.pk] == (0, 0, 0)


def test_the_staff_figures_read_the_kept_numbers_not_the_standings(task, cast):
    assignment, sites = task
    answer_submit(target=AssignmentSite.objects.get(assignment=assignment, site=sites.a), by=cast.leader, text="好")
    year = timezone.localdate().year
    with CaptureQueriesContext(connection) as queries:
        figures = supervision_figures(year, cast.staff)
    assert not [each for each in queries.captured_queries if "supervision_assignmentsite" in each["sql"]]
    assert (figures["tasks_published"], figures["task_targets"], figures["tasks_answered"]) == (1, 3, 1)
    assert figures["tasks_answered_on_time"] == 1
    district = supervision_figures(year, cast.district)  # counted from its own standings
    assert district["task_targets"] == AssignmentSite.objects.filter(site__in=[sites.a, sites.a_town]).count()
