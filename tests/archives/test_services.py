"""Archives services: uploads judged per file, images cleaned, versions, review, trash and purge."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from PIL import Image

from archives import services
from archives.choices import ReviewState
from archives.models import Material, MaterialVersion
from archives.selectors import completeness
from core.models import AuditEntry, Notification
from tests.archives import samples
from tests.archives.conftest import upload


def test_a_batch_keeps_good_files_and_reports_bad_ones(site, cast):
    result = services.material_upload(
        site=site,
        by=cast.leader,
        category="creation_plan",
        year=2026,
        files=[
            upload("创建方案.pdf", samples.pdf_bytes()),
            upload("木马.pdf", samples.executable_bytes()),
            upload("活动照片.jpg", samples.image_bytes()),
        ],
    )
    assert [m.title for m in result.materials] == ["创建方案", "活动照片"]
    assert result.rejected == [("木马.pdf", result.rejected[0][1])] and "不支持的文件类型" in result.rejected[0][1]
    version = MaterialVersion.objects.get(material__title="创建方案")
    assert version.original_name == "创建方案.pdf" and version.kind == "pdf" and len(version.sha256) == 64
    assert "创建方案" not in version.file.name  # stored under a random name
    assert AuditEntry.objects.filter(action="material_upload", actor=cast.leader).count() == 2


def test_photos_lose_gps_and_get_upright_and_a_thumbnail(site, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the job is enqueued once the upload commits
        result = services.material_upload(
            site=site,
            by=cast.leader,
            category="activity_photos",
            year=2026,
            files=[upload("现场.jpg", samples.jpeg_with_gps())],
        )
    version = result.materials[0].versions.get()  # processed by the (eager) background job
    assert version.processed and version.thumbnail
    with version.file.open("rb") as handle, Image.open(BytesIO(handle.read())) as image:
        assert image.size == (30, 40)  # orientation 6 applied: 40×30 becomes upright 30×40
        exif = image.getexif()
        assert 0x8825 not in exif and not exif.get_ifd(0x8825) and 0x010F not in exif


def test_replacing_keeps_the_old_version_and_restoring_makes_it_current(site, cast):
    material = services.material_upload(
        site=site, by=cast.leader, category="creation_plan", year=2026, files=[upload("方案.pdf", samples.pdf_bytes())]
    ).materials[0]
    services.material_review(material=material, by=cast.staff, accept=True)
    services.material_replace(material=material, upload=upload("方案v2.docx", samples.office_bytes()), by=cast.leader)
    material.refresh_from_db()
    assert material.state == ReviewState.SUBMITTED  # a new file is reviewed again
    assert list(material.versions.values_list("number", "original_name")) == [(2, "方案v2.docx"), (1, "方案.pdf")]
    first = material.versions.get(number=1)
    restored = services.version_restore(version=first, by=cast.leader)
    assert restored.number == 3 and restored.original_name == "方案.pdf" and restored.restored_from == first
    with restored.file.open("rb") as handle:
        assert handle.read() == samples.pdf_bytes()
    assert material.versions.count() == 3


def test_a_refused_replacement_changes_nothing(site, cast):
    material = services.material_upload(
        site=site, by=cast.leader, category="other", year=2026, files=[upload("a.pdf", samples.pdf_bytes())]
    ).materials[0]
    with pytest.raises(services.UploadRejected):
        services.material_replace(material=material, upload=upload("b.jpg", samples.html_bytes()), by=cast.leader)
    assert material.versions.count() == 1


def test_return_needs_a_reason_and_notifies_the_uploader(site, cast):
    material = services.material_upload(
        site=site, by=cast.leader, category="other", year=2026, files=[upload("a.pdf", samples.pdf_bytes())]
    ).materials[0]
    with pytest.raises(ValidationError, match="必须填写原因"):
        services.material_review(material=material, by=cast.staff, accept=False, reason="")
    services.material_review(material=material, by=cast.staff, accept=False, reason="缺少盖章页")
    material.refresh_from_db()
    assert material.state == ReviewState.RETURNED and material.review_reason == "缺少盖章页"
    note = Notification.objects.get(recipient=cast.leader)
    assert "a" in note.title and note.body == "缺少盖章页"


def test_soft_delete_restore_and_purge_after_retention_only(site, cast, django_capture_on_commit_callbacks):
    material = services.material_upload(
        site=site, by=cast.leader, category="other", year=2026, files=[upload("a.pdf", samples.pdf_bytes())]
    ).materials[0]
    path = material.versions.get().file.path
    services.material_delete(material=material, by=cast.leader)
    assert Material.objects.get(pk=material.pk).deleted_at is not None
    services.material_restore(material=material, by=cast.staff)
    assert Material.objects.get(pk=material.pk).deleted_at is None
    services.material_delete(material=material, by=cast.leader)
    assert services.purge_trash(now=timezone.now() + timedelta(days=89)) == 0
    assert Material.objects.filter(pk=material.pk).exists()
    import os

    assert os.path.exists(path)
    with django_capture_on_commit_callbacks(execute=True):  # files go once the deletion is committed
        assert services.purge_trash(now=timezone.now() + timedelta(days=91)) == 1
    assert not Material.objects.filter(pk=material.pk).exists() and not os.path.exists(path)


def test_completeness_counts_accepted_submitted_and_missing(site, cast, standard):
    items = {item.code: item for item in standard.items.all()}
    accepted = services.material_upload(
        site=site,
        by=cast.leader,
        category="other",
        year=2026,
        files=[upload("a.pdf", samples.pdf_bytes())],
        items=[items["SY-01"], items["SY-02"]],
    ).materials[0]
    services.material_review(material=accepted, by=cast.staff, accept=True)
    services.material_upload(
        site=site,
        by=cast.leader,
        category="other",
        year=2026,
        files=[upload("b.pdf", samples.pdf_bytes())],
        items=[items["SY-03"]],
    )
    deleted = services.material_upload(
        site=site,
        by=cast.leader,
        category="other",
        year=2026,
        files=[upload("c.pdf", samples.pdf_bytes())],
        items=[items["SY-04"]],
    ).materials[0]
    services.material_review(material=deleted, by=cast.staff, accept=True)
    services.material_delete(material=deleted, by=cast.leader)  # trash does not count
    result = completeness(site, standard)
    applicable = len(result.rows)
    assert applicable == 24 + 3  # universal and veto items, plus the rural items
    assert (result.accepted, result.submitted, result.missing) == (2, 1, applicable - 3)
    assert result.percent == 200 // applicable  # rounded down: 100 % means every item


def test_an_unreachable_queue_does_not_fail_the_upload_and_the_sweeper_catches_up(
    site, cast, django_capture_on_commit_callbacks, monkeypatch
):
    from archives import tasks
    from archives.models import MaterialVersion

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.process_image, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.material_upload(
            site=site,
            by=cast.leader,
            category="activity_photos",
            year=2026,
            files=[upload("现场.jpg", samples.jpeg_with_gps())],
        )
    version = result.materials[0].versions.get()
    assert not version.processed
    MaterialVersion.objects.filter(pk=version.pk).update(uploaded_at=timezone.now() - timedelta(minutes=10))
    assert tasks.process_pending_images() == 1
    version.refresh_from_db()
    assert version.processed and version.thumbnail


def test_acceptance_and_return_notify_the_uploader_naming_the_site_and_linking_to_the_material(site, cast):
    material = services.material_upload(
        site=site, by=cast.leader, category="other", year=2026, files=[upload("方案.pdf", samples.pdf_bytes())]
    ).materials[0]
    services.material_review(material=material, by=cast.instructor, accept=True)
    accepted = Notification.objects.get(recipient=cast.leader)
    assert accepted.title == "甲村示范点的材料“方案”已通过"
    assert accepted.url == f"/archives/sites/{site.pk}/#material-{material.pk}"
    services.material_review(material=material, by=cast.staff, accept=False, reason="缺少盖章页")
    returned = Notification.objects.filter(recipient=cast.leader).first()  # newest first
    assert returned.title == "甲村示范点的材料“方案”被退回" and returned.body == "缺少盖章页"
    assert returned.url == accepted.url


def test_a_reviewer_is_not_notified_of_their_own_upload(site, cast):
    material = services.material_upload(
        site=site, by=cast.staff, category="other", year=2026, files=[upload("方案.pdf", samples.pdf_bytes())]
    ).materials[0]
    services.material_review(material=material, by=cast.staff, accept=False, reason="自己退回")
    services.material_review(material=material, by=cast.staff, accept=True)
    assert not Notification.objects.exists()


def test_a_share_is_rounded_down_so_that_100_percent_means_complete():
    from archives.selectors import share_percent

    assert share_percent(199, 200) == 99
    assert share_percent(200, 200) == 100
    assert share_percent(0, 0) == 0


def test_the_sweeper_takes_new_photos_first_and_gives_up_on_old_failures(
    site, cast, django_capture_on_commit_callbacks
):
    from archives import images
    from archives.models import MaterialVersion

    def photo(name):
        return (
            services.material_upload(
                site=site,
                by=cast.leader,
                category="activity_photos",
                year=2026,
                files=[upload(name, samples.image_bytes())],
            )
            .materials[0]
            .versions.get()
        )

    recent, old, stale = photo("a.jpg"), photo("b.jpg"), photo("c.jpg")  # not processed: jobs not run
    now = timezone.now()
    for version, age in ((recent, timedelta(minutes=10)), (old, timedelta(days=2)), (stale, timedelta(days=30))):
        MaterialVersion.objects.filter(pk=version.pk).update(uploaded_at=now - age)
    assert list(images.pending_versions().values_list("pk", flat=True)) == [recent.pk, old.pk]
