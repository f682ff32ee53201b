"""What evaluations adds to other apps' pages (house style: pages load higher apps' tags, code never imports up)."""

from django import template

from ..choices import RoundStatus, SheetStatus
from ..explanations import site_panel
from ..selectors import scorer_sheets, self_assessment_entries

register = template.Library()


@register.inclusion_tag("evaluations/_home_panel.html", takes_context=True)
def evaluations_home_panel(context):
    """The home page's "to do" for scorers, team leaders and site leaders: open sheets, teams led, self-assessments."""
    user = context["request"].user
    open_sheets = (
        scorer_sheets(user)
        .filter(entry__round__status=RoundStatus.SCORING)
        .exclude(status=SheetStatus.SUBMITTED)
        .count()
    )
    led = user.led_teams.filter(round__status=RoundStatus.SCORING).select_related("round").order_by("round", "name")
    self_due = list(self_assessment_entries(user).filter(round__status=RoundStatus.SELF_ASSESSMENT))
    return {"open_sheets": open_sheets, "led_teams": list(led), "self_due": self_due}


@register.inclusion_tag("evaluations/_site_results_panel.html", takes_context=True)
def site_results_panel(context, site):
    """The site page's results: the latest round result the user may see (explanations.site_panel: staff and
    city-wide viewers the working result once scoring closed; everyone else who sees the site only published or
    finalized results), with its radar chart of sections against the domain's average."""
    return {"site": site, "panel": site_panel(context["request"].user, site)}
