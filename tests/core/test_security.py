"""Security headers on every page, CSP with nonces, and no inline script anywhere."""

import re

import pytest

PAGES = ["/accounts/login/", "/", "/accounts/organizations/", "/system/", "/accounts/password/"]


def get_page(client, cast, url):
    """GET a page as an administrator; the login page as a visitor, since a logged-in user skips it."""
    if url != "/accounts/login/":
        client.force_login(cast.admin)
    return client.get(url)


@pytest.mark.parametrize("url", PAGES)
def test_security_headers(client, cast, url):
    response = get_page(client, cast, url)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert re.search(r"script-src 'self' 'nonce-[\w+/=-]+'", csp)
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("url", PAGES)
def test_pages_have_no_inline_scripts_or_styles_and_no_cdn(client, cast, url):
    html = get_page(client, cast, url).content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, f"inline script on {url}: {tag}"
        assert re.search(r'src="/static/', tag), f"script not served from static/: {tag}"
    assert "<style" not in html
    assert not re.search(r'\sstyle="', html), f"style attribute on {url}"
    assert not re.search(r'(src|href)="(https?:)?//', html), f"external asset on {url}"


def test_nonce_changes_per_request(client, cast):
    first = get_page(client, cast, "/")["Content-Security-Policy"]
    second = get_page(client, cast, "/")["Content-Security-Policy"]
    assert first != second


def test_session_cookie_is_http_only(client, cast):
    from tests.factories import PASSWORD

    response = client.post("/accounts/login/", {"username": cast.staff.username, "password": PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
