"""典型经验 (DOMAIN.md §7, seed 003): a site or district submits a written-up practice; staff select it and then
promote it, or decline it with a note. Each district should bring forward two a year (rules.EXPERIENCES_PER_DISTRICT):
`district_tracker` counts them. Reads here go through the data scope like every supervision read."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import DataScope
from accounts.models import Region
from core.services import audit_record, notify
from sites.selectors import own_district, sites_visible_to, target_districts

from . import rules
from .attachments import attach
from .choices import ExperienceStatus
from .models import Experience
from .permissions import may_manage_supervision, may_submit_experience

NOTIFY_KIND = "supervision_notice"


def district_of(region) -> Region | None:
    """The district-level node (depth 1) at or above `region` (its path holds the ids from the city down)."""
    if region is None or region.depth < 1:
        return None
    if region.depth == 1:
        return region
    district_id = int(region.path.strip("/").split("/")[1])
    return Region.objects.filter(pk=district_id).first()


def experiences_visible_to(user) -> QuerySet[Experience]:
    """Staff and city-wide users see every experience; a district user those of their district and of the sites
    they see; anyone else those involving a site they see, and their own."""
    if not getattr(user, "is_authenticated", False):
        return Experience.objects.none()
    if user.is_superuser or user.scope == DataScope.CITY:
        return Experience.objects.all()
    condition = Q(pk__in=Experience.sites.through.objects.filter(site__in=sites_visible_to(user)).values("experience"))
    condition |= Q(submitted_by=user)
    district = own_district(user)
    if district is not None:
        condition |= Q(district=district)
    return Experience.objects.filter(condition)


def experience_list(user) -> QuerySet[Experience]:
    return experiences_visible_to(user).select_related("district", "submitted_by").prefetch_related("sites")


def _district_for(*, by, sites, district) -> Region:
    own = own_district(by)
    if own is not None:
        return own
    districts = {district_of(site.region).pk: district_of(site.region) for site in sites if district_of(site.region)}
    if len(districts) > 1:
        raise ValidationError({"sites": _("涉及的示范点须在同一区县（市直）内")})
    if districts:
        return next(iter(districts.values()))
    if district is not None and may_manage_supervision(by):
        return district
    raise ValidationError({"sites": _("请选择涉及的示范点（据此确定所属区县）")})


@transaction.atomic
def experience_submit(*, by, title: str, summary: str, sites, checked_files=(), district=None) -> Experience:
    """A site leader (for their sites), a district user (for their district) or staff submit an experience of this
    year. Every site named must be one the submitter sees and may submit for."""
    sites = list(sites)
    if not may_submit_experience(by) and not sites:
        raise PermissionDenied
    visible = set(sites_visible_to(by).filter(pk__in=[s.pk for s in sites]).values_list("pk", flat=True))
    if any(site.pk not in visible for site in sites):
        raise ValidationError({"sites": _("只能选择您可见的示范点")})
    # A site leader (or a liaison named on sites): only the sites they answer for.
    answers_for_all = bool(sites) and all(may_submit_experience(by, site) for site in sites)
    if not may_manage_supervision(by) and own_district(by) is None and not answers_for_all:
        raise ValidationError({"sites": _("只能选择您负责的示范点")})
    experience = Experience(
        title=title.strip(),
        summary=summary.strip(),
        year=timezone.localdate().year,
        district=_district_for(by=by, sites=sites, district=district),
        submitted_by=by,
    )
    experience.full_clean()
    experience.save()
    experience.sites.set(sites)
    attach(owner=experience, checked=list(checked_files), by=by)
    audit_record(
        actor=by,
        action="experience_submit",
        target=experience,
        changes={"sites": [None, "、".join(s.name for s in sites)], "district": [None, str(experience.district)]},
    )
    return experience


def _decide(*, experience: Experience, by, to: str, allowed_from: tuple, action: str, note: str = "") -> Experience:
    if not may_manage_supervision(by):
        raise PermissionDenied
    experience = Experience.objects.select_for_update().get(pk=experience.pk)
    if experience.status not in allowed_from:
        raise ValidationError(_("当前状态（%(status)s）不能这样处理") % {"status": experience.get_status_display()})
    before = experience.status
    now = timezone.now()
    experience.status = to
    experience.decided_by = by
    experience.decision_note = note.strip()
    if to == ExperienceStatus.SELECTED:
        experience.selected_at = now
    elif to == ExperienceStatus.PROMOTED:
        experience.promoted_at = now
    experience.full_clean()
    experience.save()
    audit_record(actor=by, action=action, target=experience, changes={"status": [before, to]}, reason=note.strip())
    if experience.submitted_by_id:
        notify(
            recipient=experience.submitted_by,
            actor=by,
            title=_("典型经验“%(title)s”%(status)s")
            % {"title": experience.title, "status": experience.get_status_display()},
            body=experience.decision_note,
            url=experience.get_absolute_url(),
            kind=NOTIFY_KIND,
        )
    return experience


@transaction.atomic
def experience_select(*, experience: Experience, by, note: str = "") -> Experience:
    return _decide(
        experience=experience,
        by=by,
        to=ExperienceStatus.SELECTED,
        allowed_from=(ExperienceStatus.SUBMITTED, ExperienceStatus.RETURNED),
        action="experience_select",
        note=note,
    )


@transaction.atomic
def experience_promote(*, experience: Experience, by, note: str = "") -> Experience:
    """Only a selected experience is promoted (推广)."""
    return _decide(
        experience=experience,
        by=by,
        to=ExperienceStatus.PROMOTED,
        allowed_from=(ExperienceStatus.SELECTED,),
        action="experience_promote",
        note=note,
    )


@transaction.atomic
def experience_decline(*, experience: Experience, by, note: str) -> Experience:
    if not (note or "").strip():
        raise ValidationError({"note": _("请填写未入选的意见")})
    return _decide(
        experience=experience,
        by=by,
        to=ExperienceStatus.RETURNED,
        allowed_from=(ExperienceStatus.SUBMITTED, ExperienceStatus.SELECTED),
        action="experience_decline",
        note=note,
    )


@dataclass
class TrackerRow:
    district: Region
    submitted: int
    selected: int
    promoted: int
    target: int
    shortfall: int


def district_tracker(year: int, user) -> list[TrackerRow]:
    """Each district-level region's experiences of `year` against the target (two queries): staff and city-wide
    users see every district, a district user their own; anyone else none."""
    districts = target_districts()
    if not (user.is_superuser or user.scope == DataScope.CITY):
        own = own_district(user)
        districts = districts.filter(pk=own.pk) if own else districts.none()
    counts = {
        row["district"]: row
        for row in Experience.objects.filter(year=year, district__in=districts)
        .exclude(status=ExperienceStatus.RETURNED)
        .order_by()
        .values("district")
        .annotate(
            submitted=Count("id"),
            selected=Count("id", filter=Q(status__in=[ExperienceStatus.SELECTED, ExperienceStatus.PROMOTED])),
            promoted=Count("id", filter=Q(status=ExperienceStatus.PROMOTED)),
        )
    }
    rows = []
    for district in districts:
        row = counts.get(district.pk, {})
        submitted = row.get("submitted", 0)
        rows.append(
            TrackerRow(
                district=district,
                submitted=submitted,
                selected=row.get("selected", 0),
                promoted=row.get("promoted", 0),
                target=rules.EXPERIENCES_PER_DISTRICT,
                shortfall=rules.experience_shortfall(submitted),
            )
        )
    return rows
