"""The header's menu on every page: one query for every item's test, the badges and the bell (issue 12), and the
same items for every role as each item's own test gives."""

import pytest
from django.apps import apps
from django.db.models import QuerySet

from accounts.models import User
from core.models import Notification
from core.navigation import menu_for
from sites.choices import GroupRole
from sites.models import CreationGroupMember
from tests.factories import AssignmentSiteFactory, RectificationFactory, SiteFactory

ROLES = ["admin", "staff", "district", "instructor", "leader", "scorer", "teamlead", "viewer", "outsider", "nobody"]


def one_by_one(user) -> tuple[list[str], dict]:
    """The menu as each item decides it alone, one query per test and per badge (what the header did before)."""
    shown, badges = [], {}
    for item in (item for config in apps.get_app_configs() for item in getattr(config, "navigation", ())):
        if item.permissions and not any(user.has_perm(p) for p in item.permissions):
            continue
        test = True if item.when is None else item.when(user)
        if isinstance(test, QuerySet):
            test = test.exists()
        if not test:
            continue
        shown.append(item)
        if item.badge is not None:
            badges[item.url_name] = item.badge(user).count()
    return [item.url_name for item in sorted(shown, key=lambda item: item.order)], badges


@pytest.fixture
def work(city, cast):
    """Something in every menu test's way: the leader's site with a published task and an open item, the
    instructor on it, an unread notification."""
    site = SiteFactory(organization=city.org_a)
    CreationGroupMember.objects.create(site=site, role=GroupRole.LEADER, name="组长", user=cast.leader)
    site.instructors.add(cast.instructor)
    AssignmentSiteFactory(site=site, assignment__status="published")
    RectificationFactory(site=site)
    Notification.objects.create(recipient=cast.leader, title="新任务")
    return site


@pytest.mark.parametrize("role", ROLES)
def test_the_menu_is_one_query_with_the_items_each_test_gives(cast, work, role, django_assert_num_queries):
    user = User.objects.get(pk=getattr(cast, role).pk)
    expected, badges = one_by_one(user)  # also reads the user's grants and scope, as the page has by then
    with django_assert_num_queries(1):
        menu = menu_for(user)
    assert [item.url_name for item in menu.items] == expected
    assert menu.badges == badges
    assert menu.unread == Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def test_a_page_draws_the_menu_with_one_query_however_many_templates_ask(client, cast, work):
    client.force_login(cast.leader)
    html = client.get(f"/sites/{work.pk}/").content.decode()
    assert "我的任务" in html and 'aria-label="通知"' in html
    queries = _captured(client, f"/sites/{work.pk}/")
    menu_queries = [query for query in queries if 'AS "key"' in query and "core_notification" in query]
    assert len(menu_queries) == 1


def _captured(client, url) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in context.captured_queries]


def test_no_menu_query_for_someone_signed_out(db, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    with django_assert_num_queries(0):
        assert menu_for(AnonymousUser()).items == []
