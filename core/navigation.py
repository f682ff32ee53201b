"""Role-aware navigation without core knowing the apps.

Each app declares `navigation = [NavItem(...)]` on its AppConfig; the context processor collects the items
the current user may see. An item is shown when the user holds any of its permissions (or it has none).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str = "bi-circle"
    order: int = 100
    permissions: tuple[str, ...] = field(default_factory=tuple)
    # Extra test on the user, for what permissions cannot say (e.g. "has an own site").
    when: Callable | None = None
    # "manage": listed under the header's 管理 menu rather than in the bar, so the bar fits on one line
    # (in English too) however many registers and settings pages the apps add.
    group: str = ""
    # A count shown beside the label (work waiting for the user): user -> int, run when the menu is drawn.
    badge: Callable | None = None

    def visible_to(self, user) -> bool:
        if not user.is_authenticated:
            return False
        if self.permissions and not any(user.has_perm(p) for p in self.permissions):
            return False
        return self.when is None or bool(self.when(user))

    @property
    def url(self) -> str:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return "#"


def navigation_for(user) -> list[NavItem]:
    items = [item for config in apps.get_app_configs() for item in getattr(config, "navigation", ())]
    return sorted((item for item in items if item.visible_to(user)), key=lambda item: item.order)


def header_navigation(user) -> tuple[list[NavItem], list[NavItem]]:
    """(the bar's items, the 管理 menu's items); a menu of one item is no menu: it joins the bar."""
    items = navigation_for(user)
    menu = [item for item in items if item.group == "manage"]
    if len(menu) <= 1:
        return items, []
    return [item for item in items if item.group != "manage"], menu
