"""Friendly error pages, the home page for every role, and navigation that follows the role."""

import pytest
from django.template.loader import render_to_string


@pytest.mark.parametrize(
    "role", ["admin", "staff", "district", "instructor", "leader", "scorer", "teamlead", "viewer", "outsider", "nobody"]
)
def test_home_page_for_every_role(client, cast, role):
    user = getattr(cast, role)
    client.force_login(user)
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert user.full_name in html
    if role == "nobody":
        assert "还没有分配角色" in html


def test_home_counts_follow_the_scope(client, cast):
    client.force_login(cast.district)
    response = client.get("/")
    assert response.context["organization_total"] == 2
    client.force_login(cast.staff)
    assert client.get("/").context["organization_total"] == 4


def test_navigation_follows_the_role(client, cast):
    client.force_login(cast.admin)
    admin_html = client.get("/").content.decode()
    assert "系统状态" in admin_html and "管理后台" in admin_html and "党组织" in admin_html
    client.force_login(cast.leader)
    leader_html = client.get("/").content.decode()
    assert "系统状态" not in leader_html and "管理后台" not in leader_html
    assert "党组织" in leader_html


def test_breadcrumbs_on_inner_pages(client, cast):
    client.force_login(cast.staff)
    html = client.get("/accounts/organizations/").content.decode()
    assert 'class="breadcrumb' in html and 'aria-current="page">党组织' in html


def test_404_is_friendly_and_chinese(client, cast):
    client.force_login(cast.staff)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_403_is_friendly_and_chinese(client, cast):
    client.force_login(cast.leader)
    response = client.get("/system/")
    assert response.status_code == 403
    assert "没有权限" in response.content.decode()


def test_500_page_stands_alone():
    html = render_to_string("500.html")
    assert "系统出错了" in html and "返回首页" in html


def test_500_handler_renders_the_page(client, cast, settings):
    from unittest import mock

    client.raise_request_exception = False
    client.force_login(cast.staff)
    with mock.patch("dashboards.views.organizations_visible_to", side_effect=RuntimeError("boom")):
        response = client.get("/")
    assert response.status_code == 500
    assert "系统出错了" in response.content.decode()


def test_home_query_count_is_constant_as_organizations_grow(client, cast, city):
    from tests.factories import PartyOrganizationFactory
    from tests.utils import queries_for

    client.force_login(cast.district)
    baseline = queries_for(client, "/")
    PartyOrganizationFactory.create_batch(50, region=city.village_a)
    assert queries_for(client, "/") == baseline


def test_notifications_show_in_the_bell_and_are_read_one_by_one(client, cast):
    from core.services import notify

    note = notify(recipient=cast.leader, title="材料被退回：方案", body="缺少盖章页", url="/sites/")
    client.force_login(cast.leader)
    assert 'class="badge badge-gold">1<' in client.get("/").content.decode()
    html = client.get("/notifications/").content.decode()
    assert "材料被退回：方案" in html and "缺少盖章页" in html
    assert 'class="badge badge-gold">1<' in client.get("/").content.decode()  # looking is not reading
    assert client.get(f"/notifications/{note.pk}/")["Location"] == "/sites/"
    assert 'class="badge badge-gold">1<' not in client.get("/").content.decode()
    client.force_login(cast.staff)
    assert "材料被退回：方案" not in client.get("/notifications/").content.decode()


def test_secondary_pages_share_one_menu_so_the_header_stays_one_line(client, cast):
    from core.navigation import header_navigation

    bar, menu = header_navigation(cast.admin)
    assert {item.url_name for item in menu} >= {"core:system_status", "admin:index", "archives:ledgers"}
    assert all(item.group != "manage" for item in bar)
    client.force_login(cast.admin)
    html = client.get("/").content.decode()
    assert 'class="dropdown-menu"' in html and "/system/" in html
    viewer_bar, viewer_menu = header_navigation(cast.viewer)  # a menu of one item is no menu
    assert viewer_menu == [] and "accounts:organization_list" in {item.url_name for item in viewer_bar}
