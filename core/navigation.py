"""Role-aware navigation without core knowing the apps.

Each app declares `navigation = [NavItem(...)]` on its AppConfig; the context processor collects the items
the current user may see. An item is shown when the user holds any of its permissions (or it has none) and its
`when` test passes.

The header is drawn on every page, so what it asks of the database is asked once: every item's test that needs
a query, every badge and the unread notifications are counted together in one query (core.counting), the first
time a page's template looks at the menu, and kept on the request.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse

from .counting import count_rows


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str = "bi-circle"
    order: int = 100
    permissions: tuple[str, ...] = field(default_factory=tuple)
    # Extra test on the user, for what permissions cannot say (e.g. "has an own site"): user -> a bool, or a
    # queryset (the item is shown when it has a row), which is asked together with the other items' in one query.
    when: Callable | None = None
    # "manage": listed under the header's 管理 menu rather than in the bar, so the bar fits on one line
    # (in English too) however many registers and settings pages the apps add.
    group: str = ""
    # A count shown beside the label (work waiting for the user): user -> the queryset whose rows are counted.
    badge: Callable | None = None
    # Past this many rows the badge shows "999+" (counting further is a menu's waste).
    badge_cap: int | None = None

    @property
    def url(self) -> str:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return "#"


@dataclass
class Menu:
    """What the header shows one user: every item they may see (in order), the badges' counts by URL name, and
    how many notifications they have not read."""

    items: list[NavItem]
    badges: dict[str, int | str]
    unread: int

    def header(self) -> tuple[list[NavItem], list[NavItem]]:
        """(the bar's items, the 管理 menu's items); a menu of one item is no menu: it joins the bar."""
        menu = [item for item in self.items if item.group == "manage"]
        if len(menu) <= 1:
            return self.items, []
        return [item for item in self.items if item.group != "manage"], menu


UNREAD = "unread"


def menu_for(user) -> Menu:
    """The user's menu, with one query for everything the items' tests, the badges and the bell need."""
    if user is None or not user.is_authenticated:
        return Menu([], {}, 0)
    shown, pending = [], {}
    for item in (item for config in apps.get_app_configs() for item in getattr(config, "navigation", ())):
        if item.permissions and not any(user.has_perm(p) for p in item.permissions):
            continue
        test = True if item.when is None else item.when(user)
        if isinstance(test, QuerySet):
            pending[item.url_name] = test
        elif not test:
            continue
        shown.append(item)
    named = {f"when:{name}": test for name, test in pending.items()}
    limits = dict.fromkeys(named, 1)
    for item in shown:
        if item.badge is not None:
            named[f"badge:{item.url_name}"] = item.badge(user)
            if item.badge_cap is not None:
                limits[f"badge:{item.url_name}"] = item.badge_cap + 1
    named[UNREAD] = user.notifications.filter(read_at__isnull=True)
    counts = count_rows(named, limits)
    items = sorted(
        (item for item in shown if item.url_name not in pending or counts[f"when:{item.url_name}"]),
        key=lambda item: item.order,
    )
    badges = {}
    for item in items:
        if item.badge is not None:
            count, cap = counts[f"badge:{item.url_name}"], item.badge_cap
            badges[item.url_name] = f"{cap}+" if cap is not None and count > cap else count
    return Menu(items, badges, counts[UNREAD])


def request_menu(request) -> Menu:
    """menu_for(request.user), worked out once per request however many templates draw the header."""
    menu = getattr(request, "_menu", None)
    if menu is None:
        menu = request._menu = menu_for(getattr(request, "user", None))
    return menu


def navigation_for(user) -> list[NavItem]:
    return menu_for(user).items


def header_navigation(user) -> tuple[list[NavItem], list[NavItem]]:
    """(the bar's items, the 管理 menu's items); a menu of one item is no menu: it joins the bar."""
    return menu_for(user).header()
