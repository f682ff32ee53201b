from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem

from .roles import Role


def _sync_roles_after_migrate(sender, using="default", **kwargs):
    # Permissions of models added by later migrations exist only after migrate (auth creates them in its own
    # post_migrate, app by app), so roles are re-synced after each app's; it is a handful of queries.
    from .services import sync_role_permissions

    sync_role_permissions()


def _manages_users(user):
    from .permissions import may_manage_users

    return may_manage_users(user)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("用户与组织")
    navigation = [
        NavItem(
            _("用户"),
            "accounts:user_list",
            "bi-people",
            order=770,
            permissions=("accounts.change_user",),
            when=_manages_users,
            group="manage",
        ),
        NavItem(
            _("党组织"),
            "accounts:organization_list",
            "bi-diagram-3",
            order=780,
            permissions=("accounts.view_partyorganization",),
            group="manage",
        ),
    ]
    audit_actions = {
        "user_set_roles": _("设置角色"),
        "user_create": _("新建用户"),
        "user_import": _("从 Excel 导入用户"),
        "user_update": _("修改用户"),
        "user_deactivate": _("停用账号"),
        "user_reactivate": _("重新启用账号"),
        "user_reset_password": _("重置密码"),
        "organization_create": _("新建党组织"),
        "organization_update": _("修改党组织"),
    }
    audit_fields = {"roles": (_("角色"), Role), "moved_sites": (_("随之调整的示范点数"), None)}

    def ready(self):
        post_migrate.connect(_sync_roles_after_migrate, dispatch_uid="accounts.sync_roles")
        from .scope import note_write

        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(note_write, dispatch_uid=f"accounts.scope.{id(signal)}")
