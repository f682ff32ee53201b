"""Writes of supervision: every one audited (core.services.audit_record)."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services import audit_record, notify

from .choices import RectificationStatus
from .districts import district_id_of
from .models import GuidanceVisit, Rectification
from .owing import owing_refresh


@transaction.atomic
def rectifications_create(*, site, by, items: list[dict], origin=None, due_on: datetime.date | None = None) -> list:
    """Create a site's rectification items; each of `items` is {"title", "detail"?, "item"?, "due_on"?,
    "responsible"?}. `origin` is what raised them (a round, a visit); a visit's items also point at it (`visit`)."""
    origin_type = ContentType.objects.get_for_model(origin) if origin is not None else None
    if isinstance(origin, GuidanceVisit):
        origin_label = _("%(date)s 指导") % {"date": f"{origin.visited_on:%Y-%m-%d}"}
    else:
        origin_label = str(origin)[:200] if origin is not None else ""
    created = []
    for each in items:
        rectification = Rectification(
            site=site,
            district_id=district_id_of(site.region),
            title=each["title"][:200],
            detail=each.get("detail", ""),
            item=each.get("item"),
            due_on=each.get("due_on", due_on),
            origin_type=origin_type,
            origin_id=origin.pk if origin is not None else None,
            origin_label=origin_label,
            created_by=by,
            visit=origin if isinstance(origin, GuidanceVisit) else None,
            responsible=(each.get("responsible") or "")[:50],
        )
        rectification.full_clean()
        created.append(rectification)
    Rectification.objects.bulk_create(created)
    owing_refresh(site_ids=[site.pk])
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
    """Close an item in one step with a note (staff acting for the site, e.g. an item put right before it was
    reported); the site's own path is rectification_report then rectification_accept."""
    rectification = Rectification.objects.select_for_update().get(pk=rectification.pk)
    if rectification.status not in (RectificationStatus.OPEN, RectificationStatus.SUBMITTED):
        raise ValidationError(_("该整改事项已不在整改中"))
    if not note.strip():
        raise ValidationError(_("请填写整改情况"))
    rectification.status, rectification.closing_note = RectificationStatus.CLOSED, note.strip()
    rectification.closed_at, rectification.closed_by = timezone.now(), by
    rectification.save()
    owing_refresh(site_ids=[rectification.site_id])
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
    cancelled, sites = 0, set()
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
        sites.add(rectification.site_id)
    if sites:
        owing_refresh(site_ids=sites)
    return cancelled


# --- the site reports an item done, the recorder (or staff) accepts or reopens it ---------------------------


def _locked(rectification: Rectification) -> Rectification:
    return (
        Rectification.objects.select_for_update(of=("self",)).select_related("site", "visit").get(pk=rectification.pk)
    )


def _deciders(rectification: Rectification) -> list:
    """Who is told that an item awaits a decision: its recorder, or (none left) the city staff."""
    from .selectors import staff_people

    recorder = rectification.created_by
    if recorder is not None and recorder.is_active:
        return [recorder]
    return list(staff_people())


def _tell_site(rectification: Rectification, *, by, title: str, body: str = "") -> None:
    from .selectors import site_people

    for person in site_people([rectification.site_id]).get(rectification.site_id, []):
        notify(
            recipient=person,
            title=title,
            body=body,
            url=rectification.get_absolute_url(),
            actor=by,
            kind="rectification",
        )


@transaction.atomic
def rectification_report(*, rectification: Rectification, by, note: str, files=()) -> Rectification:
    """The site reports an item put right, with a note and evidence (validated by content); it then waits for
    the recorder's (or staff's) decision."""
    from .attachments import attach, check_uploads
    from .permissions import may_report_rectification

    rectification = _locked(rectification)
    if not may_report_rectification(by, rectification.site):
        raise PermissionDenied
    if rectification.status != RectificationStatus.OPEN:
        raise ValidationError(_("该整改事项不在整改中，不能报告整改完成"))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("请填写整改情况")})
    checked = check_uploads(files, field="files")
    rectification.status = RectificationStatus.SUBMITTED
    rectification.closing_note = note
    rectification.reported_at, rectification.reported_by = timezone.now(), by
    rectification.full_clean()
    rectification.save()
    attach(owner=rectification, checked=checked, by=by)
    audit_record(
        actor=by,
        action="rectification_report",
        target=rectification.site,
        changes={
            "rectification": [RectificationStatus.OPEN, RectificationStatus.SUBMITTED],
            "files": [0, len(checked)],
        },
    )
    for person in _deciders(rectification):
        notify(
            recipient=person,
            title=_("%(site)s 报告整改完成：%(title)s")
            % {"site": rectification.site.name, "title": rectification.title},
            body=note[:500],
            url=rectification.get_absolute_url(),
            actor=by,
            kind="rectification",
        )
    return rectification


@transaction.atomic
def rectification_accept(*, rectification: Rectification, by) -> Rectification:
    """The recorder (or staff) accepts the reported rectification: the item is closed."""
    from .permissions import may_decide_rectification

    rectification = _locked(rectification)
    if not may_decide_rectification(by, rectification):
        raise PermissionDenied
    if rectification.status != RectificationStatus.SUBMITTED:
        raise ValidationError(_("只有待确认的整改事项可以确认完成"))
    rectification.status = RectificationStatus.CLOSED
    rectification.closed_at, rectification.closed_by = timezone.now(), by
    rectification.full_clean()
    rectification.save()
    owing_refresh(site_ids=[rectification.site_id])
    audit_record(
        actor=by,
        action="rectification_accept",
        target=rectification.site,
        changes={"rectification": [RectificationStatus.SUBMITTED, RectificationStatus.CLOSED]},
    )
    _tell_site(rectification, by=by, title=_("整改事项已确认完成：%(title)s") % {"title": rectification.title})
    return rectification


@transaction.atomic
def rectification_reopen(*, rectification: Rectification, by, reason: str) -> Rectification:
    """The recorder (or staff) finds the reported rectification insufficient: back to the site, with why."""
    from .permissions import may_decide_rectification

    rectification = _locked(rectification)
    if not may_decide_rectification(by, rectification):
        raise PermissionDenied
    if rectification.status != RectificationStatus.SUBMITTED:
        raise ValidationError(_("只有待确认的整改事项可以退回重新整改"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写退回重新整改的原因")})
    rectification.status = RectificationStatus.OPEN
    rectification.reopen_reason = reason
    rectification.full_clean()
    rectification.save()
    audit_record(
        actor=by,
        action="rectification_reopen",
        target=rectification.site,
        changes={"rectification": [RectificationStatus.SUBMITTED, RectificationStatus.OPEN]},
        reason=reason,
    )
    _tell_site(
        rectification,
        by=by,
        title=_("整改事项需重新整改：%(title)s") % {"title": rectification.title},
        body=reason[:500],
    )
    return rectification
