# ruff: noqa: F811  (the `places` fixture is imported from community_fixtures)
"""观摩活动: staff organize a tour along ordered sites (or a belt's route), the stop sites' people are told, the tour
shows on each stop's page, feedback afterwards; who sees what."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry, Notification
from sites.models import Zone, ZoneSite
from supervision import tours
from supervision.models import StudyTour, StudyTourStop, TourFeedback
from tests.factories import SiteFactory
from tests.supervision.community_fixtures import places  # noqa: F401
from tests.utils import queries_for

pytestmark = pytest.mark.django_db


def _tour(by, sites, **extra):
    fields = {"title": "观摩", "held_on": timezone.localdate(), "participants": "各区县组织部", **extra}
    return tours.tour_create(by=by, sites=sites, **fields)


def _route(tour):
    return list(tour.stops.order_by("order").values_list("site__name", flat=True))


def test_staff_create_a_tour_in_order_and_stops_are_told(cast, places):
    tour = _tour(cast.staff, [places.site_b, places.site_a])
    assert _route(tour) == ["乙镇示范点", "甲村示范点"]
    told = Notification.objects.get(recipient=cast.leader)
    assert told.kind == "supervision_notice" and told.url == tour.get_absolute_url()
    assert AuditEntry.objects.filter(action="tour_create").exists()


def test_tour_refusals(cast, places):
    with pytest.raises(ValidationError):
        _tour(cast.staff, [])
    for role in ("leader", "district", "instructor", "viewer"):
        with pytest.raises(PermissionDenied):
            _tour(getattr(cast, role), [places.site_a])
    assert not StudyTour.objects.exists()


def test_update_reorders_and_tells_only_new_stops(cast, places):
    tour = _tour(cast.staff, [places.site_b])
    assert not Notification.objects.filter(recipient=cast.leader).exists()
    tours.tour_update(
        tour=tour,
        by=cast.staff,
        title="观摩",
        held_on=tour.held_on,
        participants="x",
        sites=[places.site_a, places.site_b],
    )
    assert _route(tour) == ["甲村示范点", "乙镇示范点"]
    assert Notification.objects.filter(recipient=cast.leader).count() == 1
    tours.tour_update(
        tour=tour, by=cast.staff, title="观摩", held_on=tour.held_on, participants="x", sites=[places.site_a]
    )
    assert _route(tour) == ["甲村示范点"]


def test_feedback_site_must_be_a_stop(cast, places):
    tour = _tour(cast.staff, [places.site_a])
    with pytest.raises(ValidationError):
        tours.tour_feedback_record(tour=tour, by=cast.staff, author_name="王", content="好", site=places.site_b)
    with pytest.raises(PermissionDenied):
        tours.tour_feedback_record(tour=tour, by=cast.leader, author_name="王", content="好")
    feedback = tours.tour_feedback_record(tour=tour, by=cast.staff, author_name="王", content="好", site=places.site_a)
    assert feedback.recorded_by == cast.staff


def test_form_prefills_a_belt_route_and_orders_by_number(client, cast, places):
    belt = Zone.objects.create(name="测试观摩带", kind="belt")
    ZoneSite.objects.create(zone=belt, site=places.site_b, order=1)
    ZoneSite.objects.create(zone=belt, site=places.site_a, order=2)
    client.force_login(cast.staff)
    data = {"title": "沿带观摩", "held_on": timezone.localdate().isoformat(), "participants": "x", "zone": belt.pk}
    response = client.post(reverse("supervision:tour_create"), data)
    assert response.status_code == 302
    tour = StudyTour.objects.get()
    assert _route(tour) == ["乙镇示范点", "甲村示范点"]
    edit = reverse("supervision:tour_edit", args=[tour.pk])
    assert client.get(edit).status_code == 200
    data = {
        "title": "沿带观摩",
        "held_on": timezone.localdate().isoformat(),
        "participants": "x",
        "sites": [places.site_b.pk, places.site_a.pk],
        f"stop_{places.site_a.pk}": 1,
        f"stop_{places.site_b.pk}": 2,
    }
    assert client.post(edit, data).status_code == 302
    assert _route(tour) == ["甲村示范点", "乙镇示范点"]


def test_pages_by_role(client, cast, places):
    tour_a = _tour(cast.staff, [places.site_a])
    tour_b = _tour(cast.staff, [places.site_b], held_on=timezone.localdate() - datetime.timedelta(days=3))
    sees = {
        "admin": {tour_a, tour_b},
        "staff": {tour_a, tour_b},
        "viewer": {tour_a, tour_b},
        "district": {tour_a},
        "leader": {tour_a},
        "outsider": {tour_b},
    }
    lists = {"admin", "staff", "district", "outsider"}
    for role, user in cast.by_role().items():
        client.force_login(user)
        response = client.get(reverse("supervision:tours"))
        assert response.status_code == (200 if role in lists else 403), role
        if role in lists:
            assert set(response.context["page_obj"].object_list) == sees[role], role
        for tour in (tour_a, tour_b):
            assert client.get(tour.get_absolute_url()).status_code == (200 if tour in sees.get(role, ()) else 404)
        code = client.get(reverse("supervision:tour_feedback", args=[tour_a.pk])).status_code
        assert code == (200 if role in {"admin", "staff"} else 404 if tour_a not in sees.get(role, ()) else 403)
        assert client.get(reverse("supervision:tour_create")).status_code == (
            200 if role in {"admin", "staff"} else 403
        )


def test_feedback_page_records(client, cast, places):
    tour = _tour(cast.staff, [places.site_a])
    client.force_login(cast.staff)
    url = reverse("supervision:tour_feedback", args=[tour.pk])
    assert client.post(url, {"author_name": "王", "content": "很好", "site": places.site_a.pk}).status_code == 302
    assert TourFeedback.objects.get().site == places.site_a
    page = client.get(tour.get_absolute_url()).content.decode()
    assert "很好" in page


def test_tour_shows_on_each_stop_site_page(client, cast, places):
    tour = _tour(cast.staff, [places.site_a, places.site_b], title="滨江观摩")
    client.force_login(cast.leader)
    page = client.get(places.site_a.get_absolute_url()).content.decode()
    assert "滨江观摩" in page and tour.get_absolute_url() in page


def test_list_and_detail_query_counts_constant(client, cast, city, places):
    client.force_login(cast.staff)
    first = _tour(cast.staff, [places.site_a])
    tours.tour_feedback_record(tour=first, by=cast.staff, author_name="王", content="好", site=places.site_a)
    list_one = queries_for(client, reverse("supervision:tours"))
    detail_one = queries_for(client, first.get_absolute_url())
    for _index in range(19):
        site = SiteFactory(organization__region=city.town_b)
        tour = _tour(cast.staff, [site, places.site_b])
        tours.tour_feedback_record(tour=tour, by=cast.staff, author_name="王", content="好", site=site)
        tours.tour_feedback_record(tour=tour, by=cast.staff, author_name="李", content="好")
    assert queries_for(client, reverse("supervision:tours")) == list_one
    assert queries_for(client, tour.get_absolute_url()) == detail_one
    assert StudyTourStop.objects.count() == 39
