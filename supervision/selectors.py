"""Reads of supervision, always through the data scope: a record is visible when its site is
(sites.selectors.sites_visible_to), so a leader sees only their site's tasks and an instructor only their sites'
visits."""

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from accounts.roles import Role
from accounts.scope import scope_assigned_ids, scope_region_ids
from sites.models import CreationGroupMember, Site
from sites.selectors import assigned_site_ids, sites_visible_to

from .districts import district_id_of
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
    targets = AssignmentSite.objects.filter(site__in=sites_visible_to(user)).exclude(assignment__status="draft")
    district = scope_district_id(user)
    return targets if district is None else targets.filter(district_id=district)


def scope_district_id(user) -> int | None:
    """The district (supervision.districts) that holds every site `user` may see, when one does: a user scoped on
    a district or a region under it, with no site assigned to them by name (which could lie elsewhere).

    Standings and rectification items keep their site's district, so `district_id = D` beside the scope's own
    condition lets PostgreSQL read one district's rows off an index instead of all the city's (a city-sized
    district holds a twelfth of them). It only narrows: the scope still decides, so a row whose copied district
    were wrong would be missing from the district's pages, never shown on another's."""
    region_ids = scope_region_ids(user)
    if region_ids is None or user.is_superuser or user.region.depth < 1:  # a superuser's scope restricts nothing
        return None
    if scope_assigned_ids(user, Site, assigned_site_ids(user)):
        return None
    return district_id_of(user.region)


def assignments_visible_to(user) -> QuerySet[Assignment]:
    """Tasks with at least one site the user may see (staff see drafts too, in services' views)."""
    from .permissions import may_manage_supervision

    if may_manage_supervision(user):
        return Assignment.objects.all()
    return Assignment.objects.filter(pk__in=targets_visible_to(user).values("assignment"))


def visits_visible_to(user) -> QuerySet[GuidanceVisit]:
    return GuidanceVisit.objects.filter(site__in=sites_visible_to(user))


def rectifications_visible_to(user) -> QuerySet[Rectification]:
    items = Rectification.objects.filter(site__in=sites_visible_to(user))
    district = scope_district_id(user)  # the same narrowing as the standings'
    return items if district is None else items.filter(district_id=district)
