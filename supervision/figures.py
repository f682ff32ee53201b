"""Supervision's figures for the annual report (DOMAIN.md §7, seeds 000/001): what was done in a year, counted
within what the user may see. Pure reads; dashboards show them and the annual report quotes them."""

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from core.counting import count_rows
from sites.selectors import sites_visible_to

from .choices import AssignmentStatus, ExperienceStatus, RectificationStatus
from .experiences import experiences_visible_to
from .models import Assignment, AssignmentSite, GuidanceVisit, PairingActivity, Rectification
from .notices import notices_visible_to
from .task_tally import per_task
from .tours import pairings_active_in, pairings_visible_to, tours_visible_to


def supervision_figures(year: int, user) -> dict[str, int]:
    sites = sites_visible_to(user)
    # A city-wide scope restricts nothing: its "site in all sites" semi-join is left out (the same rows).
    city_wide = not sites.query.where
    rectifications = Rectification.objects.all() if city_wide else Rectification.objects.filter(site__in=sites)
    visits = GuidanceVisit.objects.all() if city_wide else GuidanceVisit.objects.filter(site__in=sites)
    experiences = (
        experiences_visible_to(user)
        .filter(year=year)
        .aggregate(
            submitted=Count("id"),
            selected=Count("id", filter=Q(status__in=[ExperienceStatus.SELECTED, ExperienceStatus.PROMOTED])),
            promoted=Count("id", filter=Q(status=ExperienceStatus.PROMOTED)),
        )
    )
    targets = _target_figures(year, sites)
    pairings = pairings_visible_to(user)
    counts = count_rows(
        {
            "visits": visits.filter(visited_on__year=year),
            "rectifications_raised": rectifications.filter(created_at__year=year),
            "rectifications_closed": rectifications.filter(status=RectificationStatus.CLOSED, closed_at__year=year),
            "notices": notices_visible_to(user).filter(issued_on__year=year, revoked_at__isnull=True),
            "study_tours": tours_visible_to(user).filter(held_on__year=year),
            "pairings": pairings.filter(pairings_active_in(year)),
            "pairing_activities": PairingActivity.objects.filter(pairing__in=pairings, held_on__year=year),
        }
    )
    return {
        **counts,
        "experiences_submitted": experiences["submitted"],
        "experiences_selected": experiences["selected"],
        "experiences_promoted": experiences["promoted"],
        "tasks_published": targets["tasks"],
        "task_targets": targets["targets"],
        "tasks_answered": targets["answered"],
        "tasks_answered_on_time": targets["on_time"],
    }


def _target_figures(year: int, sites: QuerySet) -> dict[str, int]:
    """The year's tasks, their standings, and of those the answered and answered-on-time ones, within `sites`.

    A city-wide scope adds up the numbers each task keeps (TaskTally, supervision.task_tally): one row per task,
    where counting them meant reading 400,000 index entries per view at 100,000 sites. Any other scope counts its
    own standings: the year's tasks (a few dozen) are read first and the standings matched against their ids, with
    no join to each standing's task, per task one range of the (assignment, late, first_submitted_at) index read
    without the table (supervision_target_answered)."""
    tasks = Assignment.objects.filter(published_at__year=year).exclude(status=AssignmentStatus.DRAFT)
    if not sites.query.where:  # city-wide: every standing, whose numbers each task keeps (supervision.task_tally)
        kept = tasks.order_by().aggregate(
            tasks=Count("tally", filter=Q(tally__targets__gt=0)),
            targets=Coalesce(Sum("tally__targets"), 0),
            answered=Coalesce(Sum("tally__answered"), 0),
            on_time=Coalesce(Sum("tally__on_time"), 0),
        )
        return {name: int(kept[name]) for name in ("tasks", "targets", "answered", "on_time")}
    # The ids as a list: they bound each range of the index, where a subquery was hash-joined to every standing.
    standings = AssignmentSite.objects.filter(
        assignment_id__in=list(tasks.values_list("pk", flat=True)), site__in=sites
    )
    figures = {"tasks": 0, "targets": 0, "answered": 0, "on_time": 0}
    for _task, targets, answered_n, on_time in per_task(standings):
        figures["tasks"] += 1
        figures["targets"] += targets
        figures["answered"] += answered_n
        figures["on_time"] += on_time
    return figures
