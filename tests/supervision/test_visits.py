"""Guidance visits (指导记录): recording one with photos and rectification items, who may record and see them,
and the list and detail pages' query counts."""

import datetime
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from core.models import AuditEntry, Notification
from sites.models import CreationGroupMember
from supervision import visits
from supervision.choices import RectificationStatus
from supervision.models import Attachment, GuidanceVisit, Rectification
from tests.archives.samples import image_bytes, pdf_bytes
from tests.factories import SiteFactory, UserFactory


def photo(name="现场.png"):
    return SimpleUploadedFile(name, image_bytes("PNG"), content_type="image/png")


@dataclass
class World:
    site_a: object  # district A: cast.leader's site, cast.instructor's site
    site_b: object  # district B: another instructor's site
    instructor_b: object


@pytest.fixture
def world(cast, city) -> World:
    return build_world(cast, city)


def build_world(cast, city) -> World:
    site_a = SiteFactory(organization=city.org_a, name="甲村示范点")
    site_b = SiteFactory(organization=city.org_b, name="乙镇示范点")
    CreationGroupMember.objects.create(site=site_a, name="甲负责人", user=cast.leader)
    site_a.instructors.add(cast.instructor)
    instructor_b = UserFactory(username="t-instructor-b", roles=[Role.INSTRUCTOR])
    site_b.instructors.add(instructor_b)
    return World(site_a=site_a, site_b=site_b, instructor_b=instructor_b)


def record(site, by, *, items=(), photos=(), visited_on=None):
    return visits.visit_record(
        site=site,
        by=by,
        visited_on=visited_on or timezone.localdate(),
        participants="张三、李四",
        findings="阵地标识不规范",
        suggestions="按标准更换标牌",
        photos=list(photos),
        items=list(items),
    )


def item(title="更换标牌", days=10, responsible="王五"):
    return {
        "title": title,
        "detail": "按规范制作",
        "due_on": timezone.localdate() + datetime.timedelta(days=days),
        "responsible": responsible,
    }


def test_instructor_records_a_visit_with_items_and_photos(world, cast):
    visit = record(
        world.site_a, cast.instructor, items=[item(), item("完善台账", 20)], photos=[photo(), photo("b.png")]
    )
    assert visit.recorded_by == cast.instructor
    rectifications = list(visit.rectifications.order_by("id"))
    assert [r.title for r in rectifications] == ["更换标牌", "完善台账"]
    assert all(r.status == RectificationStatus.OPEN and r.site == world.site_a for r in rectifications)
    assert rectifications[0].responsible == "王五" and rectifications[0].created_by == cast.instructor
    assert rectifications[0].origin == visit
    assert Attachment.objects.filter(owner_id=visit.pk).count() == 2
    note = Notification.objects.get(recipient=cast.leader)
    assert note.kind == "rectification" and note.url.startswith(visit.get_absolute_url())
    assert AuditEntry.objects.filter(action="visit_record", actor=cast.instructor).count() == 1
    assert AuditEntry.objects.filter(action="rectification_create").count() == 2


def test_a_renamed_text_file_as_photo_is_refused_and_nothing_is_saved(world, cast):
    fake = SimpleUploadedFile("假照片.jpg", "这是一段文字，不是照片".encode(), content_type="image/jpeg")
    with pytest.raises(ValidationError) as error:
        record(world.site_a, cast.instructor, items=[item()], photos=[photo(), fake])
    assert "假照片.jpg" in str(error.value)
    assert not GuidanceVisit.objects.exists() and not Rectification.objects.exists()
    assert not Attachment.objects.exists() and not Notification.objects.exists()


def test_a_pdf_is_not_a_photo(world, cast):
    with pytest.raises(ValidationError) as error:
        record(world.site_a, cast.instructor, photos=[SimpleUploadedFile("a.pdf", pdf_bytes())])
    assert "不是照片" in str(error.value)
    assert not GuidanceVisit.objects.exists()


