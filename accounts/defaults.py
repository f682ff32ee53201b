"""Default data of accounts: the role groups and their permissions (core's load_defaults calls this)."""

from .services import sync_role_permissions


def load() -> str:
    counts = sync_role_permissions()
    return "角色权限：" + "，".join(f"{role} {count}" for role, count in counts.items())
