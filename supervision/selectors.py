"""Reads of supervision, always through the data scope: a record is visible when its site is
(sites.selectors.sites_visible_to), so a leader sees only their site's tasks and an instructor only their sites'
visits."""

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from accounts.roles import Role
from sites.models import CreationGroupMember
from sites.selectors import sites_visible_to

from .models import Assignment, AssignmentSite, GuidanceVisit, Rectification


def site_people(site_ids) -> dict[int, list]:
    """Whom a site's reminders and notices reach: the active users in its creation group who hold the leader
    role, by site id (one query)."""
    people: dict[int, list] = defaultdict(list)
    members = (
        CreationGroupMember.objects.filter(
            site_id__in=list(site_ids), user__isnull=False, user__is_active=True, user__groups__name=Role.LEADER
        )
        .select_related("user")
        .order_by("site_id", "order", "id")
        .distinct()
    )
    seen = set()
    for member in members:
        if (member.site_id, member.user_id) in seen:
            continue
        seen.add((member.site_id, member.user_id))
        people[member.site_id].append(member.user)
    return people


def staff_people():
    return get_user_model().objects.filter(is_active=True, groups__name=Role.STAFF).distinct()


def targets_visible_to(user) -> QuerySet[AssignmentSite]:
    """Every site's standing on every published task the user may see."""
    return AssignmentSite.objects.filter(site__in=sites_visible_to(user)).exclude(assignment__status="draft")


def assignments_visible_to(user) -> QuerySet[Assignment]:
    """Tasks with at least one site the user may see (staff see drafts too, in services' views)."""
    from .permissions import may_manage_supervision

    if may_manage_supervision(user):
        return Assignment.objects.all()
    return Assignment.objects.filter(pk__in=targets_visible_to(user).values("assignment"))


def visits_visible_to(user) -> QuerySet[GuidanceVisit]:
    return GuidanceVisit.objects.filter(site__in=sites_visible_to(user))


def rectifications_visible_to(user) -> QuerySet[Rectification]:
    return Rectification.objects.filter(site__in=sites_visible_to(user))
