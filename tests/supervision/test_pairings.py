# ruff: noqa: F811  (the `places` fixture is imported from community_fixtures)
"""结对共建: recorded by staff, the site's leader or liaison; a partner organization in scope or a free-text name;
yearly activities within the pairing's dates; the detail page and the site page."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from supervision import tours
from supervision.models import Pairing, PairingActivity
from tests.supervision.community_fixtures import places  # noqa: F401
from tests.utils import queries_for

pytestmark = pytest.mark.django_db
START = datetime.date(2025, 3, 1)


def _pair(by, site, **extra):
    fields = {"aims": "规范组织生活", "started_on": START, "partner_name": "后进村党支部", **extra}
    return tours.pairing_record(by=by, site=site, **fields)


def test_leader_staff_and_liaison_record_a_pairing(cast, city, places):
    assert _pair(cast.leader, places.site_a).created_by == cast.leader
    assert _pair(cast.district, places.site_a).partner_name == "后进村党支部"
    pairing = _pair(cast.staff, places.site_b, partner_name="", partner_organization=city.org_a)
    assert pairing.partner_name == "甲村党支部"
    assert AuditEntry.objects.filter(action="pairing_record").count() == 3


def test_pairing_refusals(cast, city, places):
    for role in ("instructor", "viewer", "scorer"):
        with pytest.raises(PermissionDenied):
            _pair(getattr(cast, role), places.site_a)
    with pytest.raises(PermissionDenied):
        _pair(cast.leader, places.site_b)
    with pytest.raises(PermissionDenied):
        _pair(cast.outsider, places.site_a)
    with pytest.raises(ValidationError):
        _pair(cast.leader, places.site_a, partner_name="")
    with pytest.raises(ValidationError):
        _pair(cast.staff, places.site_a, partner_organization=city.org_a)  # its own organization
    with pytest.raises(ValidationError):
        _pair(cast.leader, places.site_a, ended_on=START - datetime.timedelta(days=1))
    with pytest.raises(ValidationError):
        _pair(cast.leader, places.site_a, partner_organization=city.org_b)  # outside the leader's scope
    assert not Pairing.objects.exists()


def test_activities_within_the_pairing_dates(cast, places):
    pairing = _pair(cast.leader, places.site_a, ended_on=datetime.date(2026, 12, 31))
    with pytest.raises(ValidationError):
        tours.pairing_activity_record(pairing=pairing, by=cast.leader, held_on=datetime.date(2025, 1, 1), title="x")
    with pytest.raises(ValidationError):
        tours.pairing_activity_record(pairing=pairing, by=cast.leader, held_on=datetime.date(2027, 1, 1), title="x")
    with pytest.raises(PermissionDenied):
        tours.pairing_activity_record(pairing=pairing, by=cast.instructor, held_on=START, title="x")
    tours.pairing_activity_record(pairing=pairing, by=cast.leader, held_on=START, title="联学")
    assert AuditEntry.objects.filter(action="pairing_activity").exists()


def test_detail_groups_activities_by_year_and_adds_one(client, cast, places):
    pairing = _pair(cast.leader, places.site_a)
    tours.pairing_activity_record(pairing=pairing, by=cast.leader, held_on=datetime.date(2025, 5, 1), title="去年活动")
    client.force_login(cast.leader)
    url = pairing.get_absolute_url()
    response = client.post(url, {"held_on": timezone.localdate().isoformat(), "title": "今年活动"})
    assert response.status_code == 302
    response = client.get(url)
    assert [year for year, _ in response.context["years"]] == [timezone.localdate().year, 2025]
    page = response.content.decode()
    assert "今年活动" in page and "去年活动" in page


def test_pages_by_role(client, cast, places):
    pairing = _pair(cast.leader, places.site_a)
    may_record = {"admin", "staff", "district", "leader"}
    sees = may_record | {"viewer", "instructor"}  # the instructor sees nothing assigned to them: 404 below
    for role, user in cast.by_role().items():
        client.force_login(user)
        visible = role in {"admin", "staff", "district", "leader", "viewer"}
        detail = client.get(pairing.get_absolute_url())
        assert detail.status_code == (200 if visible else 404), role
        if visible:
            assert (detail.context["form"] is not None) == (role in may_record), role
            post = client.post(pairing.get_absolute_url(), {"held_on": START.isoformat(), "title": "x"})
            assert post.status_code == (302 if role in may_record else 403), role
        create = client.get(reverse("supervision:pairing_create", args=[places.site_a.pk])).status_code
        assert create == (200 if role in may_record else 403 if visible else 404), role
    assert sees


def test_create_page_and_site_page(client, cast, places):
    client.force_login(cast.leader)
    url = reverse("supervision:pairing_create", args=[places.site_a.pk])
    response = client.post(url, {"partner_name": "结对村", "aims": "帮扶", "started_on": "2025-03-01"})
    assert response.status_code == 302
    pairing = Pairing.objects.get()
    tours.pairing_activity_record(pairing=pairing, by=cast.leader, held_on=timezone.localdate(), title="本年联学")
    page = client.get(places.site_a.get_absolute_url()).content.decode()
    assert "结对村" in page and "本年联学" in page and pairing.get_absolute_url() in page


def test_detail_query_count_constant(client, cast, places):
    pairing = _pair(cast.leader, places.site_a)
    tours.pairing_activity_record(pairing=pairing, by=cast.leader, held_on=START, title="a")
    client.force_login(cast.staff)
    one = queries_for(client, pairing.get_absolute_url())
    for day in range(19):
        tours.pairing_activity_record(
            pairing=pairing, by=cast.leader, held_on=START + datetime.timedelta(days=day * 30), title="b"
        )
    assert queries_for(client, pairing.get_absolute_url()) == one
    assert PairingActivity.objects.count() == 20
