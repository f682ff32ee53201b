"""Site page section(s) of supervision: community (notices, study tours, pairings, experiences); and the home
page's small card of this year's supervision figures for staff."""

from collections import defaultdict

from django import template
from django.utils import timezone

from core.together import read_together

from ..choices import ExperienceStatus
from ..experiences import experiences_visible_to
from ..figures import supervision_figures
from ..models import PairingActivity, StudyTour, StudyTourStop
from ..notices import notices_of_site
from ..permissions import may_manage_supervision, may_record_pairing

register = template.Library()


def community_lists(user, site, year: int) -> dict:
    """The panel's lists for core.together.read_together: pairings and their activities of `year`, the study
    tours the site is on, the experiences it is involved in, and its notices."""
    return {
        "pairings": site.pairings.select_related("partner_organization").order_by("-started_on", "id"),
        "pairing_activities": PairingActivity.objects.filter(pairing__site=site, held_on__year=year).order_by(
            "-held_on", "-id"
        ),
        "tours": StudyTour.objects.filter(pk__in=StudyTourStop.objects.filter(site=site).values("tour")).order_by(
            "-held_on", "-id"
        )[:10],
        "experiences": experiences_visible_to(user)
        .filter(sites=site)
        .exclude(status=ExperienceStatus.RETURNED)
        .order_by("-year", "-id")[:10],
        "notices": notices_of_site(site),
    }


@register.inclusion_tag("supervision/_site_community.html", takes_context=True)
def site_community_panel(context, site, rows=None):
    """Notices of criticism (the site's own and its organization's; revoked ones struck through), study tours it
    is on, pairings with this year's activities, and experiences it is involved in. `rows`: the lists already read
    with the site page's other panels; without them, one query, whatever the rows."""
    user = context["request"].user
    year = timezone.localdate().year
    if rows is None:
        rows = read_together(community_lists(user, site, year))
    pairings = rows["pairings"]
    activities = defaultdict(list)
    for activity in rows["pairing_activities"]:
        activities[activity.pairing_id].append(activity)
    for pairing in pairings:
        pairing.this_year = activities[pairing.pk]
    return {
        "site": site,
        "notices": rows["notices"],
        "tours": rows["tours"],
        "pairings": pairings,
        "experiences": rows["experiences"],
        "year": year,
        "today": timezone.localdate(),
        "may_record_pairing": may_record_pairing(user, site),
        "staff": may_manage_supervision(user),
    }


@register.inclusion_tag("supervision/_figures_card.html", takes_context=True)
def supervision_figures_card(context):
    """This year's supervision figures (the annual report's numbers), for staff on the home page."""
    user = context["request"].user
    if not may_manage_supervision(user):
        return {"figures": None}
    year = timezone.localdate().year
    return {"figures": supervision_figures(year, user), "year": year}
