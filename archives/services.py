"""Every write to archives: uploads (validated by content), versions, review, trash and purge.

No user action loses a file: replacing adds a version, restoring a version adds a copy of it as the newest,
deleting moves the material to the site's trash, and only the purge job removes files, after retention.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services import audit_record, notify

from .choices import ReviewState
from .models import Material, MaterialVersion
from .permissions import decision_locked_for, is_staff_reviewer
from .validation import UploadRejected, validate

RETENTION_DAYS_DEFAULT = 90
# A new file is reviewed afresh, by any reviewer of the site: an earlier staff decision was about the old file.
_FRESH_REVIEW = {"state": ReviewState.SUBMITTED, "review_reason": "", "reviewed_as_staff": False}
logger = logging.getLogger(__name__)


@dataclass
class UploadResult:
    materials: list = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)


def _digest(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _add_version(material: Material, upload, name: str, by, *, restored_from=None) -> MaterialVersion:
    kind = validate(upload, size=getattr(upload, "size", None))
    number = (material.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = MaterialVersion(
        material=material,
        number=number,
        original_name=name[:255],
        kind=kind.code,
        content_type=kind.content_type,
        size=upload.size,
        sha256=_digest(upload),
        uploaded_by=by,
        restored_from=restored_from,
        processed=not kind.is_image,
    )
    version.file.save(f"{kind.code}.{kind.extension}", File(upload), save=False)
    version.save()
    if kind.is_image:
        transaction.on_commit(lambda: enqueue_image_processing(version.pk))
    return version


def enqueue_image_processing(version_id: int) -> None:
    """Queue the photo clean-up; if the queue is unreachable the upload still stands, and the sweeper
    (archives.tasks.process_pending_images, run by the scheduler) picks the photo up later."""
    from .tasks import process_image

    try:
        process_image.delay(version_id)
    except Exception:  # the broker being down must not fail an upload that is already saved
        logger.warning("could not queue image processing for version %s", version_id, exc_info=True)


def material_upload(
    *, site, files, by, category: str, year: int, title: str = "", items=(), description: str = ""
) -> UploadResult:
    """One material per file. Each file is judged on its own: refused ones are reported with the reason,
    the accepted ones of the same batch are kept."""
    result = UploadResult()
    for upload in files:
        name = getattr(upload, "name", "file")
        try:
            with transaction.atomic():
                material = Material(
                    site=site,
                    category=category,
                    year=year,
                    uploaded_by=by,
                    title=(title or name.rsplit(".", 1)[0])[:200],
                    description=description,
                )
                material.full_clean(exclude=["uploaded_by"])
                material.save()
                if items:
                    material.items.set(items)
                _add_version(material, upload, name, by)
                audit_record(actor=by, action="material_upload", target=material, changes={"file": [None, name]})
        except UploadRejected as rejection:
            result.rejected.append((name, str(rejection)))
        else:
            result.materials.append(material)
    return result


@transaction.atomic
def material_add_link(*, site, by, link: str, title: str, year: int, items=(), category: str = "video") -> Material:
    """A material that is only a link (a report video already on a video site)."""
    material = Material(site=site, category=category, year=year, uploaded_by=by, link=link, title=(title or link)[:200])
    material.full_clean(exclude=["uploaded_by"])
    material.save()
    if items:
        material.items.set(items)
    audit_record(actor=by, action="material_add_link", target=material, changes={"link": [None, link]})
    return material


@transaction.atomic
def material_replace(*, material: Material, upload, by) -> MaterialVersion:
    """A new version; the material goes back to review. Raises UploadRejected for a refused file."""
    _ensure_not_deleted(material)
    version = _add_version(material, upload, getattr(upload, "name", "file"), by)
    Material.objects.filter(pk=material.pk).update(**_FRESH_REVIEW, updated_at=timezone.now())
    audit_record(
        actor=by, action="material_replace", target=material, changes={"version": [version.number - 1, version.number]}
    )
    return version


@transaction.atomic
def version_restore(*, version: MaterialVersion, by) -> MaterialVersion:
    """Make an old version current again by adding a copy of it as the newest version."""
    material = version.material
    _ensure_not_deleted(material)
    number = (material.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    with version.file.open("rb") as handle:
        copy = MaterialVersion(
            material=material,
            number=number,
            original_name=version.original_name,
            kind=version.kind,
            content_type=version.content_type,
            size=version.size,
            sha256=version.sha256,
            uploaded_by=by,
            restored_from=version,
            processed=version.processed,
        )
        copy.file.save(version.file.name.rsplit("/", 1)[-1], ContentFile(handle.read()), save=False)
    if version.thumbnail:
        with version.thumbnail.open("rb") as handle:
            copy.thumbnail.save("thumb.jpg", ContentFile(handle.read()), save=False)
    copy.save()
    Material.objects.filter(pk=material.pk).update(**_FRESH_REVIEW, updated_at=timezone.now())
    audit_record(actor=by, action="version_restore", target=material, changes={"version": [version.number, number]})
    return copy


@transaction.atomic
def material_review(*, material: Material, by, accept: bool, reason: str = "") -> Material:
    """Accept, or return with a reason. The uploader is told either way (not when they decided themselves).

    A decision taken by staff binds the lower level: district staff and instructors may not change it (they
    review again once a new version is uploaded). Who decided, and at which level, is kept on the material
    and in the audit trail."""
    _ensure_not_deleted(material)
    if decision_locked_for(by, material):
        raise ValidationError(
            _("“%(title)s”已由组织部工作人员审核（%(state)s），区县联络员和督查指导员不能改变这一结论。")
            % {"title": material.title, "state": material.get_state_display()}
        )
    if not accept and not reason.strip():
        raise ValidationError(_("退回材料必须填写原因"))
    before, before_level = material.state, material.reviewed_as_staff
    material.state = ReviewState.ACCEPTED if accept else ReviewState.RETURNED
    material.review_reason = "" if accept else reason.strip()
    material.reviewed_by, material.reviewed_at = by, timezone.now()
    material.reviewed_as_staff = is_staff_reviewer(by)
    material.save(
        update_fields=["state", "review_reason", "reviewed_by", "reviewed_at", "reviewed_as_staff", "updated_at"]
    )
    changes = {"state": [before, material.state]}
    if before_level != material.reviewed_as_staff:
        changes["reviewed_as_staff"] = [before_level, material.reviewed_as_staff]
    audit_record(actor=by, action="material_review", target=material, changes=changes, reason=material.review_reason)
    words = {"site": material.site.name, "title": material.title}
    notify(
        recipient=material.uploaded_by,
        actor=by,
        title=(_("%(site)s的材料“%(title)s”已通过") if accept else _("%(site)s的材料“%(title)s”被退回")) % words,
        body=material.review_reason,
        url=material.get_absolute_url(),
    )
    return material


@transaction.atomic
def materials_accept(*, materials, by) -> tuple[list[Material], list[tuple[Material, str]]]:
    """Accept several materials at once (the review inbox's bulk action): each is one decision of its own,
    in the audit trail and notified like material_review; those that may not be accepted are reported."""
    accepted, refused = [], []
    for material in materials:
        try:
            with transaction.atomic():
                material_review(material=material, by=by, accept=True)
        except ValidationError as error:
            refused.append((material, error.messages[0]))
        else:
            accepted.append(material)
    return accepted, refused


@transaction.atomic
def material_delete(*, material: Material, by) -> Material:
    """Into the site's trash; restorable until the purge job's retention period has passed."""
    _ensure_not_deleted(material)
    material.deleted_at, material.deleted_by = timezone.now(), by
    material.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    audit_record(actor=by, action="material_delete", target=material)
    return material


@transaction.atomic
def material_restore(*, material: Material, by) -> Material:
    if material.deleted_at is None:
        return material
    material.deleted_at, material.deleted_by = None, None
    material.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    audit_record(actor=by, action="material_restore", target=material)
    return material


def material_set_public(*, material: Material, by, public: bool) -> Material:
    material.is_public = public
    material.save(update_fields=["is_public", "updated_at"])
    audit_record(actor=by, action="material_set_public", target=material, changes={"is_public": [not public, public]})
    return material


def retention_days() -> int:
    return getattr(settings, "ARCHIVE_TRASH_RETENTION_DAYS", RETENTION_DAYS_DEFAULT)


def purge_trash(*, now=None) -> int:
    """Remove materials (and their files) that have been in the trash longer than the retention period."""
    cutoff = (now or timezone.now()) - timedelta(days=retention_days())
    purged = 0
    for material in Material.objects.filter(deleted_at__lt=cutoff).prefetch_related("versions"):
        with transaction.atomic():
            files = [f for version in material.versions.all() for f in (version.file, version.thumbnail) if f]
            audit_record(
                actor=None,
                action="material_purge",
                target=material,
                changes={"versions": [len(material.versions.all()), 0]},
            )
            material.delete()
            transaction.on_commit(lambda files=files: [f.storage.delete(f.name) for f in files])
        purged += 1
    return purged


def _ensure_not_deleted(material: Material) -> None:
    if material.deleted_at is not None:
        raise ValidationError(_("材料在回收站中，请先恢复"))


@transaction.atomic
def ledger_request(*, by, site=None, region=None):
    """Start a ledger, or return the one already being built for the same scope (a second click does not
    start a second job)."""
    from .models import Ledger
    from .tasks import build_ledger

    running = (
        Ledger.objects.select_for_update()
        .filter(site=site, region=region, status__in=[Ledger.Status.QUEUED, Ledger.Status.RUNNING])
        .first()
    )
    if running is not None:
        return running
    ledger = Ledger.objects.create(site=site, region=region, requested_by=by)
    audit_record(actor=by, action="ledger_request", target=ledger)
    transaction.on_commit(lambda: build_ledger.delay(ledger.pk))
    return ledger
