"""The attacker's walk over every supervision URL: records of a site in district A that is not the leader's, read
and acted on as the cast's leader (of another site of district A), as the outsider (district B's staff), as a
scorer and as a user with no role. None of them may read that site's records or files, or change them."""

import datetime
import io
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from sites.models import CreationGroupMember
from supervision.attachments import attach, check_uploads
from supervision.choices import AssignmentStatus, ExperienceStatus, RectificationStatus, TargetKind
from supervision.models import (
    Answer,
    Assignment,
    AssignmentSite,
    Experience,
    GuidanceVisit,
    Notice,
    Pairing,
    Rectification,
    StudyTour,
    StudyTourStop,
)
from tests.archives.samples import image_bytes
from tests.factories import SiteFactory

SECRET = "机密示范点"


@dataclass
class Hidden:
    site: object
    pages: list
    posts: list


def _file(owner, by):
    upload = SimpleUploadedFile("现场.png", image_bytes("PNG"), content_type="image/png")
    return attach(owner=owner, checked=check_uploads([upload]), by=by)[0]


@pytest.fixture
def hidden(city, cast) -> Hidden:
    own = SiteFactory(organization=city.org_a, name="甲村示范点")
    CreationGroupMember.objects.create(site=own, name="刘组长", user=cast.leader, role="leader")
    site = SiteFactory(organization=city.org_a_town, name=SECRET)  # district A, not the leader's
    now = timezone.now()
    task = Assignment.objects.create(
        title="报送台账",
        due_at=now + datetime.timedelta(days=3),
        status=AssignmentStatus.PUBLISHED,
        target_kind=TargetKind.SITES,
        published_at=now,
        created_by=cast.staff,
    )
    AssignmentSite.objects.create(assignment=task, site=own)
    target = AssignmentSite.objects.create(assignment=task, site=site, status="submitted", submitted_at=now)
    answer = Answer.objects.create(target=target, text="答复", submitted_by=cast.staff)
    visit = GuidanceVisit.objects.create(
        site=site, visited_on=now.date(), participants="指导员", findings="问题", recorded_by=cast.staff
    )
    item = Rectification.objects.create(
        site=site,
        title="整改",
        visit=visit,
        due_on=now.date(),
        status=RectificationStatus.SUBMITTED,
        created_by=cast.staff,
    )
    experience = Experience.objects.create(
        title="经验",
        summary="摘要",
        year=now.year,
        district=city.district_a,
        status=ExperienceStatus.SUBMITTED,
        submitted_by=cast.staff,
    )
    experience.sites.add(site)
    notice = Notice.objects.create(issued_on=now.date(), reason="通报", site=site, created_by=cast.staff)
    tour = StudyTour.objects.create(title="观摩", held_on=now.date(), participants="全体", created_by=cast.staff)
    StudyTourStop.objects.create(tour=tour, site=site, order=1)
    pairing = Pairing.objects.create(site=site, partner_name="结对村", aims="共建", started_on=now.date())
    files = [_file(owner, cast.staff) for owner in (answer, visit, item, experience, notice)]
    pages = [
        reverse("supervision:assignment_detail", args=[task.pk]),
        reverse("supervision:target_detail", args=[target.pk]),
        reverse("supervision:visit_detail", args=[visit.pk]),
        reverse("supervision:visit_update", args=[visit.pk]),
        reverse("supervision:rectification_detail", args=[item.pk]),
        reverse("supervision:experience_detail", args=[experience.pk]),
        reverse("supervision:notice_detail", args=[notice.pk]),
        reverse("supervision:notice_revoke", args=[notice.pk]),
        reverse("supervision:tour_detail", args=[tour.pk]),
        reverse("supervision:tour_edit", args=[tour.pk]),
        reverse("supervision:tour_feedback", args=[tour.pk]),
        reverse("supervision:pairing_detail", args=[pairing.pk]),
        reverse("supervision:pairing_create", args=[site.pk]),
        *[reverse("supervision:attachment", args=[attached.pk]) for attached in files],
    ]
    listings = [
        reverse("supervision:board"),
        reverse("supervision:board_export"),
        reverse("supervision:assignments"),
        reverse("supervision:my_tasks"),
        reverse("supervision:visits"),
        reverse("supervision:rectifications"),
        reverse("supervision:experiences"),
        reverse("supervision:experience_tracker"),
        reverse("supervision:notices"),
        reverse("supervision:tours"),
        reverse("supervision:visit_site_pick") + "?q=机密",
    ]
    posts = [
        (reverse("supervision:target_accept", args=[target.pk]), {}),
        (reverse("supervision:target_return", args=[target.pk]), {"reason": "不行"}),
        (reverse("supervision:target_answer", args=[target.pk]), {"text": "冒名报送"}),
        (reverse("supervision:rectification_accept", args=[item.pk]), {}),
        (reverse("supervision:rectification_reopen", args=[item.pk]), {"reason": "重来"}),
        (reverse("supervision:rectification_detail", args=[item.pk]), {"note": "已整改"}),
        (reverse("supervision:experience_decide", args=[experience.pk, "select"]), {}),
        (reverse("supervision:notice_revoke", args=[notice.pk]), {"reason": "撤销"}),
        (reverse("supervision:tour_feedback", args=[tour.pk]), {"author_name": "某人", "content": "好"}),
        (reverse("supervision:pairing_detail", args=[pairing.pk]), {"held_on": now.date(), "title": "活动"}),
        (reverse("supervision:pairing_create", args=[site.pk]), {"partner_name": "某村", "aims": "共建"}),
    ]
    return Hidden(site=site, pages=pages + listings, posts=posts)


