"""Writes of accounts data: role permissions, user accounts (who may manage whom is accounts.permissions) and
Party organizations. Every change a manager makes is in the audit trail; a one-time password never is."""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import field_changes
from core.services import audit_record

from .choices import DataScope
from .models import PartyOrganization, User
from .passwords import one_time_password
from .permissions import assignable_roles, grantable_scopes, may_manage, may_manage_users
from .roles import ADMIN_SITE_ROLES, ROLE_PERMISSIONS, Role, role_permission_filter
from .selectors import organizations_manageable_by, organizations_visible_to, regions_grantable_by
from .signals import sites_moved

# What a manager edits on an account; the audit trail records each of them that changes, and the roles.
USER_FIELDS = ["username", "full_name", "phone", "email", "unit", "organization", "scope", "region"]
ORGANIZATION_FIELDS = ["name", "kind", "domain", "region", "parent", "secretary", "member_count", "is_active"]


@transaction.atomic
def sync_role_permissions(*, group_model=Group, permission_model=Permission) -> dict[str, int]:
    """Create a group per role and give it exactly the permissions roles.py lists (those that exist yet).

    Idempotent. Takes the models as arguments so the data migration can pass its historical ones.
    """
    counts = {}
    for role in Role:
        group, _created = group_model.objects.get_or_create(name=role.value)
        spec = ROLE_PERMISSIONS.get(role, {})
        permissions = permission_model.objects.filter(role_permission_filter(spec))
        group.permissions.set(permissions)
        counts[role.value] = permissions.count()
    return counts


def _apply_roles(user, roles) -> None:
    """Groups = roles; admin and staff also get into Django's admin site (is_staff)."""
    user.groups.set(Group.objects.filter(name__in=roles))
    user.is_staff = user.is_superuser or bool(ADMIN_SITE_ROLES.intersection(roles))
    user.save(update_fields=["is_staff"])
    user.__dict__.pop("roles", None)


@transaction.atomic
def user_set_roles(*, user, roles: list[str], actor=None):
    """Give `user` exactly these roles; admin and staff also get into Django's admin site."""
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    before = sorted(user.roles)
    _apply_roles(user, roles)
    audit_record(actor=actor, action="user_set_roles", target=user, changes={"roles": [before, sorted(roles)]})
    return user


def _check_grant(by, *, changed: set[str], roles: set[str], user) -> None:
    """Refuse what `by` may not hand out; only what changes is checked, so a manager can save an account
    whose untouched organization lies outside their reach (it still has to stay in their scope)."""
    errors = {}
    if "roles" in changed:
        refused = roles - set(assignable_roles(by))
        if refused:
            labels = "、".join(str(Role(code).label) for code in Role.values if code in refused)
            errors["roles"] = _("您无权授予以下角色：%(roles)s") % {"roles": labels}
    if "scope" in changed and user.scope not in grantable_scopes(by):
        errors["scope"] = _("只有全市范围的管理人员才能授予“全市”数据范围")
    if "region" in changed and user.region_id and not regions_grantable_by(by).filter(pk=user.region_id).exists():
        errors["region"] = _("“%(region)s”不在您的数据范围内") % {"region": user.region}
    if (
        "organization" in changed
        and user.organization_id
        and not organizations_visible_to(by).filter(pk=user.organization_id).exists()
    ):
        errors["organization"] = _("“%(organization)s”不在您的数据范围内") % {"organization": user.organization}
    if errors:
        raise ValidationError(errors)


def _check_still_managed(by, user) -> None:
    """A manager cannot create or leave behind an account they could no longer see (and so never fix)."""
    if not may_manage(by, user):
        raise ValidationError(
            _("保存后该用户将不在您的数据范围内：请为其选择您辖区内的所属党组织，或您辖区内的所辖区域。")
        )


