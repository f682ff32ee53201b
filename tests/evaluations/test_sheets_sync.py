"""The phone's autosave: sync (JSON, CSRF, idempotent, stale/early/refused), photos, and the private files."""

import json
import uuid
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from evaluations import services
from evaluations.choices import SheetStatus
from evaluations.models import ItemScore, ScoreChange, SheetPhoto
from tests.archives import samples
from tests.evaluations.conftest import fill
from tests.evaluations.test_sheets import add_material

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def change(item, base=0, seq=1, **value):
    return {"client_id": str(uuid.uuid4()), "seq": seq, "item": item.pk, "base": base, **value}


def sync(client, sheet, *changes, **extra):
    return client.post(
        reverse("evaluations:sheet_sync", args=[sheet.pk]),
        data=json.dumps({"changes": list(changes)}),
        content_type="application/json",
        HTTP_ACCEPT="application/json",
        **extra,
    )


def outcomes(response):
    return [result["outcome"] for result in response.json()["results"]]


# --- sync -----------------------------------------------------------------------------------------------


def test_a_change_is_applied_and_the_sheet_totals_come_back(client, scoring):
    points, required = scoring.items[0], scoring.items[2]
    client.force_login(scoring.scorer)
    response = sync(
        client, scoring.sheet, change(points, score="4.5", remark="班子齐全"), change(required, present=True)
    )
    assert response.status_code == 200
    body = response.json()
    assert outcomes(response) == ["applied", "applied"]
    assert body["results"][0]["state"] == {
        "score": "4.50",
        "present": None,
        "level": "",
        "remark": "班子齐全",
        "version": 1,
    }
    assert body["sheet"] == {
        "id": scoring.sheet.pk,
        "version": 2,
        "total": "6.50",
        "scored_count": 2,
        "status": SheetStatus.IN_PROGRESS,
    }


def test_the_same_change_twice_counts_once(client, scoring):
    points = scoring.items[0]
    client.force_login(scoring.scorer)
    once = change(points, score="3")
    assert outcomes(sync(client, scoring.sheet, once)) == ["applied"]
    again = sync(client, scoring.sheet, once)
    assert outcomes(again) == ["duplicate"] and again.json()["results"][0]["state"]["score"] == "3.00"
    assert ScoreChange.objects.filter(sheet=scoring.sheet).count() == 1
    assert again.json()["sheet"]["version"] == 1


def test_a_stale_change_is_refused_with_the_servers_value_and_so_are_the_later_ones_of_its_item(client, scoring):
    points, levels = scoring.items[:2]
    fill(scoring.sheet, scoring.scorer, {"SY-01": {"score": "2"}})  # elsewhere: the item is at version 1
    client.force_login(scoring.scorer)
    response = sync(
        client,
        scoring.sheet,
        change(points, base=0, seq=1, score="4"),
        change(points, base=1, seq=2, score="4.5"),  # made on top of the stale one: must not overwrite unseen
        change(levels, base=0, seq=3, level="好"),
    )
    results = response.json()["results"]
    assert [r["outcome"] for r in results] == ["stale", "stale", "applied"]
    assert "SY-01" in results[0]["message"] and "2.00" in results[0]["message"]
    assert results[0]["state"]["score"] == "2.00" and results[0]["state"]["version"] == 1
    assert ItemScore.objects.get(sheet=scoring.sheet, item=points).score == 2


def test_an_early_change_waits_and_out_of_order_delivery_ends_in_the_right_state(client, scoring):
    points = scoring.items[0]
    client.force_login(scoring.scorer)
    first, second = change(points, base=0, seq=1, score="3"), change(points, base=1, seq=2, score="3.5")
    assert outcomes(sync(client, scoring.sheet, second)) == ["early"]
    assert not ItemScore.objects.filter(sheet=scoring.sheet, item=points).exists()
    assert outcomes(sync(client, scoring.sheet, first, second)) == ["applied", "applied"]
    assert ItemScore.objects.get(sheet=scoring.sheet, item=points).score == 3.5