def _text(body: bytes, content_type: str) -> str:
    """What a page or a workbook says (a workbook is zipped: read its cells)."""
    if "spreadsheetml" not in content_type:
        return body.decode(errors="ignore")
    workbook = load_workbook(io.BytesIO(body), read_only=True)
    return "\n".join(
        str(value) for sheet in workbook for row in sheet.iter_rows(values_only=True) for value in row if value
    )


def _snapshot(site):
    return (
        list(AssignmentSite.objects.filter(site=site).values_list("status", "reviewed_at")),
        list(Answer.objects.filter(target__site=site).values_list("pk", "decision")),
        list(Rectification.objects.filter(site=site).values_list("status", "closing_note", "reopen_reason")),
        list(Experience.objects.values_list("status", flat=True)),
        list(Notice.objects.values_list("revoked_at", flat=True)),
        StudyTour.objects.get().feedback.count(),
        list(Pairing.objects.values_list("pk", flat=True)),
        Pairing.objects.get(site=site).activities.count(),
    )


@pytest.mark.parametrize("role", ["leader", "outsider", "scorer", "teamlead", "nobody"])
def test_no_page_or_file_of_another_site_reads_to_a_user_outside_its_scope(client, cast, hidden, role):
    client.force_login(getattr(cast, role))
    for url in hidden.pages:
        response = client.get(url)
        assert response.status_code in (200, 302, 403, 404), url
        if response.status_code == 200:
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert "/files/" not in url, url  # no file of the hidden site is served
            assert SECRET not in _text(body, response.get("Content-Type", "")), url


@pytest.mark.parametrize("role", ["leader", "outsider", "scorer", "teamlead", "nobody"])
def test_no_change_reaches_another_sites_records(client, cast, hidden, role):
    client.force_login(getattr(cast, role))
    before = _snapshot(hidden.site)
    for url, data in hidden.posts:
        response = client.post(url, data)
        assert response.status_code in (302, 403, 404, 405), (url, response.status_code)
    assert _snapshot(hidden.site) == before


def test_the_probe_reaches_the_records_when_in_scope(client, cast, hidden):
    """The same pages are there for staff, so the refusals above are the scope's doing, not broken URLs."""
    client.force_login(cast.staff)
    for url in hidden.pages:
        assert client.get(url).status_code == 200, url
