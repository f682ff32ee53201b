"""Who may change what on a site (what they may see is sites_visible_to)."""

from accounts.permissions import assignable_roles, may_manage, may_manage_users
from accounts.roles import Role

from .services import LEADER_FIELDS, STAFF_FIELDS


def is_site_manager(user) -> bool:
    """Organization-department staff and administrators: everything but the state by hand needs a reason."""
    return user.has_perm("sites.change_site")


def editable_fields(user, site) -> list[str]:
    """The profile fields `user` may change on `site` (already known to be visible to them)."""
    if is_site_manager(user):
        return STAFF_FIELDS
    if user.has_role(Role.LEADER, Role.DISTRICT):
        return LEADER_FIELDS
    return []


def in_creation_group(user, site) -> bool:
    """Whether `user` is a member of the site's creation group. The site page's site comes with its members
    (selectors.site_page_lists, site_detail_queryset), so its panels ask them there instead of querying once each."""
    prefetched = getattr(site, "_prefetched_objects_cache", {}).get("group_members")
    if prefetched is not None:
        return any(member.user_id == user.pk for member in prefetched)
    return site.group_members.filter(user=user).exists()


def among_site_people(user, site, accessor: str) -> bool:
    """Whether `user` is one of the site's `accessor` ("instructors" or "liaisons"): from the lists the site page
    attached to its site (selectors.site_page_lists) when there, else one query."""
    prefetched = getattr(site, "_prefetched_objects_cache", {}).get(accessor)
    if prefetched is not None:
        return any(person.pk == user.pk for person in prefetched)
    return getattr(site, accessor).filter(pk=user.pk).exists()


def may_edit_route_and_narrators(user, site) -> bool:
    return is_site_manager(user) or user.has_role(Role.LEADER, Role.DISTRICT)


INSTRUCTING_ROLES = (Role.INSTRUCTOR, Role.STAFF)  # staff may be a site's instructor too (SiteStaffForm)
LIAISON_ROLES = (Role.DISTRICT,)


def may_assign_sites(manager, person) -> bool:
    return manager.has_perm("sites.change_site") and may_manage(manager, person)


def may_open_member_accounts(user) -> bool:
    return may_manage_users(user) and Role.LEADER in assignable_roles(user)
