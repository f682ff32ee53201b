"""Image processing for uploaded photos: orientation applied, metadata (EXIF GPS included) stripped by
re-encoding, and a thumbnail. Runs in a background job after the upload is committed."""

import hashlib
from io import BytesIO

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageOps

from .models import MaterialVersion

THUMBNAIL_SIZE = (480, 480)
FORMATS = {"jpeg": ("JPEG", {"quality": 90}), "png": ("PNG", {}), "webp": ("WEBP", {"quality": 90})}


def clean_image(data: bytes, kind: str) -> bytes:
    """The same picture, upright, with no metadata at all."""
    with Image.open(BytesIO(data)) as image:
        upright = ImageOps.exif_transpose(image)
        fmt, options = FORMATS[kind]
        if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        clean = Image.new(upright.mode, upright.size)
        clean.paste(upright)  # a fresh image carries no info/exif from the original
        buffer = BytesIO()
        clean.save(buffer, format=fmt, **options)
        return buffer.getvalue()


def thumbnail(data: bytes) -> bytes:
    with Image.open(BytesIO(data)) as image:
        small = image.convert("RGB")
        small.thumbnail(THUMBNAIL_SIZE)
        buffer = BytesIO()
        small.save(buffer, format="JPEG", quality=80)
        return buffer.getvalue()


def pending_versions():
    """Uploaded photos not processed yet, older than a few minutes (their job should have run by then)."""
    from datetime import timedelta

    from django.utils import timezone

    cutoff = timezone.now() - timedelta(minutes=5)
    return MaterialVersion.objects.filter(processed=False, kind__in=list(FORMATS), uploaded_at__lt=cutoff)


def process_version(version_id: int) -> None:
    with transaction.atomic():
        version = MaterialVersion.objects.select_for_update().select_related("material").get(pk=version_id)
        if version.processed or version.kind not in FORMATS:
            return
        with version.file.open("rb") as handle:
            original = handle.read()
        cleaned = clean_image(original, version.kind)
        old_name = version.file.name
        version.file.save(old_name.rsplit("/", 1)[-1], ContentFile(cleaned), save=False)
        version.thumbnail.save("thumb.jpg", ContentFile(thumbnail(cleaned)), save=False)
        version.size, version.processed = len(cleaned), True
        version.sha256 = hashlib.sha256(cleaned).hexdigest()
        version.save(update_fields=["file", "thumbnail", "size", "sha256", "processed"])
        transaction.on_commit(lambda: version.file.storage.delete(old_name))
