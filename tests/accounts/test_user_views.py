"""User pages per role: who may open them, what each manager may grant, the list's filters and query count,
passwords shown once and nowhere else, the audit history, the Django admin."""

import json
import re

import pytest
from django.contrib.messages import get_messages

from accounts.choices import DataScope
from accounts.models import User
from accounts.roles import Role
from core.models import AuditEntry
from tests.factories import UserFactory
from tests.utils import queries_for, unchanged_post_data

LIST = "/accounts/users/"
ROLES = ["admin", "staff", "district", "instructor", "leader", "scorer", "teamlead", "viewer", "outsider", "nobody"]
MANAGERS = {"admin", "staff"}


@pytest.fixture
def regional_staff(city):
    return UserFactory(username="t-staff-a", scope=DataScope.REGION, region=city.district_a, roles=[Role.STAFF])


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_user_pages(client, cast, role):
    client.force_login(getattr(cast, role))
    expected = 200 if role in MANAGERS else 403
    assert client.get(LIST).status_code == expected
    assert client.get("/accounts/users/new/").status_code == expected
    assert client.get("/accounts/users/import/").status_code == expected
    assert client.get(f"/accounts/users/{cast.viewer.pk}/").status_code == expected
    assert client.get(f"/accounts/users/{cast.viewer.pk}/edit/").status_code == expected
    assert client.post(f"/accounts/users/{cast.viewer.pk}/password/").status_code == expected
    nav = client.get("/").content.decode()
    assert ('href="/accounts/users/"' in nav) is (role in MANAGERS)


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.parametrize("target", ["admin", "staff"])
def test_staff_see_but_never_edit_administrators_and_staff(client, cast, target):
    client.force_login(cast.staff)
    person = getattr(cast, target)
    page = client.get(f"/accounts/users/{person.pk}/")
    assert page.status_code == 200 and f"/accounts/users/{person.pk}/edit/" not in page.content.decode()
    assert client.get(f"/accounts/users/{person.pk}/edit/").status_code == 403
    assert client.post(f"/accounts/users/{person.pk}/password/").status_code == 403
    assert client.post(f"/accounts/users/{person.pk}/deactivate/").status_code == 403
    person.refresh_from_db()
    assert person.is_active


def test_region_scoped_staff_list_only_their_subtree_and_others_are_404(client, cast, regional_staff):
    client.force_login(regional_staff)
    listed = {user.username for user in client.get(LIST).context["page_obj"].object_list}
    assert {"t-district", "t-leader", "t-staff-a"} <= listed
    assert not listed & {"t-outsider", "t-scorer", "t-instructor", "t-admin"}
    assert client.get(f"/accounts/users/{cast.outsider.pk}/").status_code == 404
    assert client.get(f"/accounts/users/{cast.outsider.pk}/edit/").status_code == 404


def test_the_form_offers_only_what_the_manager_may_grant(client, cast, regional_staff):
    client.force_login(cast.admin)
    form = client.get("/accounts/users/new/").context["form"]
    assert {code for code, _label in form.fields["roles"].choices} == set(Role.values)
    assert DataScope.CITY in dict(form.fields["scope"].choices)
    client.force_login(cast.staff)
    form = client.get("/accounts/users/new/").context["form"]
    assert {code for code, _label in form.fields["roles"].choices} == {
        "district",
        "instructor",
        "leader",
        "scorer",
        "teamlead",
        "viewer",
    }
    client.force_login(regional_staff)
    form = client.get("/accounts/users/new/").context["form"]
    assert DataScope.CITY not in dict(form.fields["scope"].choices)
    html = client.get("/accounts/users/new/").content.decode()
    assert 'data-picker="tree"' in html and "甲区" in html and "乙县" not in html


def test_a_posted_role_the_manager_may_not_grant_is_refused(client, cast):
    client.force_login(cast.staff)
    response = client.post(
        "/accounts/users/new/", {"username": "sneaky", "full_name": "某人", "roles": [Role.ADMIN], "scope": "city"}
    )
    assert response.status_code == 200 and not User.objects.filter(username="sneaky").exists()
    assert "roles" in response.context["form"].errors


