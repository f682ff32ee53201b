"""Login, lockout after repeated failures, logout and password change."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

LOGIN = "/accounts/login/"


@pytest.fixture
def person(db):
    return UserFactory(username="lily", full_name="李丽")


def test_login_page_has_username_and_password_in_chinese(client, db):
    response = client.get(LOGIN)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="username"' in html and 'name="password"' in html
    assert "用户名" in html and "密码" in html and "登录" in html


def test_login_with_right_password_goes_home(client, person):
    response = client.post(LOGIN, {"username": "lily", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get("/").status_code == 200


def test_wrong_password_shows_a_chinese_error(client, person):
    response = client.post(LOGIN, {"username": "lily", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_repeated_failures_lock_the_account_with_a_clear_message(client, person, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "lily", "password": "wrong"})
    # Even the right password is refused while locked.
    response = client.post(LOGIN, {"username": "lily", "password": PASSWORD})
    html = response.content.decode()
    assert response.status_code == 429
    assert "登录失败次数过多" in html and "15 分钟" in html
    assert 'name="username"' in html  # the page still offers the form
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_address_so_others_can_still_log_in(client, person, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "lily", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    response = client.post(LOGIN, {"username": "lily", "password": PASSWORD}, REMOTE_ADDR="10.0.0.10")
    assert response.status_code == 302


def test_failures_below_the_limit_do_not_lock(client, person, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(LOGIN, {"username": "lily", "password": "wrong"})
    assert client.post(LOGIN, {"username": "lily", "password": PASSWORD}).status_code == 302


def test_anonymous_users_are_sent_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_logout_is_a_post_and_ends_the_session(client, person):
    client.force_login(person)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_password_change(client, person):
    client.force_login(person)
    page = client.get("/accounts/password/")
    assert "修改密码" in page.content.decode()
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Ruby-lake-2027", "new_password2": "Ruby-lake-2027"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password("Ruby-lake-2027")


def test_password_change_rejects_a_weak_password_in_chinese(client, person):
    client.force_login(person)
    response = client.post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"}
    )
    assert response.status_code == 200
    assert "密码" in response.content.decode() and "太短" in response.content.decode()