def test_visit_date_cannot_be_in_the_future_and_items_need_a_deadline(world, cast):
    with pytest.raises(ValidationError):
        record(world.site_a, cast.instructor, visited_on=timezone.localdate() + datetime.timedelta(days=1))
    with pytest.raises(ValidationError):
        record(world.site_a, cast.instructor, items=[{"title": "无期限", "due_on": None}])
    assert not GuidanceVisit.objects.exists()


@pytest.mark.parametrize("role", ["leader", "scorer", "outsider", "nobody", "viewer", "teamlead"])
def test_only_instructors_liaisons_and_staff_record_visits(world, cast, role):
    with pytest.raises(PermissionDenied):
        record(world.site_a, getattr(cast, role))


def test_another_sites_instructor_may_not_record(world, cast):
    with pytest.raises(PermissionDenied):
        record(world.site_b, cast.instructor)
    for user in (cast.district, cast.staff, cast.admin):
        record(world.site_a, user)


def test_visit_sites_for_matches_the_permission(world, cast):
    assert list(visits.visit_sites_for(cast.instructor)) == [world.site_a]
    assert list(visits.visit_sites_for(cast.district)) == [world.site_a]
    assert set(visits.visit_sites_for(cast.staff)) == {world.site_a, world.site_b}
    assert not visits.visit_sites_for(cast.leader).exists()
    assert not visits.visit_sites_for(cast.scorer).exists()


def test_visit_update_by_recorder_only(world, cast):
    visit = record(world.site_a, cast.instructor)
    visits.visit_update(
        visit=visit,
        by=cast.instructor,
        visited_on=visit.visited_on,
        participants="张三",
        findings="改过的问题",
        photos=[photo()],
    )
    visit.refresh_from_db()
    assert visit.findings == "改过的问题"
    assert AuditEntry.objects.filter(action="visit_update").exists()
    with pytest.raises(PermissionDenied):
        visits.visit_update(visit=visit, by=cast.district, visited_on=visit.visited_on, participants="x", findings="y")


# --- pages -----------------------------------------------------------------------------------------------------


LIST_STATUS = {
    "admin": 200,
    "staff": 200,
    "district": 200,
    "instructor": 200,
    "leader": 200,
    "viewer": 200,
    "scorer": 403,
    "teamlead": 403,
    "outsider": 200,
    "nobody": 403,
}
# Who sees visit A (district A, cast.instructor's, cast.leader's site): 404 out of scope, 403 for no role.
DETAIL_STATUS = {**LIST_STATUS, "outsider": 404}


@pytest.mark.parametrize("role", list(LIST_STATUS))
def test_visit_pages_per_role(client, world, cast, role):
    visit = record(world.site_a, cast.instructor, items=[item()], photos=[photo()])
    user = cast.by_role()[role]
    client.force_login(user)
    response = client.get(reverse("supervision:visits"))
    assert response.status_code == LIST_STATUS[role]
    if response.status_code == 200:
        assert (visit in response.context["page_obj"].object_list) == (DETAIL_STATUS[role] == 200)
    assert client.get(visit.get_absolute_url()).status_code == DETAIL_STATUS[role]
    attachment = Attachment.objects.get(owner_id=visit.pk)
    expected = 200 if DETAIL_STATUS[role] == 200 else 403
    assert client.get(reverse("supervision:attachment", args=[attachment.pk])).status_code == expected


def test_an_instructor_sees_only_their_sites_visits(client, world, cast):
    mine = record(world.site_a, cast.instructor)
    theirs = record(world.site_b, world.instructor_b)
    client.force_login(cast.instructor)
    listed = list(client.get(reverse("supervision:visits")).context["page_obj"].object_list)
    assert listed == [mine]
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.get(reverse("supervision:visit_update", args=[theirs.pk])).status_code == 404