def test_a_region_outside_the_scope_cannot_be_chosen(client, city, regional_staff):
    client.force_login(regional_staff)
    data = {"username": "b1", "full_name": "乙", "roles": ["district"], "scope": "region", "region": city.district_b.pk}
    response = client.post("/accounts/users/new/", data)
    assert "region" in response.context["form"].errors and not User.objects.filter(username="b1").exists()


def test_creating_a_user_shows_the_one_time_password_once_and_nowhere_else(client, cast, city):
    client.force_login(cast.staff)
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "liu.yang",
            "full_name": "刘洋",
            "phone": "139 1234 5678",
            "organization": city.org_a.pk,
            "roles": ["leader"],
            "scope": "assigned",
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = response.context["password"]
    html = response.content.decode()
    assert password in html and "首次登录时必须修改密码" in html
    assert all(password not in str(message) for message in get_messages(response.wsgi_request))
    assert all(password not in morsel.value for morsel in response.cookies.values())
    user = User.objects.get(username="liu.yang")
    assert user.check_password(password) and user.must_change_password and user.organization == city.org_a
    audit = json.dumps(list(AuditEntry.objects.values("changes", "reason", "object_repr")), ensure_ascii=False)
    assert password not in audit
    assert client.get(f"/accounts/users/{user.pk}/").content.decode().count(password) == 0


def test_phone_rule_applies(client, cast):
    client.force_login(cast.staff)
    response = client.post(
        "/accounts/users/new/",
        {"username": "bad.phone", "full_name": "某人", "phone": "12345", "roles": ["viewer"], "scope": "assigned"},
    )
    assert "phone" in response.context["form"].errors
    assert "不是有效的电话号码" in response.content.decode()


def test_saving_an_unchanged_user_form_records_nothing(client, cast, city):
    cast.leader.phone = "13800001234"
    cast.leader.save()
    client.force_login(cast.staff)
    form = client.get(f"/accounts/users/{cast.leader.pk}/edit/").context["form"]
    before = AuditEntry.objects.count()
    response = client.post(f"/accounts/users/{cast.leader.pk}/edit/", unchanged_post_data(form))
    assert response.status_code == 302
    assert AuditEntry.objects.count() == before


def test_an_edit_is_shown_in_the_users_history_in_words(client, cast, city):
    client.force_login(cast.staff)
    form = client.get(f"/accounts/users/{cast.district.pk}/edit/").context["form"]
    data = unchanged_post_data(form) | {"region": city.town_a.pk, "roles": ["district", "viewer"]}
    assert client.post(f"/accounts/users/{cast.district.pk}/edit/", data).status_code == 302
    html = client.get(f"/accounts/users/{cast.district.pk}/").content.decode()
    text = re.sub(r"<[^>]+>", "", html)
    assert "修改用户" in text and "甲区 → 甲区 · 甲镇" in text and "区县联络员 → 区县联络员、领导（只读）" in text
    assert "user_update" not in text


def test_reset_shows_the_password_on_the_response_only(client, cast):
    client.force_login(cast.staff)
    response = client.post(f"/accounts/users/{cast.scorer.pk}/password/")
    password = response.context["password"]
    assert password in response.content.decode() and "no-store" in response["Cache-Control"]
    assert all(password not in str(message) for message in get_messages(response.wsgi_request))
    cast.scorer.refresh_from_db()
    assert cast.scorer.check_password(password) and cast.scorer.must_change_password
    assert client.get(f"/accounts/users/{cast.scorer.pk}/password/").status_code == 405  # POST only


def test_deactivate_and_reactivate_from_the_page(client, cast):
    client.force_login(cast.staff)
    response = client.post(f"/accounts/users/{cast.teamlead.pk}/deactivate/", {"reason": "退休"})
    assert response.status_code == 302
    cast.teamlead.refresh_from_db()
    assert not cast.teamlead.is_active
    html = client.get(f"/accounts/users/{cast.teamlead.pk}/").content.decode()
    assert "已停用" in html and "停用账号" in html and "退休" in html
    client.post(f"/accounts/users/{cast.teamlead.pk}/reactivate/")
    cast.teamlead.refresh_from_db()
    assert cast.teamlead.is_active


