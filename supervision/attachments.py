"""Files on supervision records (Attachment): validated by content like every upload (archives.validation),
stored under random names, served only after the owner's permission check (views.common.attachment)."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from archives.validation import KINDS, UploadRejected, download_name, validate
from core.files import private_file_response

from .models import Attachment

MAX_FILES = 10


def check_uploads(files, *, field: str = "files", limit: int = MAX_FILES) -> list:
    """Validate every upload before anything is saved; returns [(upload, kind)] or raises one ValidationError
    naming each refused file (so nothing is half-saved and the user sees every problem at once)."""
    files = [upload for upload in files or () if upload]
    if len(files) > limit:
        raise ValidationError({field: _("最多上传 %(n)s 个附件") % {"n": limit}})
    checked, refusals = [], []
    for upload in files:
        try:
            checked.append((upload, validate(upload)))
        except UploadRejected as error:
            refusals.append(f"{getattr(upload, 'name', '')}：{error}")
    if refusals:
        raise ValidationError({field: refusals})
    return checked


def attach(*, owner, checked, by) -> list[Attachment]:
    """Store checked uploads (check_uploads) on `owner`. Call inside the service's transaction."""
    owner_type = ContentType.objects.get_for_model(owner)
    saved = []
    for upload, kind in checked:
        attachment = Attachment(
            owner_type=owner_type,
            owner_id=owner.pk,
            original_name=(getattr(upload, "name", "") or "file")[:255],
            kind=kind.code,
            size=getattr(upload, "size", 0) or 0,
            uploaded_by=by,
        )
        upload.seek(0)
        attachment.file.save(f"attachment.{kind.extension}", upload, save=False)
        attachment.save()
        saved.append(attachment)
    return saved


def attachments_of(owner):
    return Attachment.objects.filter(owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk)


def attachments_by_owner(model, ids) -> dict[int, list[Attachment]]:
    """Attachments of many owners of one model in one query: {owner id: [attachments]} (for list pages)."""
    grouped: dict[int, list[Attachment]] = {}
    owner_type = ContentType.objects.get_for_model(model)
    for attachment in Attachment.objects.filter(owner_type=owner_type, owner_id__in=list(ids)):
        grouped.setdefault(attachment.owner_id, []).append(attachment)
    return grouped


def attachment_response(attachment: Attachment):
    """The file itself (the caller has checked permission): inline for images and PDF, else as a download."""
    kind = KINDS.get(attachment.kind)
    return private_file_response(
        attachment.file,
        filename=download_name(attachment.original_name, attachment.kind),
        as_attachment=not (kind and kind.inline),
        content_type=kind.content_type if kind else "application/octet-stream",
        fallback=f"attachment-{attachment.pk}",
    )
