"""Who may upload to and review a site's archive (what they may see is the sites' data scope)."""

from accounts.roles import Role


def may_upload(user, site) -> bool:
    """Staff, and the site's own people (its leader, a district liaison in scope)."""
    return user.has_perm("archives.add_material") or user.has_role(Role.LEADER, Role.DISTRICT)


def may_review(user, site) -> bool:
    """Staff, the site's liaison and its instructor (DOMAIN.md §6)."""
    if user.has_perm("archives.change_material"):
        return True
    return site.instructors.filter(pk=user.pk).exists() or site.liaisons.filter(pk=user.pk).exists()


def may_manage_trash(user) -> bool:
    return user.has_perm("archives.change_material")