def _normalized(fields: dict) -> dict:
    fields = {name: value for name, value in fields.items() if name in USER_FIELDS}
    for name in ("username", "full_name", "phone", "email", "unit"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    return fields


def _drop_unused_region(user) -> None:
    if user.scope != DataScope.REGION:
        user.region = None  # only a region-scoped user oversees a region


@transaction.atomic
def user_create(*, by, roles: list[str], imported: bool = False, **fields) -> tuple[User, str]:
    """Open an account with a one-time password that its holder must change at the first login.

    Returns the user and the password, which the caller shows once to the manager and never stores."""
    if not may_manage_users(by):
        raise PermissionDenied
    roles = sorted(set(roles))
    if not roles:
        raise ValidationError({"roles": _("请至少选择一个角色")})
    user = User(**_normalized(fields), must_change_password=True)
    _drop_unused_region(user)
    _check_grant(by, changed={"roles", "scope", "region", "organization"}, roles=set(roles), user=user)
    password = one_time_password(user)
    user.set_password(password)
    user.full_clean()
    user.save()
    _apply_roles(user, roles)
    _check_still_managed(by, user)
    changes = {"roles": [[], roles], **field_changes(None, user, ["scope", "region", "organization"])}
    audit_record(actor=by, action="user_import" if imported else "user_create", target=user, changes=changes)
    return user, password


@transaction.atomic
def user_update(*, by, user: User, roles: list[str], **fields) -> User:
    """Change an account; every changed field and the roles are recorded, an unchanged form records nothing."""
    if not may_manage(by, user):
        raise PermissionDenied
    before = User.objects.get(pk=user.pk)
    before_roles = sorted(user.roles)
    roles = sorted(set(roles) | ({Role.ADMIN.value} if user.is_superuser else set()))
    if not roles:
        raise ValidationError({"roles": _("请至少选择一个角色")})
    if user.pk == by.pk and Role.ADMIN in before_roles and Role.ADMIN not in roles:
        raise ValidationError({"roles": _("不能取消自己的系统管理员角色")})
    for name, value in _normalized(fields).items():
        setattr(user, name, value)
    _drop_unused_region(user)
    changes = field_changes(before, user, USER_FIELDS)
    if roles != before_roles:
        changes["roles"] = [before_roles, roles]
    if not changes:
        return user
    _check_grant(by, changed=set(changes), roles=set(roles), user=user)
    user.full_clean()
    user.save()
    if "roles" in changes:
        _apply_roles(user, roles)
    _check_still_managed(by, user)
    audit_record(actor=by, action="user_update", target=user, changes=changes)
    return user


def _end_sessions(user) -> None:
    """Log `user` out everywhere. Django's ModelBackend already treats an inactive user's session as
    anonymous at the next request; deleting the sessions makes that hold whatever backend is configured."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    get_model = getattr(store_class, "get_model_class", None)
    if get_model is None:  # cookie or cache sessions cannot be listed; the backend check above still applies
        return
    for session in get_model().objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            store_class(session.session_key).delete()


@transaction.atomic
def user_deactivate(*, by, user: User, reason: str = "") -> User:
    """停用: the account stays (history keeps the name), but it cannot log in and its sessions end."""
    if not may_manage(by, user):
        raise PermissionDenied
    if user.pk == by.pk:
        raise ValidationError(_("不能停用自己的账号"))
    if not user.is_active:
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    _end_sessions(user)
    audit_record(actor=by, action="user_deactivate", target=user, changes={"is_active": [True, False]}, reason=reason)
    return user


@transaction.atomic
def user_reactivate(*, by, user: User) -> User:
    if not may_manage(by, user):
        raise PermissionDenied
    if user.is_active:
        return user
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(actor=by, action="user_reactivate", target=user, changes={"is_active": [False, True]})
    return user


@transaction.atomic
def user_reset_password(*, by, user: User) -> str:
    """A new one-time password, to be changed at the next login; returned to be shown once, never recorded.
    The old password's sessions end with it (Django checks the password hash on every request)."""
    from axes.utils import reset as axes_reset

    if not may_manage(by, user):
        raise PermissionDenied
    password = one_time_password(user)
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    axes_reset(username=user.username)  # a locked-out user calls for a reset: unlock them too
    audit_record(actor=by, action="user_reset_password", target=user)
    return password


@transaction.atomic
def user_password_change(*, user: User, password: str) -> User:
    """The user chose their own password: the one-time one is gone, so is the obligation to change it."""
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    return user


@transaction.atomic
def users_import(*, by, rows) -> list[tuple[User, str]]:
    """Create the accounts of a checked import (accounts.imports); any problem imports nothing."""
    if any(row.errors for row in rows):
        raise ValidationError(_("文件有错误，未导入任何用户。"))
    created = []
    for row in rows:
        try:
            created.append(user_create(by=by, imported=True, **row.account))
        except ValidationError as error:
            raise ValidationError(
                [_("第 %(row)s 行：%(error)s") % {"row": row.number, "error": message} for message in error.messages]
            ) from error
    return created


def _check_organization(by, organization: PartyOrganization, changed: set[str]) -> None:
    errors = {}
    if "region" in changed and not regions_grantable_by(by).filter(pk=organization.region_id).exists():
        errors["region"] = _("“%(region)s”不在您的数据范围内") % {"region": organization.region}
    if (
        changed & {"name", "region"}
        and PartyOrganization.objects.filter(region_id=organization.region_id, name=organization.name)
        .exclude(pk=organization.pk)
        .exists()
    ):
        errors["name"] = _("“%(region)s”已有名为“%(name)s”的党组织，同一区划内党组织名称不能重复") % {
            "region": organization.region,
            "name": organization.name,
        }
    if "parent" in changed and organization.parent_id and organization.pk:
        ancestor, seen = organization.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if ancestor.pk == organization.pk:
                errors["parent"] = _("上级党组织不能是自身或其下级党组织")
                break
            seen.add(ancestor.pk)
            ancestor = ancestor.parent
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def organization_create(*, by, **fields) -> PartyOrganization:
    if not by.has_perm("accounts.add_partyorganization"):
        raise PermissionDenied
    organization = PartyOrganization(**{name: value for name, value in fields.items() if name in ORGANIZATION_FIELDS})
    _check_organization(by, organization, set(ORGANIZATION_FIELDS))
    organization.full_clean()
    organization.save()
    audit_record(
        actor=by,
        action="organization_create",
        target=organization,
        changes=field_changes(None, organization, ["region", "kind", "domain", "parent"]),
    )
    return organization


@transaction.atomic
def organization_update(*, by, organization: PartyOrganization, **fields) -> PartyOrganization:
    """Change an organization in `by`'s scope (and keep it there); an unchanged form records nothing."""
    if not (
        by.has_perm("accounts.change_partyorganization")
        and organizations_manageable_by(by).filter(pk=organization.pk).exists()
    ):
        raise PermissionDenied
    before = PartyOrganization.objects.get(pk=organization.pk)
    for name, value in fields.items():
        if name in ORGANIZATION_FIELDS:
            setattr(organization, name, value)
    changes = field_changes(before, organization, ORGANIZATION_FIELDS)
    if not changes:
        return organization
    _check_organization(by, organization, set(changes))
    organization.full_clean()
    organization.save()
    moved = sites_follow(organization) if changes.keys() & {"region", "domain"} else 0
    if moved:
        changes["moved_sites"] = [None, moved]
    audit_record(actor=by, action="organization_update", target=organization, changes=changes)
    return organization


def sites_follow(organization: PartyOrganization) -> int:
    """A site's region and domain are its organization's, copied onto the site so that lists and the data scope
    filter without a join: when the organization moves or changes domain, its sites move with it (otherwise a
    moved site would stay in its old district's scope). Written through the reverse relation `sites`, which
    the sites app declares, so accounts imports nothing above it. Returns how many sites moved."""
    moved = organization.sites.exclude(region_id=organization.region_id, domain=organization.domain).update(
        region_id=organization.region_id, domain=organization.domain
    )
    if moved:
        sites_moved.send(sender=PartyOrganization, site_lookups={"organization": organization})
    return moved
