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


def test_figures_cost_three_queries_however_many_kinds(cast, year_data, django_assert_num_queries):
    """Experiences and tasks are one aggregate each; the seven plain counts are one UNION ALL (issue 12: the
    home page's queries stay within twenty)."""
    with django_assert_num_queries(3):
        figures = supervision_figures(timezone.localdate().year, cast.staff)
    assert figures["visits"] == 2 and figures["notices"] == 2 and figures["study_tours"] == 1