def test_there_is_no_delete_anywhere(client, cast):
    client.force_login(cast.admin)
    html = client.get(f"/accounts/users/{cast.viewer.pk}/").content.decode()
    assert "删除" not in html
    assert client.get(f"/admin/accounts/user/{cast.viewer.pk}/delete/").status_code == 403
    assert client.post(
        "/admin/accounts/user/", {"action": "delete_selected", "_selected_action": [cast.viewer.pk]}
    ).status_code in (200, 302)
    assert User.objects.filter(pk=cast.viewer.pk).exists()


def test_staff_only_look_at_users_in_the_django_admin(client, cast):
    client.force_login(cast.staff)
    assert client.get(f"/admin/accounts/user/{cast.viewer.pk}/change/").status_code == 200
    response = client.post(
        f"/admin/accounts/user/{cast.viewer.pk}/change/", {"username": "t-viewer", "is_superuser": "on"}
    )
    assert response.status_code == 403
    assert client.get("/admin/accounts/user/add/").status_code == 403
    cast.viewer.refresh_from_db()
    assert not cast.viewer.is_superuser


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "t-sco"}, {"t-scorer"}),
        ({"role": "admin"}, {"t-admin"}),
        ({"role": "district"}, {"t-district", "t-outsider"}),
        ({"scope": "region"}, {"t-district", "t-outsider"}),
        ({"active": "0"}, {"t-viewer"}),
    ],
)
def test_list_filters(client, cast, params, expected):
    cast.viewer.is_active = False
    cast.viewer.save()
    client.force_login(cast.admin)
    listed = {user.username for user in client.get(LIST, params).context["page_obj"].object_list}
    assert listed == expected


def test_region_filter_takes_the_subtree(client, cast, city):
    client.force_login(cast.staff)
    listed = {user.username for user in client.get(LIST, {"region": city.district_a.pk}).context["page_obj"]}
    assert listed == {"t-district", "t-leader"}


def test_list_shows_roles_scope_region_organization_and_last_login(client, cast):
    client.force_login(cast.staff)
    html = client.get(LIST, {"q": "t-"}).content.decode()
    assert "区县联络员" in html and "所辖区域" in html and "甲区" in html
    assert "甲村党支部" in html and "从未登录" in html


def test_list_paginates_and_empty_says_what_to_do(client, cast):
    UserFactory.create_batch(35, roles=[Role.VIEWER])
    client.force_login(cast.staff)
    assert "第 2 / 2 页" in client.get(LIST, {"page": 2}).content.decode()
    html = client.get(LIST, {"q": "没有这个人"}).content.decode()
    assert "没有符合条件的用户" in html and "从 Excel 导入" in html


@pytest.mark.parametrize("who", ["admin", "regional"])
def test_list_query_count_is_constant_from_1_to_50_rows(client, cast, city, regional_staff, who):
    manager = cast.admin if who == "admin" else regional_staff
    client.force_login(manager)
    baseline = queries_for(client, LIST)
    for number in range(50):
        UserFactory(
            username=f"many{number}",
            organization=city.org_a,
            scope=DataScope.REGION if number % 2 else DataScope.ASSIGNED,
            region=city.town_a if number % 2 else None,
            roles=[Role.LEADER, Role.VIEWER],
        )
    assert queries_for(client, LIST) == baseline


def test_detail_query_count_does_not_grow_with_history(client, cast):
    client.force_login(cast.admin)
    url = f"/accounts/users/{cast.leader.pk}/"
    baseline = queries_for(client, url)
    for number in range(10):
        client.post(f"/accounts/users/{cast.leader.pk}/deactivate/", {"reason": str(number)})
        client.post(f"/accounts/users/{cast.leader.pk}/reactivate/")
    assert queries_for(client, url) == baseline


def test_what_lies_beyond_the_managers_reach_survives_an_unchanged_save(client, cast, city, regional_staff):
    cast.district.organization = city.org_b  # set by an administrator: outside district A
    cast.district.save()
    client.force_login(regional_staff)
    url = f"/accounts/users/{cast.district.pk}/edit/"
    form = client.get(url).context["form"]
    before = AuditEntry.objects.count()
    assert client.post(url, unchanged_post_data(form)).status_code == 302
    assert AuditEntry.objects.count() == before
    response = client.post(url, unchanged_post_data(form) | {"organization": city.org_city.pk})
    assert "organization" in response.context["form"].errors
