"""观摩活动 and 结对共建 (seeds 000 and 001). Staff organize a study tour along an ordered list of sites (e.g. a
belt, sites.Zone); the stop sites are told and show it on their pages; participants' feedback is recorded
afterwards. A site records pairings with the Party organizations it helps, and each year's activities."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.choices import DataScope
from accounts.selectors import organizations_visible_to
from core.services import audit_record, notify
from sites.models import ZoneSite
from sites.selectors import sites_visible_to

from .models import Pairing, PairingActivity, StudyTour, StudyTourStop, TourFeedback
from .permissions import may_manage_supervision, may_record_pairing
from .selectors import site_people

NOTIFY_KIND = "supervision_notice"


# ---- study tours -------------------------------------------------------------------------------------------


def tours_visible_to(user) -> QuerySet[StudyTour]:
    """Staff and city-wide users see every tour; others the tours with a stop at a site they see."""
    if not getattr(user, "is_authenticated", False):
        return StudyTour.objects.none()
    if user.is_superuser or user.scope == DataScope.CITY:
        return StudyTour.objects.all()
    stops = StudyTourStop.objects.filter(site__in=sites_visible_to(user)).values("tour")
    return StudyTour.objects.filter(pk__in=stops)


def tour_list(user) -> QuerySet[StudyTour]:
    stops = StudyTourStop.objects.select_related("site").order_by("order", "id")
    return tours_visible_to(user).prefetch_related(Prefetch("stops", queryset=stops))


def zone_sites(zone) -> list:
    """A zone's or belt's sites in route order (to prefill a tour's stops)."""
    return [m.site for m in ZoneSite.objects.filter(zone=zone).select_related("site").order_by("order", "id")]


def _check_sites(by, sites) -> list:
    sites = list(dict.fromkeys(sites))
    if not sites:
        raise ValidationError({"sites": _("请至少选择一个观摩点位")})
    visible = set(sites_visible_to(by).filter(pk__in=[s.pk for s in sites]).values_list("pk", flat=True))
    if any(site.pk not in visible for site in sites):
        raise ValidationError({"sites": _("只能选择您管辖范围内的示范点")})
    return sites


def _tell_stops(tour: StudyTour, *, by, site_ids) -> None:
    told = set()
    for users in site_people(site_ids).values():
        for person in users:
            if person.pk not in told:
                told.add(person.pk)
                notify(
                    recipient=person,
                    actor=by,
                    title=_("观摩活动：%(title)s（%(date)s）")
                    % {"title": tour.title, "date": f"{tour.held_on:%Y-%m-%d}"},
                    body=tour.description,
                    url=tour.get_absolute_url(),
                    kind=NOTIFY_KIND,
                )


def _set_stops(tour: StudyTour, sites) -> None:
    StudyTourStop.objects.filter(tour=tour).exclude(site__in=sites).delete()
    existing = {stop.site_id: stop for stop in StudyTourStop.objects.filter(tour=tour)}
    # Two passes so that reordering never trips over itself (order is not unique, but keep it tidy).
    for number, site in enumerate(sites, start=1):
        stop = existing.get(site.pk) or StudyTourStop(tour=tour, site=site)
        stop.order = number
        stop.full_clean()
        stop.save()


@transaction.atomic
def tour_create(*, by, title: str, held_on, participants: str, description: str = "", sites) -> StudyTour:
    """Staff organize a tour along `sites` in that order; each stop site's people are told."""
    if not may_manage_supervision(by):
        raise PermissionDenied
    sites = _check_sites(by, sites)
    tour = StudyTour(
        title=title.strip(), held_on=held_on, participants=participants.strip(), description=description.strip()
    )
    tour.created_by = by
    tour.full_clean()
    tour.save()
    _set_stops(tour, sites)
    audit_record(
        actor=by,
        action="tour_create",
        target=tour,
        changes={"held_on": [None, str(held_on)], "stops": [None, "、".join(s.name for s in sites)]},
    )
    _tell_stops(tour, by=by, site_ids=[s.pk for s in sites])
    return tour


@transaction.atomic
def tour_update(*, tour: StudyTour, by, title: str, held_on, participants: str, description: str = "", sites):
    """Change a tour; the sites newly on the route (and, if the date moved, every stop) are told."""
    if not may_manage_supervision(by):
        raise PermissionDenied
    sites = _check_sites(by, sites)
    tour = StudyTour.objects.select_for_update().get(pk=tour.pk)
    before = list(tour.stops.order_by("order", "id").values_list("site_id", "site__name"))
    before_sites = [pk for pk, _name in before]
    before_date = tour.held_on
    tour.title, tour.held_on = title.strip(), held_on
    tour.participants, tour.description = participants.strip(), description.strip()
    tour.full_clean()
    tour.save()
    _set_stops(tour, sites)
    after = [s.pk for s in sites]
    audit_record(
        actor=by,
        action="tour_update",
        target=tour,
        changes={
            "held_on": [str(before_date), str(held_on)],
            "stops": ["、".join(name for _pk, name in before), "、".join(s.name for s in sites)],
        },
    )
    told = after if before_date != held_on else [pk for pk in after if pk not in before_sites]
    if told:
        _tell_stops(tour, by=by, site_ids=told)
    return tour


@transaction.atomic
def tour_feedback_record(*, tour: StudyTour, by, author_name: str, content: str, site=None) -> TourFeedback:
    """A participant's feedback, recorded by staff; `site`, if named, must be one of the tour's stops."""
    if not may_manage_supervision(by):
        raise PermissionDenied
    if site is not None and not tour.stops.filter(site=site).exists():
        raise ValidationError({"site": _("只能选择本次观摩活动的点位")})
    feedback = TourFeedback(
        tour=tour, site=site, author_name=author_name.strip(), content=content.strip(), recorded_by=by
    )
    feedback.full_clean()
    feedback.save()
    audit_record(
        actor=by,
        action="tour_feedback",
        target=tour,
        changes={
            "tourfeedback.author_name": [None, feedback.author_name],
            "tourfeedback.site": [None, str(site or "")],
        },
    )
    return feedback


# ---- pairings ----------------------------------------------------------------------------------------------


def pairings_visible_to(user) -> QuerySet[Pairing]:
    return Pairing.objects.filter(site__in=sites_visible_to(user))


def pairing_detail_queryset(user) -> QuerySet[Pairing]:
    return pairings_visible_to(user).select_related("site", "partner_organization")


@transaction.atomic
def pairing_record(
    *, by, site, aims: str, started_on, partner_organization=None, partner_name: str = "", ended_on=None
) -> Pairing:
    """Staff, the site's leader or liaison record a pairing with an organization in their scope, or one named
    in free text (a partner outside the system)."""
    if not sites_visible_to(by).filter(pk=site.pk).exists():
        raise PermissionDenied
    if not may_record_pairing(by, site):
        raise PermissionDenied
    if partner_organization is not None:
        if not organizations_visible_to(by).filter(pk=partner_organization.pk).exists() and not may_manage_supervision(
            by
        ):
            raise ValidationError({"partner_organization": _("只能选择您可见的党组织")})
        if partner_organization.pk == site.organization_id:
            raise ValidationError({"partner_organization": _("不能与本示范点所在党组织结对")})
        partner_name = partner_name.strip() or partner_organization.name
    partner_name = (partner_name or "").strip()
    if not partner_name:
        raise ValidationError({"partner_name": _("请选择结对党组织或填写结对对象")})
    if ended_on and started_on and ended_on < started_on:
        raise ValidationError({"ended_on": _("结束日期不能早于开始日期")})
    pairing = Pairing(
        site=site,
        partner_organization=partner_organization,
        partner_name=partner_name,
        aims=(aims or "").strip(),
        started_on=started_on,
        ended_on=ended_on,
        created_by=by,
    )
    pairing.full_clean()
    pairing.save()
    audit_record(
        actor=by,
        action="pairing_record",
        target=pairing,
        changes={
            "site": [None, site.name],
            "partner_name": [None, partner_name],
            "started_on": [None, str(started_on)],
        },
    )
    return pairing


@transaction.atomic
def pairing_activity_record(*, pairing: Pairing, by, held_on, title: str, description: str = "") -> PairingActivity:
    if not may_record_pairing(by, pairing.site):
        raise PermissionDenied
    if held_on and held_on < pairing.started_on:
        raise ValidationError({"held_on": _("活动日期不能早于结对开始日期")})
    if held_on and pairing.ended_on and held_on > pairing.ended_on:
        raise ValidationError({"held_on": _("活动日期不能晚于结对结束日期")})
    activity = PairingActivity(
        pairing=pairing, held_on=held_on, title=title.strip(), description=description.strip(), recorded_by=by
    )
    activity.full_clean()
    activity.save()
    audit_record(
        actor=by,
        action="pairing_activity",
        target=pairing,
        changes={"pairingactivity.held_on": [None, str(held_on)], "pairingactivity.title": [None, activity.title]},
    )
    return activity


def pairings_active_in(year: int) -> Q:
    """A pairing counts in a year when it ran at some point of it."""
    return Q(started_on__year__lte=year) & (Q(ended_on__isnull=True) | Q(ended_on__year__gte=year))
