from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem

from .roles import Role


def _sync_roles_after_migrate(sender, using="default", **kwargs):
    # Permissions of models added by later migrations exist only after migrate (auth creates them in its own
    # post_migrate, app by app), so roles are re-synced after each app's; it is a handful of queries.
    from .services import sync_role_permissions

    sync_role_permissions()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("用户与组织")
    navigation = [
        NavItem(
            _("党组织"),
            "accounts:organization_list",
            "bi-diagram-3",
            order=780,
            permissions=("accounts.view_partyorganization",),
            group="manage",
        ),
    ]
    audit_actions = {"user_set_roles": _("设置角色")}
    audit_fields = {"roles": (_("角色"), Role)}

    def ready(self):
        post_migrate.connect(_sync_roles_after_migrate, dispatch_uid="accounts.sync_roles")
