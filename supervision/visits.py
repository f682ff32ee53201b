"""Guidance visits (指导记录): an instructor, liaison or staff member records a visit to a site — who came, what
they found, what they suggest, photos — and raises rectification items (整改事项) the site must put right by a
deadline. Every write here is atomic, validated (full_clean) and audited. The rectification workflow itself
(report, accept, reopen) lives in services.py beside the items' creation, since rounds raise items too."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import DataScope
from accounts.roles import Role
from core.services import audit_record, notify
from sites.models import Site
from sites.selectors import sites_visible_to

from .attachments import attach, check_uploads
from .models import GuidanceVisit
from .permissions import may_manage_supervision, may_record_visit
from .selectors import site_people
from .services import rectifications_create

# Photos are pictures: a PDF or a renamed document is refused here even though other attachments accept it.
PHOTO_KINDS = {"jpeg", "png", "webp", "heic"}
MAX_PHOTOS = 12
MAX_ITEMS = 20


def visit_sites_for(user) -> QuerySet[Site]:
    """The sites `user` may record a visit to (permissions.may_record_visit as one query): staff every site they
    see, an instructor the sites they are assigned to, a district user the sites they are liaison of or whose
    region lies in theirs."""
    visible = sites_visible_to(user)
    if may_manage_supervision(user):
        return visible
    condition = Q(pk__in=[])
    if user.has_role(Role.INSTRUCTOR):
        condition |= Q(pk__in=Site.instructors.through.objects.filter(user=user).values("site"))
    if user.has_role(Role.DISTRICT):
        condition |= Q(pk__in=Site.liaisons.through.objects.filter(user=user).values("site"))
        if user.scope == DataScope.REGION and user.region_id:
            condition |= Q(region__path__startswith=user.region.path)
    return visible.filter(condition)


def check_photos(files, *, field: str = "photos") -> list:
    """check_uploads, and then only pictures: returns [(upload, kind)] or raises one ValidationError naming every
    refused file, before anything is saved."""
    checked = check_uploads(files, field=field, limit=MAX_PHOTOS)
    refused = [
        _("%(name)s：不是照片（只能上传 JPEG、PNG、WebP 或 HEIC 图片）") % {"name": getattr(upload, "name", "")}
        for upload, kind in checked
        if kind.code not in PHOTO_KINDS
    ]
    if refused:
        raise ValidationError({field: refused})
    return checked


def _clean_items(items, *, visited_on: datetime.date) -> list[dict]:
    cleaned, errors = [], []
    for number, each in enumerate(items or (), start=1):
        title = (each.get("title") or "").strip()
        if not title:
            continue
        due_on = each.get("due_on")
        if due_on is None:
            errors.append(_("第 %(n)s 条整改事项：请填写整改期限") % {"n": number})
        elif due_on < visited_on:
            errors.append(_("第 %(n)s 条整改事项：整改期限不能早于指导日期") % {"n": number})
        cleaned.append(
            {
                "title": title,
                "detail": (each.get("detail") or "").strip(),
                "due_on": due_on,
                "responsible": (each.get("responsible") or "").strip()[:50],
            }
        )
    if len(cleaned) > MAX_ITEMS:
        errors.append(_("一次最多提出 %(n)s 条整改事项") % {"n": MAX_ITEMS})
    if errors:
        raise ValidationError({"items": errors})
    return cleaned


def _notify_items(*, site, visit, items, by) -> None:
    people = site_people([site.pk]).get(site.pk, [])
    titles = "；".join(item.title for item in items)
    for person in people:
        notify(
            recipient=person,
            title=_("%(site)s 有 %(n)s 条新的整改事项") % {"site": site.name, "n": len(items)},
            body=_("%(date)s 指导时提出：%(titles)s") % {"date": f"{visit.visited_on:%Y-%m-%d}", "titles": titles},
            url=visit.get_absolute_url() + "#items",
            actor=by,
            kind="rectification",
        )


@transaction.atomic
def visit_record(
    *,
    site: Site,
    by,
    visited_on: datetime.date,
    participants: str,
    findings: str,
    suggestions: str = "",
    photos=(),
    items=(),
) -> GuidanceVisit:
    """Record a guidance visit with its photos and rectification items (each {title, detail, due_on,
    responsible}); the site's leaders are told of the items. Nothing is saved if any part is refused."""
    if not may_record_visit(by, site):
        raise PermissionDenied
    if visited_on and visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("指导日期不能晚于今天")})
    checked = check_photos(photos)
    cleaned = _clean_items(items, visited_on=visited_on or timezone.localdate())
    visit = GuidanceVisit(
        site=site,
        visited_on=visited_on,
        participants=(participants or "").strip(),
        findings=(findings or "").strip(),
        suggestions=(suggestions or "").strip(),
        recorded_by=by,
    )
    visit.full_clean()
    visit.save()
    attach(owner=visit, checked=checked, by=by)
    created = rectifications_create(site=site, by=by, items=cleaned, origin=visit) if cleaned else []
    audit_record(
        actor=by,
        action="visit_record",
        target=site,
        changes={"visit": [None, f"{visit.visited_on:%Y-%m-%d}"], "rectification": [0, len(created)]},
    )
    if created:
        _notify_items(site=site, visit=visit, items=created, by=by)
    return visit


def may_update_visit(user, visit: GuidanceVisit) -> bool:
    return may_manage_supervision(user) or (visit.recorded_by_id is not None and visit.recorded_by_id == user.pk)


@transaction.atomic
def visit_update(
    *,
    visit: GuidanceVisit,
    by,
    visited_on: datetime.date,
    participants: str,
    findings: str,
    suggestions: str = "",
    photos=(),
) -> GuidanceVisit:
    """Correct a visit's record (its recorder or staff); photos are added, items are followed up on their own."""
    visit = GuidanceVisit.objects.select_for_update().get(pk=visit.pk)
    if not may_update_visit(by, visit):
        raise PermissionDenied
    if visited_on and visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("指导日期不能晚于今天")})
    checked = check_photos(photos)
    changes = {}
    for name, value in (
        ("visited_on", visited_on),
        ("participants", (participants or "").strip()),
        ("findings", (findings or "").strip()),
        ("suggestions", (suggestions or "").strip()),
    ):
        old = getattr(visit, name)
        if old != value:
            changes[name] = [str(old), str(value)]
            setattr(visit, name, value)
    visit.full_clean()
    visit.save()
    attach(owner=visit, checked=checked, by=by)
    if checked:
        changes["photos"] = [None, len(checked)]
    if changes:
        audit_record(actor=by, action="visit_update", target=visit.site, changes=changes)
    return visit
