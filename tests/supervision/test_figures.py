# ruff: noqa: F811  (the `places` fixture is imported from community_fixtures)
"""The annual report's supervision figures equal the data, within the user's scope; the home page shows them
to staff."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from supervision import experiences, notices, tours
from supervision.figures import supervision_figures
from supervision.models import Assignment, AssignmentSite, GuidanceVisit, Rectification
from tests.supervision.community_fixtures import places  # noqa: F401
from tests.supervision.test_board_scale import postgresql_only

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_data(cast, city, places):
    today = timezone.localdate()
    year = today.year
    last_year = datetime.date(year - 1, 6, 1)
    now = timezone.now()
    GuidanceVisit.objects.create(site=places.site_a, visited_on=today, participants="x", findings="y")
    GuidanceVisit.objects.create(site=places.site_b, visited_on=today, participants="x", findings="y")
    GuidanceVisit.objects.create(site=places.site_a, visited_on=last_year, participants="x", findings="y")
    Rectification.objects.create(site=places.site_a, title="a", status="closed", closed_at=now)
    Rectification.objects.create(site=places.site_a, title="b")
    Rectification.objects.create(site=places.site_b, title="c")
    first = experiences.experience_submit(by=cast.leader, title="a", summary="s", sites=[places.site_a])
    experiences.experience_select(experience=first, by=cast.staff)
    experiences.experience_promote(experience=first, by=cast.staff)
    experiences.experience_submit(by=cast.staff, title="b", summary="s", sites=[places.site_b])
    notices.notice_record(by=cast.staff, issued_on=today, reason="r", site=places.site_a)
    revoked = notices.notice_record(by=cast.staff, issued_on=today, reason="r", site=places.site_a)
    notices.notice_revoke(notice=revoked, by=cast.staff, reason="错")
    notices.notice_record(by=cast.staff, issued_on=today, reason="r", organization=city.org_b)
    fields = {"participants": "x", "title": "t"}
    tours.tour_create(by=cast.staff, held_on=today, sites=[places.site_a, places.site_b], **fields)
    tours.tour_create(by=cast.staff, held_on=last_year, sites=[places.site_b], **fields)
    pairing = tours.pairing_record(by=cast.staff, site=places.site_a, aims="a", started_on=last_year, partner_name="p")
    tours.pairing_record(
        by=cast.staff, site=places.site_b, aims="a", started_on=last_year, ended_on=last_year, partner_name="q"
    )
    tours.pairing_activity_record(pairing=pairing, by=cast.staff, held_on=today, title="a")
    tours.pairing_activity_record(pairing=pairing, by=cast.staff, held_on=last_year, title="b")
    due = now + datetime.timedelta(days=3)
    task = Assignment.objects.create(title="t", due_at=due, status="published", published_at=now)
    draft = Assignment.objects.create(title="d", due_at=due, status="draft")
    AssignmentSite.objects.create(assignment=task, site=places.site_a, status="submitted", first_submitted_at=now)
    AssignmentSite.objects.create(
        assignment=task, site=places.site_b, status="submitted", first_submitted_at=now, late=True
    )
    AssignmentSite.objects.create(assignment=draft, site=places.site_b)
    return year


def test_figures_for_staff_equal_the_data(cast, year_data):
    assert supervision_figures(year_data, cast.staff) == {
        "visits": 2,
        "rectifications_raised": 3,
        "rectifications_closed": 1,
        "experiences_submitted": 2,
        "experiences_selected": 1,
        "experiences_promoted": 1,
        "notices": 2,
        "study_tours": 1,
        "pairings": 1,
        "pairing_activities": 1,
        "tasks_published": 1,
        "task_targets": 2,
        "tasks_answered": 2,
        "tasks_answered_on_time": 1,
    }


def test_figures_are_scoped_by_the_user(cast, year_data):
    figures = supervision_figures(year_data, cast.district)
    assert figures["visits"] == 1 and figures["rectifications_raised"] == 2 and figures["notices"] == 1
    assert figures["experiences_submitted"] == 1 and figures["study_tours"] == 1 and figures["pairings"] == 1
    assert figures["task_targets"] == 1 and figures["tasks_answered_on_time"] == 1
    assert set(supervision_figures(year_data, cast.nobody).values()) == {0}


def test_home_page_card_for_staff_only(client, cast, year_data):
    client.force_login(cast.staff)
    assert 'id="supervision-figures"' in client.get(reverse("home")).content.decode()
    client.force_login(cast.leader)
    assert 'id="supervision-figures"' not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("who, expected", [("staff", 3), ("district", 4)])
def test_figures_cost_few_queries_however_many_kinds(cast, year_data, django_assert_num_queries, who, expected):
    """Experiences and tasks are one aggregate each (for staff the tasks' kept numbers, supervision.task_tally; for
    a narrower scope the tasks' ids are read first, to bound the index ranges); the seven plain counts are one
    UNION ALL (issue 12: the home page's queries stay within twenty)."""
    user = getattr(cast, who)
    supervision_figures(timezone.localdate().year, user)  # the user's permissions are cached on them after the first
    with django_assert_num_queries(expected):
        figures = supervision_figures(timezone.localdate().year, user)
    assert figures["visits"] == (2 if who == "staff" else 1)


# --- at scale (issue 12): the year's task figures without a join, off the covering index ----------------------


def _joined_figures(year, user) -> dict:
    """The task figures as counted before issue 12: every standing of the year's tasks joined to the user's sites."""
    from django.db.models import Count, Q

    from sites.selectors import sites_visible_to

    answered = Q(first_submitted_at__isnull=False)
    return (
        AssignmentSite.objects.filter(site__in=sites_visible_to(user), assignment__published_at__year=year)
        .exclude(assignment__status="draft")
        .aggregate(
            tasks_published=Count("assignment", distinct=True),
            task_targets=Count("id"),
            tasks_answered=Count("id", filter=answered),
            tasks_answered_on_time=Count("id", filter=answered & Q(late=False)),
        )
    )


def _more_standings(places, n: int):
    """`n` more tasks this year, each to both places' sites, answered in every way; and one published last year."""
    now = timezone.now()
    for index in range(n):
        task = Assignment.objects.create(title=f"more{index}", due_at=now, status="closed", published_at=now)
        AssignmentSite.objects.create(assignment=task, site=places.site_a)
        AssignmentSite.objects.create(
            assignment=task, site=places.site_b, status="accepted", first_submitted_at=now, late=bool(index % 2)
        )
    old = now - datetime.timedelta(days=400)
    task = Assignment.objects.create(title="old", due_at=old, status="published", published_at=old)
    AssignmentSite.objects.create(assignment=task, site=places.site_a, first_submitted_at=old)


@pytest.mark.parametrize("who", ["staff", "district", "outsider", "instructor", "nobody"])
def test_the_task_figures_equal_the_joined_count(cast, year_data, places, who):
    _more_standings(places, 3)
    user = getattr(cast, who)
    figures = supervision_figures(year_data, user)
    expected = _joined_figures(year_data, user)
    assert {name: figures[name] for name in expected} == expected


@pytest.mark.parametrize("who", ["staff", "district"])
def test_the_figures_keep_their_queries_as_standings_grow(cast, year_data, places, who):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = getattr(cast, who)
    supervision_figures(year_data, user)  # the user's permissions are cached on them after the first
    with CaptureQueriesContext(connection) as few:
        supervision_figures(year_data, user)
    _more_standings(places, 12)
    supervision_figures(year_data, user)  # any write makes the scope's cached ids stale (accounts.scope)
    with CaptureQueriesContext(connection) as many:
        supervision_figures(year_data, user)
    assert len(few) == len(many) == (3 if who == "staff" else 4)


@postgresql_only
def test_a_tasks_numbers_are_counted_off_the_covering_index(cast, city):
    """PostgreSQL: counting a task's standings (at publication, supervision.task_tally.recount; and a district
    user's figures, task by task) reads only the (assignment, late, first_submitted_at) index, never the table. In
    the test's transaction the visibility map is never set (no VACUUM), so with scans of the table priced out what
    is left must be an Index Only Scan of supervision_target_answered — which is what PostgreSQL chooses after a
    VACUUM."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from supervision.task_tally import recount
    from tests.supervision.test_board_scale import _bulk, _plan

    _bulk(city, 4000)
    ids = list(Assignment.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        recount(ids)
    assert supervision_figures(timezone.localdate().year, cast.staff)["task_targets"] == 16000
    sql = next(each["sql"] for each in queries.captured_queries if "supervision_assignmentsite" in each["sql"])
    plan = _plan(sql, None)
    assert "Index Only Scan using supervision_target_answered on supervision_assignmentsite" in plan, plan
