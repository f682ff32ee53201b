"""Who may upload to and review a site's archive (what they may see is the sites' data scope)."""

from accounts.choices import DataScope
from accounts.roles import Role


def may_upload(user, site) -> bool:
    """Staff, and the site's own leader (a member of its creation group). District staff and instructors
    review materials but do not upload, replace or delete them (DOMAIN.md §8)."""
    if user.has_perm("archives.add_material"):
        return True
    return user.has_role(Role.LEADER) and site.group_members.filter(user=user).exists()


def may_review(user, site) -> bool:
    """Staff, the site's liaison and its instructor (DOMAIN.md §6)."""
    if user.has_perm("archives.change_material"):
        return True
    return site.instructors.filter(pk=user.pk).exists() or site.liaisons.filter(pk=user.pk).exists()


def is_archive_manager(user) -> bool:
    """Organization-department staff: restore from the trash, set the public flag, build regional ledgers."""
    return user.has_perm("archives.change_material")


def may_build_ledger(user, region) -> bool:
    """A regional ledger for a region in scope; the whole city's only for city-wide staff."""
    if not is_archive_manager(user):
        return False
    return region is not None or user.is_superuser or user.scope == DataScope.CITY
