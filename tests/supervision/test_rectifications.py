"""Rectification items (整改事项): the site reports one done with evidence, the recorder accepts or reopens it;
items raised by a finalized round follow the same path with staff deciding; overdue marking; who may do what."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry, Notification
from supervision import services
from supervision.choices import RectificationStatus
from supervision.models import Attachment, Rectification
from tests.archives.samples import pdf_bytes
from tests.factories import RoundFactory
from tests.supervision.test_visits import _count, build_world, item, photo, record


@pytest.fixture
def world(cast, city):
    return build_world(cast, city)


@pytest.fixture
def raised(world, cast):
    visit = record(world.site_a, cast.instructor, items=[item()])
    return visit.rectifications.get()


def test_site_reports_with_evidence_and_the_recorder_accepts(raised, cast):
    services.rectification_report(rectification=raised, by=cast.leader, note="已更换标牌", files=[photo()])
    raised.refresh_from_db()
    assert raised.status == RectificationStatus.SUBMITTED
    assert raised.reported_by == cast.leader and raised.reported_at and raised.closing_note == "已更换标牌"
    assert Attachment.objects.filter(owner_id=raised.pk, uploaded_by=cast.leader).count() == 1
    assert Notification.objects.get(recipient=cast.instructor, kind="rectification").url == raised.get_absolute_url()
    services.rectification_accept(rectification=raised, by=cast.instructor)
    raised.refresh_from_db()
    assert raised.status == RectificationStatus.CLOSED and raised.closed_by == cast.instructor and raised.closed_at
    assert {"rectification_report", "rectification_accept"} <= set(AuditEntry.objects.values_list("action", flat=True))


def test_reopen_with_reason_then_report_again(raised, cast):
    services.rectification_report(rectification=raised, by=cast.leader, note="初步整改", files=[])
    with pytest.raises(ValidationError):
        services.rectification_reopen(rectification=raised, by=cast.instructor, reason="  ")
    services.rectification_reopen(rectification=raised, by=cast.instructor, reason="标牌尺寸不对")
    raised.refresh_from_db()
    assert raised.status == RectificationStatus.OPEN and raised.reopen_reason == "标牌尺寸不对"
    told = Notification.objects.filter(recipient=cast.leader, kind="rectification").order_by("-id").first()
    assert told.body == "标牌尺寸不对"
    assert AuditEntry.objects.get(action="rectification_reopen").reason == "标牌尺寸不对"
    services.rectification_report(rectification=raised, by=cast.leader, note="已按尺寸更换", files=[photo()])
    raised.refresh_from_db()
    assert raised.status == RectificationStatus.SUBMITTED and raised.closing_note == "已按尺寸更换"


def test_report_needs_a_note_and_valid_files(raised, cast):
    with pytest.raises(ValidationError):
        services.rectification_report(rectification=raised, by=cast.leader, note=" ", files=[])
    fake = SimpleUploadedFile("证明.pdf", b"not a pdf at all", content_type="application/pdf")
    with pytest.raises(ValidationError):
        services.rectification_report(rectification=raised, by=cast.leader, note="好了", files=[fake])
    raised.refresh_from_db()
    assert raised.status == RectificationStatus.OPEN and not Attachment.objects.exists()
    services.rectification_report(
        rectification=raised, by=cast.leader, note="好了", files=[SimpleUploadedFile("证明.pdf", pdf_bytes())]
    )


def test_only_a_reported_item_is_accepted_or_reopened(raised, cast):
    with pytest.raises(ValidationError):
        services.rectification_accept(rectification=raised, by=cast.instructor)
    with pytest.raises(ValidationError):
        services.rectification_reopen(rectification=raised, by=cast.instructor, reason="x")


@pytest.mark.parametrize("role", ["instructor", "scorer", "outsider", "nobody", "viewer"])
def test_who_may_not_report(raised, cast, role):
    with pytest.raises(PermissionDenied):
        services.rectification_report(rectification=raised, by=getattr(cast, role), note="好了", files=[])


@pytest.mark.parametrize("role", ["leader", "district", "scorer", "outsider", "viewer"])
def test_who_may_not_decide(raised, cast, role):
    services.rectification_report(rectification=raised, by=cast.leader, note="好了", files=[])
    with pytest.raises(PermissionDenied):
        services.rectification_accept(rectification=raised, by=getattr(cast, role))


def test_a_finalized_rounds_item_appears_and_staff_accept_it(client, world, cast):
    round_ = RoundFactory()
    [from_round] = services.rectifications_create(
        site=world.site_a,
        by=cast.staff,
        items=[{"title": "SY-01 阵地建设"}],
        origin=round_,
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    assert from_round.visit is None
    client.force_login(cast.leader)
    assert from_round in client.get(reverse("supervision:rectifications")).context["page_obj"].object_list
    response = client.post(from_round.get_absolute_url(), {"note": "已整改"})
    assert response.status_code == 302
    client.force_login(cast.instructor)  # sees it, but the round's items are staff's to decide
    assert client.get(from_round.get_absolute_url()).status_code == 200
    assert client.post(reverse("supervision:rectification_accept", args=[from_round.pk])).status_code == 403
    client.force_login(cast.staff)
    assert client.get(from_round.get_absolute_url()).context["may_decide"]
    client.post(reverse("supervision:rectification_accept", args=[from_round.pk]))
    from_round.refresh_from_db()
    assert from_round.status == RectificationStatus.CLOSED and from_round.closed_by == cast.staff


def test_rectification_close_still_closes_open_or_reported_items(raised, cast):
    services.rectification_close(rectification=raised, by=cast.staff, note="现场核实已整改")
    raised.refresh_from_db()
    assert raised.status == RectificationStatus.CLOSED


def test_overdue_items_are_marked_red_and_filtered(client, world, cast):
    past = timezone.localdate() - datetime.timedelta(days=30)
    visit = record(
        world.site_a, cast.instructor, visited_on=past, items=[item("逾期事项", days=-5), item("未到期", days=60)]
    )
    late, not_yet = visit.rectifications.order_by("id")
    client.force_login(cast.instructor)
    response = client.get(reverse("supervision:rectifications"))
    rows = {each.pk: each for each in response.context["page_obj"].object_list}
    assert rows[late.pk].overdue and not rows[not_yet.pk].overdue
    assert response.context["counts"]["overdue"] == 1
    assert 'class="table-danger"' in response.content.decode()
    overdue = client.get(reverse("supervision:rectifications"), {"state": "overdue"}).context["page_obj"].object_list
    assert [each.pk for each in overdue] == [late.pk]
    # reported but not yet accepted is still overdue; accepted is not
    services.rectification_report(rectification=late, by=cast.leader, note="好了", files=[])
    assert client.get(late.get_absolute_url()).context["rectification"].overdue
    services.rectification_accept(rectification=late, by=cast.instructor)
    assert not client.get(late.get_absolute_url()).context["rectification"].overdue


STATUS = {
    "admin": 200,
    "staff": 200,
    "district": 200,
    "instructor": 200,
    "leader": 200,
    "viewer": 200,
    "scorer": 403,
    "teamlead": 403,
    "outsider": 404,
    "nobody": 403,
}


@pytest.mark.parametrize("role", list(STATUS))
def test_rectification_pages_per_role(client, raised, cast, role):
    services.rectification_report(rectification=raised, by=cast.leader, note="好了", files=[photo()])
    client.force_login(cast.by_role()[role])
    listing = client.get(reverse("supervision:rectifications"))
    assert listing.status_code == (403 if STATUS[role] == 403 else 200)
    assert client.get(raised.get_absolute_url()).status_code == STATUS[role]
    evidence = Attachment.objects.get(owner_id=raised.pk, uploaded_by=cast.leader)
    assert client.get(reverse("supervision:attachment", args=[evidence.pk])).status_code == (
        200 if STATUS[role] == 200 else 403
    )
    may_decide = role in ("admin", "staff", "instructor")
    response = client.post(reverse("supervision:rectification_reopen", args=[raised.pk]), {"reason": "不够"})
    assert response.status_code == (302 if may_decide else (STATUS[role] if STATUS[role] != 200 else 403))
    raised.refresh_from_db()
    assert (raised.status == RectificationStatus.OPEN) == may_decide


def test_a_leader_reports_only_their_own_sites_items(client, world, cast):
    theirs = record(world.site_b, world.instructor_b, items=[item()]).rectifications.get()
    mine = record(world.site_a, cast.instructor, items=[item()]).rectifications.get()
    client.force_login(cast.leader)
    assert client.post(theirs.get_absolute_url(), {"note": "好了"}).status_code == 404
    assert client.get(mine.get_absolute_url()).context["report_form"] is not None
    assert client.post(mine.get_absolute_url(), {"note": "好了", "files": [photo()]}).status_code == 302
    mine.refresh_from_db()
    assert mine.status == RectificationStatus.SUBMITTED
    client.force_login(cast.instructor)  # the recorder may not report for the site
    assert client.post(mine.get_absolute_url(), {"note": "x"}).status_code == 403


@pytest.mark.parametrize("role", ["staff", "instructor", "leader"])
def test_rectification_pages_query_counts_do_not_grow(client, world, cast, role):
    client.force_login(getattr(cast, role))
    first = record(world.site_a, cast.instructor, items=[item()]).rectifications.get()
    services.rectification_report(rectification=first, by=cast.leader, note="好了", files=[photo()])
    one_list = _count(client, reverse("supervision:rectifications"))
    one_detail = _count(client, first.get_absolute_url())
    past = timezone.localdate() - datetime.timedelta(days=30)
    visit = record(
        world.site_a, cast.instructor, visited_on=past, items=[item(f"事项{n}", days=n - 5) for n in range(19)]
    )
    last = visit.rectifications.order_by("id").last()
    services.rectification_report(rectification=last, by=cast.leader, note="好了", files=[photo(), photo()])
    assert Rectification.objects.count() == 20
    assert _count(client, reverse("supervision:rectifications")) == one_list
    assert _count(client, last.get_absolute_url()) == one_detail