def test_a_change_the_item_does_not_accept_is_refused_with_a_message(client, scoring):
    points, levels = scoring.items[:2]
    client.force_login(scoring.scorer)
    response = sync(client, scoring.sheet, change(points, score="7"), change(levels, seq=2, level="极好"), {"seq": 3})
    results = response.json()["results"]
    assert [r["outcome"] for r in results] == ["refused", "refused", "refused"]
    assert "0.5" in results[0]["message"] and "极好" in results[1]["message"]


def test_a_submitted_sheet_refuses_changes(client, scoring):
    fill(scoring.sheet, scoring.scorer)
    services.sheet_submit(sheet=scoring.sheet, by=scoring.scorer)
    client.force_login(scoring.scorer)
    response = sync(client, scoring.sheet, change(scoring.items[0], base=1, score="1"))
    assert outcomes(response) == ["refused"] and "已提交" in response.json()["results"][0]["message"]
    assert response.json()["sheet"]["status"] == SheetStatus.SUBMITTED


def test_only_the_scorer_changes_their_sheet(client, cast, scoring):
    client.force_login(cast.teamlead)
    response = sync(client, scoring.sheet, change(scoring.items[0], score="1"))
    assert outcomes(response) == ["refused"] and "自己的评分表" in response.json()["results"][0]["message"]
    client.force_login(scoring.scorer2)
    assert sync(client, scoring.sheet, change(scoring.items[0], score="1")).status_code == 404
    client.force_login(cast.outsider)
    assert sync(client, scoring.sheet, change(scoring.items[0], score="1")).status_code == 404
    assert not ItemScore.objects.filter(sheet=scoring.sheet).exists()


def test_sync_refuses_a_body_that_is_not_a_list_of_changes(client, scoring):
    client.force_login(scoring.scorer)
    address = reverse("evaluations:sheet_sync", args=[scoring.sheet.pk])
    assert client.post(address, data="not json", content_type="application/json").status_code == 400
    assert client.post(address, data='{"changes": [1, 2]}', content_type="application/json").status_code == 400
    assert client.get(address).status_code == 405


def test_an_anonymous_sync_is_told_to_log_in_again(client, scoring):
    response = sync(client, scoring.sheet, change(scoring.items[0], score="1"))
    assert response.status_code == 401 and "登录" in response.json()["error"]


def test_sync_needs_the_csrf_token_in_a_header(scoring):
    client = Client(enforce_csrf_checks=True)
    client.force_login(scoring.scorer)
    assert sync(client, scoring.sheet, change(scoring.items[0], score="1")).status_code == 403
    page = client.get(reverse("evaluations:sheet", args=[scoring.sheet.pk]))
    token = page.context["csrf_token"]
    response = sync(client, scoring.sheet, change(scoring.items[0], score="1"), HTTP_X_CSRFTOKEN=str(token))
    assert response.status_code == 200 and outcomes(response) == ["applied"]


def test_sync_takes_few_queries_whatever_the_standards_size(client, scoring):
    client.force_login(scoring.scorer)
    points, levels, required, veto = scoring.items
    with CaptureQueriesContext(connection) as one:
        sync(client, scoring.sheet, change(points, score="1"))
    with CaptureQueriesContext(connection) as four:
        sync(
            client,
            scoring.sheet,
            change(levels, seq=1, level="好"),
            change(required, seq=2, present=True),
            change(veto, seq=3, present=True),
            change(points, base=1, seq=4, score="2"),
        )
    per_change = (len(four) - len(one)) / 3
    assert per_change <= 12  # savepoint, lock, duplicate check, entry, write, log, totals — never the item list
    assert len(one) <= 25


# --- photos -----------------------------------------------------------------------------------------------


