"""Image processing for uploaded photos: orientation applied, metadata (EXIF GPS included) stripped by
re-encoding (core.images), and a thumbnail. Runs in a background job after the upload is committed.

The decoding and encoding take seconds for a large photo, so they happen outside any database transaction: on
SQLite a transaction holds the database's only write lock, and every other upload and review would wait for it.
Only the final update of the row is a (short) transaction, and it applies only if the row still points at the file
that was read; otherwise the files just written are removed.
"""

import hashlib
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from core.images import FORMATS, clean_image_and_thumbnail

from .models import MaterialVersion

THUMBNAIL_SIZE = (480, 480)


SWEEP_DAYS = 7


def pending_versions():
    """Uploaded photos not processed yet, older than a few minutes (their job should have run by then), newest
    first. A photo that still fails after SWEEP_DAYS of retries (it cannot be decoded) is left alone, so a pile of
    broken uploads can never hold back new photos."""
    now = timezone.now()
    return MaterialVersion.objects.filter(
        processed=False,
        kind__in=list(FORMATS),
        uploaded_at__lt=now - timedelta(minutes=5),
        uploaded_at__gte=now - timedelta(days=SWEEP_DAYS),
    ).order_by("-uploaded_at")


def process_version(version_id: int) -> None:
    version = MaterialVersion.objects.select_related("material").filter(pk=version_id).first()
    if version is None or version.processed or version.kind not in FORMATS:
        return
    old_name = version.file.name
    with version.file.open("rb") as handle:
        original = handle.read()
    cleaned, small = clean_image_and_thumbnail(original, version.kind, THUMBNAIL_SIZE)
    del original
    storage = version.file.storage
    version.file.save(old_name.rsplit("/", 1)[-1], ContentFile(cleaned), save=False)
    version.thumbnail.save("thumb.jpg", ContentFile(small), save=False)
    written = [version.file.name, version.thumbnail.name]
    updated = 0
    try:
        with transaction.atomic():
            # One conditional UPDATE locks the row, checks it is still unprocessed and still points at the file
            # that was read, and updates it.
            updated = MaterialVersion.objects.filter(pk=version_id, processed=False, file=old_name).update(
                file=version.file.name,
                thumbnail=version.thumbnail.name,
                size=len(cleaned),
                sha256=hashlib.sha256(cleaned).hexdigest(),
                processed=True,
            )
            if updated:
                transaction.on_commit(lambda: storage.delete(old_name))
    finally:
        if not updated:  # processed meanwhile by another job, the version is gone, or the update failed
            for name in written:
                storage.delete(name)
