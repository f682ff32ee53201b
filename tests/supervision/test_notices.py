# ruff: noqa: F811  (the `places` fixture is imported from community_fixtures)
"""通报批评: recorded by staff only, against exactly one of an organization or a site within scope, not dated in
the future; revoked with a reason, never deleted; the sites' people told; who sees which notice; the site page."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry, Notification
from sites.models import CreationGroupMember
from supervision import notices
from supervision.models import Notice
from tests.factories import SiteFactory, UserFactory
from tests.supervision.community_fixtures import places  # noqa: F401
from tests.utils import queries_for

pytestmark = pytest.mark.django_db


def _record(by, **target):
    return notices.notice_record(by=by, issued_on=timezone.localdate(), reason="推进迟缓", number="1号", **target)


def test_staff_records_a_notice_against_a_site_and_its_people_are_told(cast, places):
    notice = _record(cast.staff, site=places.site_a)
    assert notice.is_active and notice.created_by == cast.staff
    told = Notification.objects.get(recipient=cast.leader)
    assert told.kind == "supervision_notice" and told.url == notice.get_absolute_url()
    assert AuditEntry.objects.filter(action="notice_record", object_id=str(notice.pk)).exists()


def test_notice_against_an_organization_tells_every_site_of_it(cast, city, places):
    other_leader = UserFactory(username="t-leader2", roles=["leader"])
    CreationGroupMember.objects.create(site=places.site_b, name="乙", user=other_leader, role="leader")
    _record(cast.staff, organization=city.org_a)
    assert Notification.objects.filter(recipient=cast.leader).count() == 1
    assert not Notification.objects.filter(recipient=other_leader).exists()


def test_exactly_one_target_a_date_not_in_the_future_and_a_reason(cast, city, places):
    with pytest.raises(ValidationError):
        _record(cast.staff)
    with pytest.raises(ValidationError):
        _record(cast.staff, site=places.site_a, organization=city.org_a)
    with pytest.raises(ValidationError):
        notices.notice_record(
            by=cast.staff, issued_on=timezone.localdate() + datetime.timedelta(days=1), reason="x", site=places.site_a
        )
    with pytest.raises(ValidationError):
        notices.notice_record(by=cast.staff, issued_on=timezone.localdate(), reason="  ", site=places.site_a)
    assert not Notice.objects.exists()


def test_only_staff_record_or_revoke(cast, places):
    for role in ("leader", "district", "instructor", "viewer", "outsider", "nobody"):
        with pytest.raises(PermissionDenied):
            _record(getattr(cast, role), site=places.site_a)
    notice = _record(cast.staff, site=places.site_a)
    with pytest.raises(PermissionDenied):
        notices.notice_revoke(notice=notice, by=cast.district, reason="错")


def test_revoke_keeps_the_notice_with_a_reason(cast, places):
    notice = _record(cast.staff, site=places.site_a)
    with pytest.raises(ValidationError):
        notices.notice_revoke(notice=notice, by=cast.staff, reason="")
    notice = notices.notice_revoke(notice=notice, by=cast.staff, reason="录错了")
    assert not notice.is_active and notice.revoke_reason == "录错了" and notice.revoked_by == cast.staff
    assert Notice.objects.filter(pk=notice.pk).exists()
    with pytest.raises(ValidationError):
        notices.notice_revoke(notice=notice, by=cast.staff, reason="再撤")
    assert AuditEntry.objects.filter(action="notice_revoke").exists()


def test_who_sees_which_notice(client, cast, city, places):
    on_a = _record(cast.staff, site=places.site_a)
    on_org_a = _record(cast.staff, organization=city.org_a)
    on_b = _record(cast.staff, site=places.site_b)
    lists = {"admin": 200, "staff": 200, "district": 200, "outsider": 200}
    sees = {
        "admin": {on_a, on_org_a, on_b},
        "staff": {on_a, on_org_a, on_b},
        "viewer": {on_a, on_org_a, on_b},
        "district": {on_a, on_org_a},
        "leader": {on_a, on_org_a},
        "outsider": {on_b},
    }
    for role, user in cast.by_role().items():
        client.force_login(user)
        response = client.get(reverse("supervision:notices"))
        assert response.status_code == lists.get(role, 403), role
        if response.status_code == 200:
            assert set(response.context["page_obj"].object_list) == sees[role], role
        for notice in (on_a, on_org_a, on_b):
            expected = 200 if notice in sees.get(role, set()) else 404
            assert client.get(notice.get_absolute_url()).status_code == expected, (role, notice)


def test_notice_pages_for_staff_only(client, cast, city, places):
    notice = _record(cast.staff, site=places.site_a)
    create, revoke = reverse("supervision:notice_create"), reverse("supervision:notice_revoke", args=[notice.pk])
    client.force_login(cast.district)
    assert client.get(create).status_code == 403
    assert client.post(revoke, {"reason": "x"}).status_code == 403
    client.force_login(cast.outsider)
    assert client.post(revoke, {"reason": "x"}).status_code == 404
    client.force_login(cast.staff)
    assert client.get(create).status_code == 200
    response = client.post(
        create,
        {"issued_on": timezone.localdate().isoformat(), "reason": "阵地未建", "organization": city.org_b.pk},
    )
    assert response.status_code == 302
    assert Notice.objects.filter(organization=city.org_b).exists()
    response = client.post(create, {"issued_on": timezone.localdate().isoformat(), "reason": "x"})
    assert response.status_code == 200 and response.context["form"].errors
    assert client.get(revoke).status_code == 200
    assert client.post(revoke, {"reason": "录错"}).status_code == 302
    notice.refresh_from_db()
    assert not notice.is_active


def test_site_page_lists_its_notices_with_revoked_struck_through(client, cast, city, places):
    active = _record(cast.staff, site=places.site_a)
    revoked = notices.notice_record(
        by=cast.staff, issued_on=timezone.localdate(), reason="单位通报", number="2号", organization=city.org_a
    )
    notices.notice_revoke(notice=revoked, by=cast.staff, reason="录错")
    _record(cast.staff, site=places.site_b)
    client.force_login(cast.leader)
    page = client.get(places.site_a.get_absolute_url()).content.decode()
    assert reverse("supervision:notice_detail", args=[active.pk]) in page
    assert reverse("supervision:notice_detail", args=[revoked.pk]) in page
    assert "text-decoration-line-through" in page and "已撤销" in page
    assert page.count('id="notices"') == 1


def test_site_page_queries_do_not_grow_per_notice(client, cast, places):
    _record(cast.staff, site=places.site_a)
    client.force_login(cast.staff)
    one = queries_for(client, places.site_a.get_absolute_url())
    for _ in range(9):
        _record(cast.staff, site=places.site_a)
    assert queries_for(client, places.site_a.get_absolute_url()) == one


def test_list_and_detail_query_counts_constant(client, cast, city, places):
    client.force_login(cast.staff)
    first = _record(cast.staff, site=places.site_a)
    list_one = queries_for(client, reverse("supervision:notices"))
    detail_one = queries_for(client, first.get_absolute_url())
    for _ in range(19):
        _record(cast.staff, site=SiteFactory(organization__region=city.town_b))
    assert queries_for(client, reverse("supervision:notices")) == list_one
    assert queries_for(client, Notice.objects.first().get_absolute_url()) == detail_one
