"""Browser tests: Playwright driving Debian's Chromium against the live test server.

Never downloads a browser. Without /usr/bin/chromium the tests are skipped, unless REQUIRE_BROWSER=1
(as in .ci/run), where a missing browser is a failure.
"""

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
DEMO_PASSWORD = "Demo-e2e-2026"


def pytest_collection_modifyitems(config, items):
    missing = not Path(CHROMIUM).exists() and os.environ.get("REQUIRE_BROWSER") != "1"
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if missing:
                item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} is not installed: apt-get install chromium"))


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():  # only reached with REQUIRE_BROWSER=1 (see above)
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run beside one
    # unless told. Only for as long as the browser is open.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def demo_city(transactional_db, settings):
    settings.DEBUG = True  # seed_demo refuses otherwise; the live server's pages are unaffected
    call_command("seed_demo", password=DEMO_PASSWORD, without_materials=True, without_rounds=True, stdout=StringIO())
    settings.DEBUG = False


@pytest.fixture
def screenshot_dir():
    path = ARTIFACTS / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(params=list(VIEWPORTS))
def page_factory(request, browser):
    """Make pages at one viewport (the test runs once per viewport); collect console errors (CSP too)."""
    contexts = []
    size = request.param

    def make():
        context = browser.new_context(
            viewport=VIEWPORTS[size], locale="zh-CN", is_mobile=size == "phone", has_touch=size == "phone"
        )
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
        page.size = size
        return page

    yield make
    for context in contexts:
        context.close()


def login(page, base_url, username, password=DEMO_PASSWORD):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
