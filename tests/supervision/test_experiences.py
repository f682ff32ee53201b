# ruff: noqa: F811  (the `places` fixture is imported from community_fixtures)
"""典型经验: submission (district from the submitter or the sites, sites within scope), select → promote, decline
with a note, notifications, the per-district tracker and the pages by role."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry, Notification
from supervision import experiences
from supervision.choices import ExperienceStatus
from supervision.models import Attachment, Experience
from tests.archives.samples import pdf_bytes
from tests.factories import SiteFactory
from tests.supervision.community_fixtures import places  # noqa: F401
from tests.utils import queries_for

pytestmark = pytest.mark.django_db


def _submit(by, sites, **extra):
    return experiences.experience_submit(by=by, title="经验", summary="做法", sites=sites, **extra)


def test_leader_submits_for_their_site_in_its_district(cast, city, places):
    experience = _submit(cast.leader, [places.site_a])
    assert experience.district == city.district_a
    assert experience.year == timezone.localdate().year
    assert experience.status == ExperienceStatus.SUBMITTED
    assert list(experience.sites.all()) == [places.site_a]
    assert AuditEntry.objects.filter(action="experience_submit", object_id=str(experience.pk)).exists()


def test_leader_cannot_name_a_site_they_do_not_see(cast, places):
    with pytest.raises(ValidationError):
        _submit(cast.leader, [places.site_b])
    with pytest.raises(PermissionDenied):
        _submit(cast.leader, [])
    assert not Experience.objects.exists()


def test_district_user_submits_for_their_district_only_their_sites(cast, city, places):
    experience = _submit(cast.district, [])
    assert experience.district == city.district_a
    with pytest.raises(ValidationError):
        _submit(cast.district, [places.site_b])


def test_staff_sites_in_two_districts_refused_and_district_chosen_without_sites(cast, city, places):
    with pytest.raises(ValidationError):
        _submit(cast.staff, [places.site_a, places.site_b])
    assert _submit(cast.staff, [places.site_b]).district == city.district_b
    assert _submit(cast.staff, [], district=city.district_a).district == city.district_a
    with pytest.raises(ValidationError):
        _submit(cast.staff, [])


def test_select_then_promote_and_notify_submitter(cast, places):
    experience = _submit(cast.leader, [places.site_a])
    with pytest.raises(ValidationError):
        experiences.experience_promote(experience=experience, by=cast.staff)
    experiences.experience_select(experience=experience, by=cast.staff, note="好")
    experience = experiences.experience_promote(experience=experience, by=cast.staff)
    assert experience.status == ExperienceStatus.PROMOTED
    assert experience.selected_at and experience.promoted_at and experience.decided_by == cast.staff
    assert Notification.objects.filter(recipient=cast.leader, kind="supervision_notice").count() == 2
    assert AuditEntry.objects.filter(action="experience_promote").exists()
    with pytest.raises(ValidationError):
        experiences.experience_select(experience=experience, by=cast.staff)


def test_decline_needs_a_note_and_only_staff_decide(cast, places):
    experience = _submit(cast.leader, [places.site_a])
    with pytest.raises(ValidationError):
        experiences.experience_decline(experience=experience, by=cast.staff, note=" ")
    for user in (cast.leader, cast.district, cast.viewer):
        with pytest.raises(PermissionDenied):
            experiences.experience_select(experience=experience, by=user)
    experience = experiences.experience_decline(experience=experience, by=cast.staff, note="材料不足")
    assert experience.status == ExperienceStatus.RETURNED and experience.decision_note == "材料不足"


def test_tracker_counts_equal_the_data(cast, city, places):
    first = _submit(cast.leader, [places.site_a])
    experiences.experience_select(experience=first, by=cast.staff)
    experiences.experience_promote(experience=first, by=cast.staff)
    second = _submit(cast.district, [places.site_a2])
    experiences.experience_select(experience=second, by=cast.staff)
    declined = _submit(cast.staff, [places.site_b])
    experiences.experience_decline(experience=declined, by=cast.staff, note="不足")
    _submit(cast.staff, [places.site_b])
    old = _submit(cast.staff, [places.site_b])
    Experience.objects.filter(pk=old.pk).update(year=timezone.localdate().year - 1)
    rows = {row.district: row for row in experiences.district_tracker(timezone.localdate().year, cast.staff)}
    a, b = rows[city.district_a], rows[city.district_b]
    assert (a.submitted, a.selected, a.promoted, a.shortfall) == (2, 2, 1, 0)
    assert (b.submitted, b.selected, b.promoted, b.shortfall) == (1, 0, 0, 1)
    assert set(rows) == {city.district_a, city.district_b} | {d for d in rows if d.kind == "municipal"}
    assert [row.district for row in experiences.district_tracker(timezone.localdate().year, cast.district)] == [
        city.district_a
    ]
    assert experiences.district_tracker(timezone.localdate().year, cast.leader) == []


def test_tracker_page_highlights_shortfall(client, cast, city, places):
    _submit(cast.leader, [places.site_a])
    client.force_login(cast.staff)
    response = client.get(reverse("supervision:experience_tracker"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "甲区" in page and "乙县" in page and "还差 1 条" in page and "还差 2 条" in page
    client.force_login(cast.district)
    page = client.get(reverse("supervision:experience_tracker")).content.decode()
    assert "甲区" in page and "乙县" not in page


@pytest.mark.parametrize(
    "role,status",
    [
        ("admin", 200),
        ("staff", 200),
        ("district", 200),
        ("outsider", 200),
        ("viewer", 200),
        ("leader", 403),
        ("instructor", 403),
        ("scorer", 403),
        ("teamlead", 403),
        ("nobody", 403),
    ],
)
def test_tracker_by_role(client, cast, role, status):
    client.force_login(getattr(cast, role))
    assert client.get(reverse("supervision:experience_tracker")).status_code == status


def test_list_and_detail_are_scoped_by_role(client, cast, places):
    mine = _submit(cast.leader, [places.site_a])
    theirs = _submit(cast.staff, [places.site_b])
    expected = {
        "admin": {mine, theirs},
        "staff": {mine, theirs},
        "viewer": {mine, theirs},
        "district": {mine},
        "leader": {mine},
        "outsider": {theirs},
        "instructor": set(),
        "scorer": set(),
        "teamlead": set(),
        "nobody": set(),
    }
    for role, user in cast.by_role().items():
        client.force_login(user)
        response = client.get(reverse("supervision:experiences"))
        assert response.status_code == 200
        assert set(response.context["page_obj"].object_list) == expected[role], role
        for experience in (mine, theirs):
            code = client.get(experience.get_absolute_url()).status_code
            assert code == (200 if experience in expected[role] else 404), (role, experience)


def test_decision_posts_only_for_staff(client, cast, places):
    experience = _submit(cast.leader, [places.site_a])
    url = reverse("supervision:experience_decide", args=[experience.pk, "select"])
    for role in ("leader", "district"):
        client.force_login(getattr(cast, role))
        assert client.post(url).status_code == 403
    client.force_login(cast.outsider)
    assert client.post(url).status_code == 404
    client.force_login(cast.staff)
    assert client.get(url).status_code == 405
    assert client.post(url, {"note": "入选"}).status_code == 302
    experience.refresh_from_db()
    assert experience.status == ExperienceStatus.SELECTED


def test_submit_page_with_files_and_file_access(client, cast, places):
    client.force_login(cast.leader)
    assert client.get(reverse("supervision:experience_create")).status_code == 200
    upload = SimpleUploadedFile("方案.pdf", pdf_bytes(), content_type="application/pdf")
    response = client.post(
        reverse("supervision:experience_create"),
        {"title": "议事会", "summary": "做法", "sites": [places.site_a.pk], "files": [upload]},
    )
    assert response.status_code == 302, response.context["form"].errors
    experience = Experience.objects.get()
    attachment = Attachment.objects.get()
    url = reverse("supervision:attachment", args=[attachment.pk])
    assert client.get(url).status_code == 200
    client.force_login(cast.outsider)
    assert client.get(url).status_code == 403
    client.force_login(cast.scorer)
    assert client.get(reverse("supervision:experience_create")).status_code == 403
    assert experience.title == "议事会"


def test_submit_page_refuses_a_bad_file(client, cast, places):
    client.force_login(cast.leader)
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    response = client.post(
        reverse("supervision:experience_create"),
        {"title": "议事会", "summary": "做法", "sites": [places.site_a.pk], "files": [bad]},
    )
    assert response.status_code == 200
    assert not Experience.objects.exists()


def test_list_and_detail_query_counts_constant(client, cast, city, places):
    client.force_login(cast.staff)
    first = _submit(cast.staff, [places.site_a])
    list_one = queries_for(client, reverse("supervision:experiences"))
    detail_one = queries_for(client, first.get_absolute_url())
    for _index in range(19):
        site = SiteFactory(organization__region=city.town_b)
        _submit(cast.staff, [site, places.site_b])
    assert queries_for(client, reverse("supervision:experiences")) == list_one
    assert queries_for(client, Experience.objects.last().get_absolute_url()) == detail_one
