"""Who may manage whose account: the one rule, used by the user pages, their services, the import, the admin
and the pages of higher apps that open accounts (a creation-group member's account on the site page).

- administrators (superuser or the admin role) manage everyone and may grant every role and scope;
- organization-department staff manage the accounts whose roles all lie below theirs (roles.BELOW_STAFF),
  within their own data scope (selectors.users_visible_to); they never grant admin or staff, and never
  touch an administrator's, a staff member's or a superuser's account;
- nobody else manages accounts.
"""

from .choices import DataScope
from .roles import BELOW_STAFF, Role
from .selectors import users_visible_to


def is_administrator(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and (user.is_superuser or user.has_role(Role.ADMIN)))


def may_manage_users(user) -> bool:
    """Whether `user` manages accounts at all (the 用户 pages, the import, 开通账号 on a site page)."""
    if not (user and user.is_authenticated and user.is_active and user.has_perm("accounts.change_user")):
        return False
    return is_administrator(user) or user.has_role(Role.STAFF)


def assignable_roles(manager) -> list[str]:
    """The role codes `manager` may grant, in the order of Role."""
    if is_administrator(manager):
        return list(Role.values)
    if may_manage_users(manager):
        return [role.value for role in BELOW_STAFF]
    return []


def outranks(manager, user) -> bool:
    """The role part of may_manage, without the scope query (for rows already known to be in scope)."""
    if not may_manage_users(manager):
        return False
    if is_administrator(manager):
        return True
    return not user.is_superuser and set(user.roles) <= set(BELOW_STAFF)


def may_manage(manager, user) -> bool:
    """Whether `manager` may edit, deactivate, reset the password of, or assign sites to `user`."""
    if not outranks(manager, user):
        return False
    return is_administrator(manager) or users_visible_to(manager).filter(pk=user.pk).exists()


def may_grant_city_scope(manager) -> bool:
    """全市 is granted only by someone who sees the whole city."""
    return may_manage_users(manager) and (manager.is_superuser or manager.scope == DataScope.CITY)


def grantable_scopes(manager) -> list[str]:
    if not may_manage_users(manager):
        return []
    return [scope for scope in DataScope.values if scope != DataScope.CITY or may_grant_city_scope(manager)]
