"""Who may do what in supervision (DOMAIN.md §8). What they may see is in selectors (always scoped through
sites.selectors.sites_visible_to); these say what they may change, on a site already known to be visible."""

from accounts.choices import DataScope
from accounts.roles import Role
from sites.permissions import among_site_people, in_creation_group


def _active(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active


def may_manage_supervision(user) -> bool:
    """City staff and administrators publish tasks, record notices, organize study tours, select and promote
    experiences. Like rounds, this is the city's work: it takes the city-wide scope, not only the permission."""
    if not _active(user):
        return False
    return user.has_perm("supervision.change_assignment") and (user.is_superuser or user.scope == DataScope.CITY)


def is_site_leader(user, site) -> bool:
    """A leader in the site's creation group (the people who answer for the site)."""
    if not _active(user) or not user.has_role(Role.LEADER):
        return False
    return in_creation_group(user, site)


def is_liaison(user, site) -> bool:
    """A district user (liaison) for the site: named as its liaison, or region-scoped over it."""
    if not _active(user) or not user.has_role(Role.DISTRICT):
        return False
    if among_site_people(user, site, "liaisons"):
        return True
    region = user.region if user.scope == DataScope.REGION else None
    return region is not None and site.region.path.startswith(region.path)


def is_instructor(user, site) -> bool:
    return _active(user) and user.has_role(Role.INSTRUCTOR) and among_site_people(user, site, "instructors")


def may_answer(user, site) -> bool:
    """The site's leaders answer its tasks (a liaison may answer on a village's behalf too)."""
    return is_site_leader(user, site) or is_liaison(user, site)


def may_review_answer(user, site) -> bool:
    """Staff accept or return answers, and so does the site's liaison (DOMAIN.md §7)."""
    return may_manage_supervision(user) or is_liaison(user, site)


def may_record_visit(user, site) -> bool:
    """Instructors of the site and its liaisons record guidance visits; staff may too."""
    return may_manage_supervision(user) or is_instructor(user, site) or is_liaison(user, site)


def may_report_rectification(user, site) -> bool:
    """The site reports a rectification item done, with evidence."""
    return is_site_leader(user, site) or is_liaison(user, site) or may_manage_supervision(user)


def may_decide_rectification(user, rectification) -> bool:
    """The recorder accepts or reopens an item (staff too; for a round's items, staff)."""
    if may_manage_supervision(user):
        return True
    return rectification.created_by_id is not None and rectification.created_by_id == getattr(user, "pk", None)


def may_submit_experience(user, site=None) -> bool:
    """A site's leader for their site, a district user for their district, staff for anyone."""
    if may_manage_supervision(user):
        return True
    if site is not None:
        return is_site_leader(user, site) or is_liaison(user, site)
    return _active(user) and user.has_role(Role.DISTRICT)


def may_record_pairing(user, site) -> bool:
    return may_manage_supervision(user) or is_site_leader(user, site) or is_liaison(user, site)
