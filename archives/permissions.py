"""Who may upload to and review a site's archive (what they may see is the sites' data scope)."""

from django.db.models import Q, QuerySet

from accounts.choices import DataScope
from accounts.roles import Role
from accounts.scope import scope_assigned_ids, scope_region_ids
from sites.models import Site
from sites.permissions import in_creation_group
from sites.selectors import assigned_site_ids, sites_visible_to

from .choices import ReviewState


def may_upload(user, site) -> bool:
    """Staff, and the site's own leader (a member of its creation group). District staff and instructors
    review materials but do not upload, replace or delete them (DOMAIN.md §8)."""
    if user.has_perm("archives.add_material"):
        return True
    return user.has_role(Role.LEADER) and in_creation_group(user, site)


def is_staff_reviewer(user) -> bool:
    """Reviews at the organization department's level: its decisions bind the district and instructor level."""
    return user.has_perm("archives.change_material")


def sites_reviewable_by(user) -> QuerySet[Site]:
    """The sites whose materials `user` may review (DOMAIN.md §8), always within their data scope:
    staff every site they see; district staff the sites in their region subtree; instructors the sites
    assigned to them; a site's liaison that site."""
    visible = sites_visible_to(user)
    if is_staff_reviewer(user):
        return visible
    region_ids = scope_region_ids(user) if user.has_role(Role.DISTRICT) else None
    if region_ids is not None and not scope_assigned_ids(user, Site, assigned_site_ids(user)):
        # A district user who looks after no site by name (the scope's assigned sites, already resolved, include
        # every site they are a liaison or instructor of): they see exactly their region subtree and may review
        # all of it, so the visible sites are the answer. The conditions below would say the same with two empty
        # subqueries ORed in, which made PostgreSQL give up the inbox's ordered index and sort every waiting
        # material of a city-sized district (40 ms, against 1 ms).
        return visible
    condition = Q(pk__in=Site.liaisons.through.objects.filter(user=user).values("site"))
    condition |= Q(pk__in=Site.instructors.through.objects.filter(user=user).values("site"))
    if region_ids is not None:
        # The subtree's region ids (the scope's own, resolved once a request), not `region.path LIKE …` across a
        # join: that made PostgreSQL read all 200,000 regions of a country for every inbox count and page.
        condition |= Q(region_id__in=region_ids)
    return visible.filter(condition)


def may_review(user, site) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return sites_reviewable_by(user).filter(pk=site.pk).exists()


def review_reach(user) -> bool | QuerySet[Site]:
    """Whether the review inbox is for this user at all (its menu entry): staff, district staff, instructors,
    and anyone named a site's liaison or instructor. Which materials it holds is sites_reviewable_by's business.
    True, or the sites that decide it (the menu asks whether there is one together with its other tests)."""
    if is_staff_reviewer(user) or user.has_role(Role.DISTRICT, Role.INSTRUCTOR):
        return True
    return sites_reviewable_by(user)


def may_reach_review(user) -> bool:
    reach = review_reach(user)
    return reach if isinstance(reach, bool) else reach.exists()


def decision_locked_for(user, material) -> bool:
    """A staff decision stands against the lower level: once staff accepted or returned a material, district
    staff and instructors may not change that decision (a new version starts a fresh review)."""
    return material.state != ReviewState.SUBMITTED and material.reviewed_as_staff and not is_staff_reviewer(user)


def is_archive_manager(user) -> bool:
    """Organization-department staff: restore from the trash, set the public flag, build regional ledgers."""
    return user.has_perm("archives.change_material")


def may_build_ledger(user, region) -> bool:
    """A regional ledger for a region in scope; the whole city's only for city-wide staff."""
    if not is_archive_manager(user):
        return False
    return region is not None or user.is_superuser or user.scope == DataScope.CITY
