"""Site page section(s) of supervision: community (notices, study tours, pairings, experiences); and the home
page's small card of this year's supervision figures for staff."""

from django import template
from django.db.models import Prefetch
from django.utils import timezone

from ..choices import ExperienceStatus
from ..experiences import experiences_visible_to
from ..figures import supervision_figures
from ..models import PairingActivity, StudyTour
from ..notices import notices_of_site
from ..permissions import may_manage_supervision, may_record_pairing

register = template.Library()


@register.inclusion_tag("supervision/_site_community.html", takes_context=True)
def site_community_panel(context, site):
    """Notices of criticism (the site's own and its organization's; revoked ones struck through), study tours it
    is on, pairings with this year's activities, and experiences it is involved in. A fixed number of queries."""
    user = context["request"].user
    year = timezone.localdate().year
    this_year = PairingActivity.objects.filter(held_on__year=year).order_by("-held_on", "-id")
    pairings = list(
        site.pairings.select_related("partner_organization")
        .prefetch_related(Prefetch("activities", queryset=this_year, to_attr="this_year"))
        .order_by("-started_on", "id")
    )
    tours = list(StudyTour.objects.filter(stops__site=site).distinct().order_by("-held_on", "-id")[:10])
    experiences = list(
        experiences_visible_to(user)
        .filter(sites=site)
        .exclude(status=ExperienceStatus.RETURNED)
        .order_by("-year", "-id")[:10]
    )
    return {
        "site": site,
        "notices": list(notices_of_site(site)),
        "tours": tours,
        "pairings": pairings,
        "experiences": experiences,
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
