"""Writes of supervision: every one audited (core.services.audit_record)."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services import audit_record

from .choices import RectificationStatus
from .models import Rectification


@transaction.atomic
def rectifications_create(*, site, by, items: list[dict], origin=None, due_on: datetime.date | None = None) -> list:
    """Create a site's rectification items; each of `items` is {"title", "detail"?, "item"?}. `origin` is what
    raised them (a round, a visit)."""
    origin_type = ContentType.objects.get_for_model(origin) if origin is not None else None
    created = []
    for each in items:
        rectification = Rectification(
            site=site,
            title=each["title"][:200],
            detail=each.get("detail", ""),
            item=each.get("item"),
            due_on=each.get("due_on", due_on),
            origin_type=origin_type,
            origin_id=origin.pk if origin is not None else None,
            origin_label=str(origin)[:200] if origin is not None else "",
            created_by=by,
        )
        rectification.full_clean()
        created.append(rectification)
    Rectification.objects.bulk_create(created)
    for rectification in created:
        audit_record(
            actor=by,
            action="rectification_create",
            target=rectification.site,
            changes={"rectification": [None, rectification.title]},
        )
    return created


@transaction.atomic
def rectification_close(*, rectification: Rectification, by, note: str) -> Rectification:
    rectification = Rectification.objects.select_for_update().get(pk=rectification.pk)
    if not rectification.is_open:
        raise ValidationError(_("该整改事项已不在整改中"))
    if not note.strip():
        raise ValidationError(_("请填写整改情况"))
    rectification.status, rectification.closing_note = RectificationStatus.CLOSED, note.strip()
    rectification.closed_at, rectification.closed_by = timezone.now(), by
    rectification.save()
    audit_record(
        actor=by,
        action="rectification_close",
        target=rectification.site,
        changes={"rectification": [rectification.title, RectificationStatus.CLOSED]},
    )
    return rectification


@transaction.atomic
def rectifications_cancel(*, ids, by, reason: str) -> int:
    """Cancel rectification items (e.g. when the round that raised them is undone); kept on record."""
    cancelled = 0
    for rectification in Rectification.objects.select_for_update().filter(pk__in=list(ids)).select_related("site"):
        if rectification.status == RectificationStatus.CANCELLED:
            continue
        old = rectification.status
        rectification.status, rectification.closing_note = RectificationStatus.CANCELLED, reason
        rectification.save(update_fields=["status", "closing_note", "updated_at"])
        audit_record(
            actor=by,
            action="rectification_cancel",
            target=rectification.site,
            changes={"rectification": [old, RectificationStatus.CANCELLED]},
            reason=reason,
        )
        cancelled += 1
    return cancelled