def upload_photo(client, sheet, item, content, name="现场.jpg", client_id=None, captured_at="2026-11-20T09:30+08:00"):
    return client.post(
        reverse("evaluations:sheet_photo_upload", args=[sheet.pk]),
        {
            "file": SimpleUploadedFile(name, content, content_type="image/jpeg"),
            "item": item.pk,
            "client_id": client_id or str(uuid.uuid4()),
            "captured_at": captured_at,
        },
        HTTP_ACCEPT="application/json",
    )


def test_a_photo_from_the_camera_is_kept_without_its_exif_and_with_its_capture_time(client, scoring):
    item = scoring.items[0]
    client.force_login(scoring.scorer)
    response = upload_photo(client, scoring.sheet, item, samples.jpeg_with_gps())
    assert response.status_code == 200
    photo = SheetPhoto.objects.get(pk=response.json()["photo"]["id"])
    assert photo.item == item and photo.uploaded_by == scoring.scorer
    assert photo.captured_at.isoformat() == "2026-11-20T01:30:00+00:00"
    with photo.file.open("rb") as stored:
        image = Image.open(BytesIO(stored.read()))
        assert not image.getexif()
    assert response.json()["photo"]["thumbnail"] == reverse("evaluations:photo_thumbnail", args=[photo.pk])


def test_a_photo_sent_twice_is_kept_once(client, scoring):
    client.force_login(scoring.scorer)
    client_id = str(uuid.uuid4())
    first = upload_photo(client, scoring.sheet, scoring.items[0], samples.image_bytes(), client_id=client_id)
    second = upload_photo(client, scoring.sheet, scoring.items[0], samples.image_bytes(), client_id=client_id)
    assert first.json()["photo"]["id"] == second.json()["photo"]["id"]
    assert SheetPhoto.objects.filter(sheet=scoring.sheet).count() == 1


def test_a_file_that_is_not_a_photo_is_refused_with_the_reason(client, scoring):
    client.force_login(scoring.scorer)
    response = upload_photo(client, scoring.sheet, scoring.items[0], b"just some text", name="note.jpg")
    assert response.status_code == 400 and response.json()["error"]
    pdf = upload_photo(client, scoring.sheet, scoring.items[0], samples.pdf_bytes(), name="scan.jpg")
    assert pdf.status_code == 400 and "JPEG" in pdf.json()["error"]
    assert not SheetPhoto.objects.exists()


def test_a_photo_for_an_item_of_another_standard_or_a_locked_sheet_is_refused(client, scoring):
    client.force_login(scoring.scorer)
    other = upload_photo(client, scoring.sheet, type("Item", (), {"pk": 999999})(), samples.image_bytes())
    assert other.status_code == 400 and "不在本评分表" in other.json()["error"]
    fill(scoring.sheet, scoring.scorer)
    services.sheet_submit(sheet=scoring.sheet, by=scoring.scorer)
    locked = upload_photo(client, scoring.sheet, scoring.items[0], samples.image_bytes())
    assert locked.status_code == 400 and "已提交" in locked.json()["error"]


def test_a_photo_posted_by_a_plain_form_comes_back_to_the_sheet_with_a_message(client, scoring):
    client.force_login(scoring.scorer)
    response = client.post(
        reverse("evaluations:sheet_photo_upload", args=[scoring.sheet.pk]),
        {"file": SimpleUploadedFile("a.jpg", samples.image_bytes(), "image/jpeg"), "item": scoring.items[0].pk},
        follow=True,
    )
    assert "照片已上传" in response.content.decode() and SheetPhoto.objects.count() == 1


