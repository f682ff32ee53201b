"""A one-time password must be changed before anything else, into something else."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from accounts import services
from accounts.middleware import PasswordChangeRequiredMiddleware
from accounts.roles import Role

PASSWORD_PAGE = "/accounts/password/"


@pytest.fixture
def newcomer(cast, city):
    user, password = services.user_create(
        by=cast.staff, username="newbie", full_name="新人", roles=[Role.LEADER], organization=city.org_a
    )
    return user, password


def log_in(client, username, password):
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302
    return response


@pytest.mark.parametrize("path", ["/", "/sites/", "/accounts/organizations/", "/notifications/", "/admin/"])
def test_every_page_leads_to_the_password_change_first(client, newcomer, path):
    user, password = newcomer
    log_in(client, user.username, password)
    response = client.get(path)
    assert response.status_code == 302 and response.url == PASSWORD_PAGE


def test_the_password_page_explains_why_in_chinese(client, newcomer):
    user, password = newcomer
    log_in(client, user.username, password)
    html = client.get(PASSWORD_PAGE).content.decode()
    assert "一次性密码" in html and "才能使用系统的其他功能" in html


def test_logout_and_static_files_are_not_held_back(rf: RequestFactory, newcomer):
    user, _password = newcomer
    middleware = PasswordChangeRequiredMiddleware(lambda request: HttpResponse("ok"))
    for path, passes in [
        ("/static/css/app.css", True),
        ("/accounts/logout/", True),
        ("/accounts/password/done/", True),
        ("/sites/", False),
    ]:
        request = rf.get(path)
        request.user = user
        assert (middleware(request).status_code == 200) is passes, path


def test_logout_works_for_a_user_who_must_change(client, newcomer):
    user, password = newcomer
    log_in(client, user.username, password)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and "_auth_user_id" not in client.session


def test_the_new_password_must_differ_from_the_one_time_one(client, newcomer):
    user, password = newcomer
    log_in(client, user.username, password)
    response = client.post(
        PASSWORD_PAGE, {"old_password": password, "new_password1": password, "new_password2": password}
    )
    assert response.status_code == 200 and "不能与当前密码" in response.content.decode()
    user.refresh_from_db()
    assert user.must_change_password


def test_a_successful_change_clears_the_flag_and_opens_the_system(client, newcomer):
    user, password = newcomer
    log_in(client, user.username, password)
    response = client.post(
        PASSWORD_PAGE,
        {"old_password": password, "new_password1": "Lotus-pond-2027", "new_password2": "Lotus-pond-2027"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password("Lotus-pond-2027")
    assert client.get("/").status_code == 200  # still logged in, and free to go


def test_a_reset_sends_a_user_back_to_the_password_page(client, cast):
    password = services.user_reset_password(by=cast.admin, user=cast.viewer)
    log_in(client, "t-viewer", password)
    assert client.get("/").url == PASSWORD_PAGE


def test_users_without_the_flag_are_not_disturbed(client, cast):
    client.force_login(cast.viewer)
    assert client.get("/").status_code == 200
    html = client.get(PASSWORD_PAGE).content.decode()
    assert "才能使用系统的其他功能" not in html and "取消" in html
