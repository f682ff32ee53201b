"""Supervision's figures for the annual report (DOMAIN.md §7, seeds 000/001): what was done in a year, counted
within what the user may see. Pure reads; dashboards show them and the annual report quotes them."""

from django.db.models import Count, Q

from core.counting import count_rows
from sites.selectors import sites_visible_to

from .choices import AssignmentStatus, ExperienceStatus, RectificationStatus
from .experiences import experiences_visible_to
from .models import AssignmentSite, GuidanceVisit, PairingActivity, Rectification
from .notices import notices_visible_to
from .tours import pairings_active_in, pairings_visible_to, tours_visible_to


def supervision_figures(year: int, user) -> dict[str, int]:
    sites = sites_visible_to(user)
    rectifications = Rectification.objects.filter(site__in=sites)
    experiences = (
        experiences_visible_to(user)
        .filter(year=year)
        .aggregate(
            submitted=Count("id"),
            selected=Count("id", filter=Q(status__in=[ExperienceStatus.SELECTED, ExperienceStatus.PROMOTED])),
            promoted=Count("id", filter=Q(status=ExperienceStatus.PROMOTED)),
        )
    )
    targets = (
        AssignmentSite.objects.filter(site__in=sites, assignment__published_at__year=year)
        .exclude(assignment__status=AssignmentStatus.DRAFT)
        .aggregate(
            tasks=Count("assignment", distinct=True),
            targets=Count("id"),
            answered=Count("id", filter=Q(first_submitted_at__isnull=False)),
            on_time=Count("id", filter=Q(first_submitted_at__isnull=False, late=False)),
        )
    )
    pairings = pairings_visible_to(user)
    counts = count_rows(
        {
            "visits": GuidanceVisit.objects.filter(site__in=sites, visited_on__year=year),
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