def test_visit_form_records_a_visit_with_items(client, world, cast):
    client.force_login(cast.instructor)
    assert client.get(reverse("supervision:visit_create")).status_code == 200
    today = timezone.localdate()
    data = {
        "site": world.site_a.pk,
        "visited_on": today.isoformat(),
        "participants": "张三",
        "findings": "问题",
        "suggestions": "",
        "photos": [photo()],
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-0-title": "整改一",
        "items-0-due_on": (today + datetime.timedelta(days=7)).isoformat(),
        "items-0-responsible": "王五",
        "items-1-title": "",
    }
    response = client.post(reverse("supervision:visit_create"), data)
    visit = GuidanceVisit.objects.get()
    assert response.status_code == 302 and response.url == visit.get_absolute_url()
    assert visit.rectifications.get().title == "整改一"


def test_visit_form_refuses_a_site_out_of_reach(client, world, cast):
    client.force_login(cast.instructor)
    data = {
        "site": world.site_b.pk,
        "visited_on": timezone.localdate().isoformat(),
        "participants": "张三",
        "findings": "问题",
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("supervision:visit_create"), data)
    assert response.status_code == 200 and not GuidanceVisit.objects.exists()
    client.force_login(cast.leader)
    assert client.get(reverse("supervision:visit_create")).status_code == 403


def test_site_picker_offers_only_sites_the_user_may_visit(client, world, cast):
    client.force_login(cast.instructor)
    results = client.get(reverse("supervision:visit_site_pick"), {"q": "示范点"}).json()["results"]
    assert [row["value"] for row in results] == [str(world.site_a.pk)]


def test_site_page_shows_visits_and_items(client, world, cast):
    record(
        world.site_a,
        cast.instructor,
        items=[item("逾期的事", days=-1)],
        visited_on=timezone.localdate() - datetime.timedelta(days=5),
    )
    client.force_login(cast.leader)
    response = client.get(world.site_a.get_absolute_url())
    content = response.content.decode()
    assert "指导与整改" in content and "逾期的事" in content and "已逾期" in content


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["staff", "instructor", "leader"])
def test_visit_pages_query_counts_do_not_grow(client, world, cast, role):
    user = getattr(cast, role)
    client.force_login(user)
    first = record(world.site_a, cast.instructor, items=[item()], photos=[photo()])
    one_list = _count(client, reverse("supervision:visits"))
    one_detail = _count(client, first.get_absolute_url())
    one_site = _count(client, world.site_a.get_absolute_url())
    for _n in range(19):
        record(world.site_a, cast.instructor, items=[item(), item("二")], photos=[photo()])
    many = record(world.site_a, cast.instructor, items=[item(days=n) for n in range(1, 20)], photos=[photo(), photo()])
    assert _count(client, reverse("supervision:visits")) == one_list
    assert _count(client, many.get_absolute_url()) == one_detail
    assert _count(client, world.site_a.get_absolute_url()) == one_site


def test_site_page_lists_owed_items_by_deadline_then_the_five_latest_closed(rf, world, cast):
    from supervision.templatetags.supervision_visits import RECENT_CLOSED, site_visits_panel
    from tests.factories import RectificationFactory

    today = timezone.localdate()
    owed = [
        RectificationFactory(site=world.site_a, due_on=today + datetime.timedelta(days=days), status=status)
        for days, status in ((9, RectificationStatus.OPEN), (2, RectificationStatus.SUBMITTED), (5, "open"))
    ]
    closed = [
        RectificationFactory(
            site=world.site_a,
            status=RectificationStatus.CLOSED,
            closed_at=timezone.now() - datetime.timedelta(days=days),
        )
        for days in range(7)
    ]
    RectificationFactory(site=world.site_b)  # another site's
    request = rf.get("/")
    request.user = cast.staff
    panel = site_visits_panel({"request": request}, world.site_a)
    assert panel["owed"] == [owed[1], owed[2], owed[0]]
    assert panel["closed"] == closed[:RECENT_CLOSED]
    assert panel["may_record"]