def test_photos_are_seen_only_by_who_may_open_their_sheet(client, cast, scoring):
    client.force_login(scoring.scorer)
    photo_id = upload_photo(client, scoring.sheet, scoring.items[0], samples.image_bytes()).json()["photo"]["id"]
    for user, status in (
        (scoring.scorer, 200),
        (cast.teamlead, 200),
        (cast.staff, 200),
        (scoring.scorer2, 404),
        (cast.leader, 404),
        (cast.outsider, 404),
    ):
        client.force_login(user)
        for name in ("evaluations:photo", "evaluations:photo_thumbnail"):
            response = client.get(reverse(name, args=[photo_id]))
            assert response.status_code == status, (user.username, name)
            if status == 200:
                assert response["Content-Type"] == "image/jpeg"
    client.logout()
    assert client.get(reverse("evaluations:photo", args=[photo_id])).status_code == 404


# --- evidence ---------------------------------------------------------------------------------------------


def test_the_sites_evidence_shows_on_the_sheet_and_opens_for_whoever_may_open_it(client, cast, scoring, settings):
    item = scoring.items[0]
    material = add_material(scoring.site_a, item)
    version = material.versions.get()
    (settings.MEDIA_ROOT / "archives/test").mkdir(parents=True)
    (settings.MEDIA_ROOT / version.file.name).write_bytes(samples.pdf_bytes())
    address = reverse("evaluations:evidence_file", args=[scoring.sheet.pk, version.pk])
    client.force_login(scoring.scorer)
    page = client.get(reverse("evaluations:sheet", args=[scoring.sheet.pk])).content.decode()
    assert material.title in page and address in page
    response = client.get(address)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "inline" in response["Content-Disposition"]
    for user, status in ((cast.teamlead, 200), (scoring.scorer2, 404), (cast.outsider, 404)):
        client.force_login(user)
        assert client.get(address).status_code == status
    client.logout()
    assert client.get(address).status_code == 404


def test_evidence_of_another_site_or_in_the_trash_is_not_served(client, scoring):
    from django.utils import timezone

    other = add_material(scoring.site_b, scoring.items[0])
    client.force_login(scoring.scorer)
    address = reverse("evaluations:evidence_file", args=[scoring.sheet.pk, other.versions.get().pk])
    assert client.get(address).status_code == 404
    own = add_material(scoring.site_a, scoring.items[0], deleted_at=timezone.now())
    own_version = own.versions.get()
    assert client.get(reverse("evaluations:evidence_file", args=[scoring.sheet.pk, own_version.pk])).status_code == 404
    page = client.get(reverse("evaluations:sheet", args=[scoring.sheet.pk])).content.decode()
    assert own.title not in page


def test_a_self_assessment_is_not_changed_or_shown_through_the_score_sheet_pages(client, cast, scoring):
    own = services.self_assessment_for(scoring.entry_a, cast.leader)
    client.force_login(cast.leader)
    assert sync(client, own, change(scoring.items[0], score="1")).status_code == 404
    assert client.post(reverse("evaluations:sheet_submit", args=[own.pk])).status_code == 404
    response = client.get(reverse("evaluations:sheet", args=[own.pk]))
    assert response.status_code == 302 and response["Location"] == own.get_absolute_url()
    assert not ItemScore.objects.filter(sheet=own).exists()


def test_an_item_of_another_domain_or_standard_is_not_on_the_sheet(client, scoring):
    from tests.factories import ItemFactory, SectionFactory, StandardFactory

    school = SectionFactory(standard=scoring.standard, code="XX", title="学校领域特色", domain="school", order=5)
    elsewhere = ItemFactory(section=school, code="XX-01", max_score=2, kind="points")
    other_standard = SectionFactory(standard=StandardFactory(year=2027), code="SY", title="十有")
    foreign = ItemFactory(section=other_standard, code="SY-01", max_score=5, kind="points")
    client.force_login(scoring.scorer)
    response = sync(client, scoring.sheet, change(elsewhere, score="1"), change(foreign, seq=2, score="1"))
    results = response.json()["results"]
    assert [r["outcome"] for r in results] == ["refused", "refused"]
    assert all("不在本评分表" in r["message"] for r in results)
    page = client.get(reverse("evaluations:sheet", args=[scoring.sheet.pk])).content.decode()
    assert "XX-01" not in page
