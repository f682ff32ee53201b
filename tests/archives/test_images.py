"""Photo processing: refused bombs, a memory-bounded decode, and no database transaction while re-encoding."""

from io import BytesIO
from pathlib import Path

import pytest
from django.db import connection
from PIL import Image

from archives import images, services
from archives.models import MaterialVersion
from tests.archives import samples
from tests.archives.conftest import upload


def _photo(site, cast, content=None):
    result = services.material_upload(
        site=site,
        by=cast.leader,
        category="activity_photos",
        year=2026,
        files=[upload("现场.jpg", content or samples.jpeg_with_gps())],
    )
    return result.materials[0].versions.get()


def test_an_80_megapixel_png_is_refused_at_upload_with_a_reason(site, cast):
    result = services.material_upload(
        site=site,
        by=cast.leader,
        category="activity_photos",
        year=2026,
        files=[upload("海报.png", samples.png_claiming(10_000, 8_000))],
    )
    assert not result.materials
    [(name, reason)] = result.rejected
    assert name == "海报.png" and "图片像素过大" in reason


def test_photos_are_re_encoded_outside_any_transaction(transactional_db, site, cast, monkeypatch):
    version = _photo(site, cast)  # committed: the (eager) job has run after the upload's transaction
    version.refresh_from_db()
    assert version.processed
    MaterialVersion.objects.filter(pk=version.pk).update(processed=False)
    seen = []
    original = images.clean_image_and_thumbnail

    def spy(*args, **kwargs):
        seen.append(connection.in_atomic_block)
        return original(*args, **kwargs)

    monkeypatch.setattr(images, "clean_image_and_thumbnail", spy)
    images.process_version(version.pk)
    assert seen == [False]
    version.refresh_from_db()
    assert version.processed


def test_a_version_processed_meanwhile_keeps_its_files_and_the_new_ones_are_removed(site, cast, monkeypatch, media):
    version = _photo(site, cast)  # not committed in this test: not processed yet
    original = images.clean_image_and_thumbnail

    def another_job_finishes_first(*args, **kwargs):
        MaterialVersion.objects.filter(pk=version.pk).update(processed=True)
        return original(*args, **kwargs)

    monkeypatch.setattr(images, "clean_image_and_thumbnail", another_job_finishes_first)
    before = sorted(path.name for path in media.rglob("*") if path.is_file())
    images.process_version(version.pk)
    after = sorted(path.name for path in media.rglob("*") if path.is_file())
    assert after == before
    fresh = MaterialVersion.objects.get(pk=version.pk)
    assert fresh.file.name == version.file.name and not fresh.thumbnail


def test_processing_replaces_the_file_and_removes_the_original(site, cast, media, django_capture_on_commit_callbacks):
    version = _photo(site, cast)
    old_path = version.file.path
    with django_capture_on_commit_callbacks(execute=True):
        images.process_version(version.pk)
    version.refresh_from_db()
    assert version.processed and version.file.path != old_path
    assert not Path(old_path).exists()
    with version.file.open("rb") as handle, Image.open(BytesIO(handle.read())) as image:
        assert image.size == (30, 40) and not image.getexif()
    assert version.size == version.file.size


@pytest.mark.parametrize("size", [(8000, 6000)])
def test_a_large_photo_is_kept_at_the_scale_it_was_decoded(site, cast, size, django_capture_on_commit_callbacks):
    buffer = BytesIO()
    Image.new("L", size, 100).save(buffer, format="JPEG")  # 48 MP, grey: small for the test itself
    version = _photo(site, cast, buffer.getvalue())
    with django_capture_on_commit_callbacks(execute=True):
        images.process_version(version.pk)
    version.refresh_from_db()
    with version.file.open("rb") as handle, Image.open(BytesIO(handle.read())) as image:
        assert image.size == (4000, 3000)
