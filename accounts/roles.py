"""The roles of DOMAIN.md §8, as Django groups with permissions.

A role is a group; what it may do is its permissions, what it may see is the user's data scope (scope.py).
Permissions of models that later migrations add are attached by sync_role_permissions, which runs after
every migrate, so a role listed here gets them as soon as the model exists.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    STAFF = "staff", _("组织部工作人员")
    DISTRICT = "district", _("区县联络员")
    INSTRUCTOR = "instructor", _("督查指导员")
    LEADER = "leader", _("示范点负责人")
    SCORER = "scorer", _("评分人员")
    TEAMLEAD = "teamlead", _("验收组组长")
    VIEWER = "viewer", _("领导（只读）")


# The group that stands for each role is named by the role's code, so renaming a label never breaks it.
ALL = "*"
VIEW = "view"

# What every role may read: the city's regions and organizations, sites, and the published standards.
# Targets (年度目标) are planning figures for those who steer the programme, not for sites or scorers.
_SITE_MODELS = "site batch zone zonesite creationgroupmember narrator tourstop statechange subsidy".split()
_SITES_READ = [f"view_{model}" for model in _SITE_MODELS]
_READER = {"accounts": ["view_region", "view_partyorganization"], "sites": _SITES_READ, "standards": VIEW}
# Private files (materials, their versions and ledgers) are read by the people who work on the sites.
_ARCHIVE_READ = ["view_material", "view_materialversion", "view_ledger"]

# Per role: app label -> which permissions of that app's models ("*" all, "view" only view_*,
# or an explicit list of codenames). Later issues extend this table as their models arrive.
ROLE_PERMISSIONS: dict[str, dict[str, object]] = {
    Role.ADMIN: {
        "accounts": ALL,
        "auth": ALL,
        "core": ALL,
        "axes": ALL,
        "sites": ALL,
        "standards": ALL,
        "archives": ALL,
        "supervision": ALL,
        "evaluations": ALL,
    },
    Role.STAFF: {
        "accounts": [
            # Staff manage the accounts of the roles below theirs, in their scope (accounts.permissions).
            "view_user",
            "add_user",
            "change_user",
            "view_region",
            "view_partyorganization",
            "add_partyorganization",
            "change_partyorganization",
        ],
        "core": ["view_auditentry"],
        "sites": ALL,
        "standards": ALL,
        "archives": ALL,
        "supervision": ALL,
        "evaluations": ALL,
    },
    Role.DISTRICT: {**_READER, "sites": [*_SITES_READ, "view_target"], "archives": _ARCHIVE_READ},
    Role.INSTRUCTOR: {**_READER, "archives": _ARCHIVE_READ},
    Role.LEADER: {**_READER, "archives": _ARCHIVE_READ},
    Role.SCORER: _READER,
    Role.TEAMLEAD: _READER,
    # Leaders (领导) look at dashboards and results: targets yes, private files and ledgers no (§8).
    Role.VIEWER: {**_READER, "sites": [*_SITES_READ, "view_target"], "evaluations": VIEW},
}

# Staff of the organization department and administrators may enter Django's admin (is_staff).
ADMIN_SITE_ROLES = {Role.ADMIN, Role.STAFF}

# The roles whose accounts organization-department staff may manage (and grant): all below their own.
BELOW_STAFF = (Role.DISTRICT, Role.INSTRUCTOR, Role.LEADER, Role.SCORER, Role.TEAMLEAD, Role.VIEWER)


def role_permission_filter(spec: dict[str, object]) -> models.Q:
    """A Q over auth.Permission selecting what `spec` grants."""
    query = models.Q(pk__in=[])
    for app_label, grant in spec.items():
        in_app = models.Q(content_type__app_label=app_label)
        if grant == ALL:
            query |= in_app
        elif grant == VIEW:
            query |= in_app & models.Q(codename__startswith="view_")
        else:
            query |= in_app & models.Q(codename__in=list(grant))
    return query
