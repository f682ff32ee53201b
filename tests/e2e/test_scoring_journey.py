"""The scorer's day, on a phone (390×844): open an assigned site, score half the items, lose the network, score
the rest and take a photo, reload the page with no network (it opens from the service worker's copy with every
entry intact), get the network back, watch the sheet sync, submit. A second scorer of the team still sees only
their own sheet. Screenshots of every step go to test-artifacts/screenshots/scoring-*.png."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from evaluations.choices import SheetStatus
from evaluations.models import ItemScore, ScoreChange, ScoreSheet, SheetPhoto
from tests.archives import samples
from tests.e2e.conftest import ARGS, CHROMIUM, VIEWPORTS, login
from tests.evaluations.conftest import build_scoring
from tests.factories import PASSWORD


@pytest.fixture
def round_in_scoring(transactional_db, city, cast):
    """Six items (points, level, required presence, veto, two more points), two sites, one team of two scorers."""
    built = build_scoring(
        cast,
        city,
        more_items=[
            {"code": "SY-03", "title": "有规范的党建资料", "max_score": 2, "order": 3},
            {"code": "SY-04", "title": "有务实创新的载体活动", "max_score": 1, "order": 4},
        ],
        site_names=("杨柳村党建示范点", "石门镇党建示范点"),
    )
    return {
        "items": {item.code: item for item in built.items},
        "sheet": built.sheet,
        "second_sheet": built.sheet2,
        "second": built.scorer2,
        "site": built.site_a,
    }


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "活动室.jpg"
    path.write_bytes(samples.jpeg_with_gps())
    return path


def phone(browser):
    context = browser.new_context(viewport=VIEWPORTS["phone"], locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())
    return context, page


def scored(sheet) -> int:
    return ItemScore.objects.filter(sheet=sheet, score__isnull=False).count()


def test_a_sheet_scored_through_a_network_outage_syncs_and_submits(
    live_server, browser, round_in_scoring, cast, photo, screenshot_dir, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    assert live_server.url.startswith("http://localhost")  # a secure context: service workers run
    sheet = round_in_scoring["sheet"]
    shot = lambda page, name: page.screenshot(path=str(screenshot_dir / f"scoring-{name}-phone.png"))  # noqa: E731
    context, page = phone(browser)
    login(page, live_server.url, cast.scorer.username, PASSWORD)

    # The scorer's list: their assigned sites; they open one.
    page.goto(f"{live_server.url}/evaluations/mine/")
    expect(page.locator(".my-sheet")).to_have_count(2)
    shot(page, "01-my-sheets")
    page.click("text=杨柳村党建示范点")
    expect(page.locator("h1")).to_have_text("杨柳村党建示范点")
    expect(page.locator("[data-net]")).to_contain_text("在线")
    # Kept on the phone for offline use (the service worker answers once the page and its assets are stored).
    expect(page.locator("[data-score-sheet]")).to_have_attribute("data-offline-ready", "yes", timeout=15000)
    shot(page, "02-sheet")

    expect(page.locator("article.sheet-item")).to_have_count(6)
    item = lambda code: page.locator(f"#item-{round_in_scoring['items'][code].pk}")  # noqa: E731
    # Half the items online: a stepper, a level, a present/absent decision with a remark.
    item("SY-01").locator("[data-step='1']").click()  # an unscored item starts from its maximum: 5
    item("SY-01").locator("[data-step='-1']").click()  # 4.5
    item("SY-02").locator("[data-level='较好']").click()
    item("LY-01").locator("[data-present='true']").click()
    item("LY-01").locator("[data-remark]").fill("标识牌醒目")
    item("LY-01").locator("[data-remark]").blur()
    expect(page.locator("[data-net]")).to_contain_text("在线 · 已全部保存")
    assert scored(sheet) == 3
    assert ItemScore.objects.get(sheet=sheet, item__code="SY-01").score == Decimal("4.5")
    assert ItemScore.objects.get(sheet=sheet, item__code="LY-01").remark == "标识牌醒目"
    expect(page.locator("[data-total]").first).to_have_text("8.9")  # 4.5 + 2.4 (较好 of 3) + 2
    shot(page, "03-half-scored")

    # The network drops: the page says so and keeps working.
    context.set_offline(True)
    expect(page.locator("[data-net]")).to_contain_text("离线")
    item("FJ-01").locator("[data-present='true']").click()
    item("SY-03").locator("[data-points]").select_option("1.50")
    item("SY-04").locator("[data-step='1']").click()
    item("SY-01").locator("[data-photo-input]").set_input_files(str(photo))
    expect(page.locator("[data-net]")).to_contain_text("离线 · 4 项待同步")
    expect(item("SY-01").locator(".sheet-thumb-pending")).to_have_count(1)
    expect(page.locator("[data-next-unscored]")).to_be_disabled()  # every item has a value
    assert scored(sheet) == 3 and not SheetPhoto.objects.exists()
    shot(page, "04-offline")

    # A reload with no network: the page comes from the service worker, every entry is still there.
    response = page.reload()
    assert response is not None and response.from_service_worker
    expect(page.locator("[data-net]")).to_contain_text("离线 · 4 项待同步")
    expect(item("SY-01").locator("[data-points]")).to_have_value("4.50")
    expect(item("SY-02").locator("[data-level='较好']")).to_have_attribute("aria-pressed", "true")
    expect(item("LY-01").locator("[data-remark]")).to_have_value("标识牌醒目")
    expect(item("FJ-01").locator("[data-present='true']")).to_have_attribute("aria-pressed", "true")
    expect(item("SY-03").locator("[data-points]")).to_have_value("1.50")
    expect(item("SY-04").locator("[data-points]")).to_have_value("1.00")
    expect(item("SY-01").locator(".sheet-thumb-pending")).to_have_count(1)
    expect(page.locator("[data-total]").first).to_have_text("11.4")
    expect(page.locator("[data-scored]").first).to_have_text("6")
    shot(page, "05-offline-reload")

    # The network is back: the queue syncs in order, the photo goes up, nothing is lost or doubled.
    context.set_offline(False)
    expect(page.locator("[data-net]")).to_contain_text("在线 · 已全部保存", timeout=30000)
    expect(item("SY-01").locator(".sheet-thumb-pending")).to_have_count(0)
    expect(item("SY-01").locator("[data-photos] img")).to_have_count(1)
    assert scored(sheet) == 6
    assert SheetPhoto.objects.filter(sheet=sheet).count() == 1
    sheet.refresh_from_db()
    assert sheet.total == Decimal("11.4") and sheet.scored_count == 6 and sheet.version == 8
    shot(page, "06-synced")

    page.click("button:has-text('提交评分表')")
    expect(page.locator(".alert-success")).to_contain_text("评分表已提交")
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.SUBMITTED
    expect(page.locator("[data-points]")).to_have_count(0)
    shot(page, "07-submitted")
    assert page.console_errors == []

    # The second scorer of the team: only their own sheet, and the first scorer's address is a 404 to them.
    other_context, other = phone(browser)
    login(other, live_server.url, round_in_scoring["second"].username, PASSWORD)
    other.goto(f"{live_server.url}/evaluations/mine/")
    expect(other.locator(".my-sheet")).to_have_count(2)
    own = round_in_scoring["second_sheet"]
    assert other.locator(f"a[href='/evaluations/sheets/{own.pk}/']").count() == 1
    assert other.locator(f"a[href='/evaluations/sheets/{sheet.pk}/']").count() == 0
    shot(other, "08-second-scorer")
    response = other.goto(f"{live_server.url}/evaluations/sheets/{sheet.pk}/")
    assert response.status == 404
    shot(other, "09-second-scorer-404")
    assert ScoreSheet.objects.get(pk=own.pk).status == SheetStatus.NOT_STARTED
    other_context.close()
    context.close()


def test_a_sheet_opened_once_opens_offline_after_the_browser_restarts(
    live_server, browser, round_in_scoring, cast, screenshot_dir, tmp_path
):
    """The phone's browser is closed with a change still queued and reopened with no network: the sheet opens from
    the service worker's copy, with the synced value and the queued one; the queue syncs when the network is back,
    and the change counts once.

    (Closing a browser lifts its offline emulation for a moment while the page still runs, so the queued change may
    leave then, its answer lost with the page: it stays queued on the phone and is answered "duplicate" later.)"""
    sheet, items = round_in_scoring["sheet"], round_in_scoring["items"]
    profile = tmp_path / "phone-profile"
    address = f"{live_server.url}/evaluations/sheets/{sheet.pk}/"

    def start():
        context = browser.browser_type.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            args=ARGS,
            viewport=VIEWPORTS["phone"],
            locale="zh-CN",
            is_mobile=True,
            has_touch=True,
        )
        page = context.pages[0] if context.pages else context.new_page()
        page.console_errors = []
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        return context, page

    context, page = start()
    login(page, live_server.url, cast.scorer.username, PASSWORD)
    page.goto(address)
    expect(page.locator("[data-score-sheet]")).to_have_attribute("data-offline-ready", "yes", timeout=15000)
    page.locator(f"#item-{items['SY-01'].pk} [data-points]").select_option("3.50")
    expect(page.locator("[data-net]")).to_contain_text("已全部保存")
    context.set_offline(True)
    page.locator(f"#item-{items['LY-01'].pk} [data-present='false']").click()
    expect(page.locator("[data-net]")).to_contain_text("离线 · 1 项待同步")
    # Once the change is on the device's disk (a phone closing the browser a few milliseconds after the tap is
    # not what this journey tests), the browser is closed (or the phone restarts).
    expect(page.locator("[data-score-sheet]")).to_have_attribute("data-stored-changes", "2")  # SY-01, then LY-01
    context.close()

    context, page = start()
    context.set_offline(True)
    response = page.goto(address)
    assert response is not None and response.from_service_worker
    # Closing the browser lifts the harness's offline emulation for a moment, so the queued change may have left
    # then: either it is still waiting, or it is saved; either way it counts once (checked below).
    expect(page.locator("[data-net]")).to_contain_text(re.compile(r"离线 · (1 项待同步|已全部保存)"))
    expect(page.locator(f"#item-{items['SY-01'].pk} [data-points]")).to_have_value("3.50")
    expect(page.locator(f"#item-{items['LY-01'].pk} [data-present='false']")).to_have_attribute("aria-pressed", "true")
    page.screenshot(path=str(screenshot_dir / "scoring-10-after-restart-offline-phone.png"))
    context.set_offline(False)
    expect(page.locator("[data-net]")).to_contain_text("在线 · 已全部保存", timeout=30000)
    assert ItemScore.objects.get(sheet=sheet, item=items["LY-01"]).present is False
    assert ScoreChange.objects.filter(sheet=sheet, item=items["LY-01"]).count() == 1
    assert ItemScore.objects.get(sheet=sheet, item=items["SY-01"]).score == Decimal("3.5")
    assert page.console_errors == []
    context.close()


def test_a_change_made_on_an_outdated_sheet_is_shown_as_unsaved_until_the_scorer_decides(
    live_server, browser, round_in_scoring, cast, screenshot_dir
):
    """Two phones of one scorer: the second changes an item the first still shows with its old value. The first
    phone's change is refused as stale and listed under 未保存的修改 with the server's value; 改用我的值 applies it."""
    sheet, items = round_in_scoring["sheet"], round_in_scoring["items"]
    address = f"{live_server.url}/evaluations/sheets/{sheet.pk}/"
    points = f"#item-{items['SY-01'].pk} [data-points]"
    phones = []
    for _n in range(2):
        context, page = phone(browser)
        login(page, live_server.url, cast.scorer.username, PASSWORD)
        page.goto(address)
        phones.append((context, page))
    first, second = phones[0][1], phones[1][1]
    second.locator(points).select_option("2.00")
    expect(second.locator("[data-net]")).to_contain_text("已全部保存")
    first.locator(points).select_option("4.00")
    box = first.locator("[data-rejected-box]")
    expect(box).to_be_visible()
    expect(box).to_contain_text("SY-01")
    expect(box).to_contain_text("您的修改：4 分")
    expect(box).to_contain_text("服务器上的值：2 分")
    expect(first.locator(points)).to_have_value("2.00")
    expect(first.locator("[data-rejected-jump]")).to_have_text("1 项未保存")
    first.screenshot(path=str(screenshot_dir / "scoring-11-unsaved-phone.png"))
    assert ItemScore.objects.get(sheet=sheet, item=items["SY-01"]).score == Decimal("2")
    box.locator("button:has-text('改用我的值')").click()
    expect(first.locator("[data-net]")).to_contain_text("已全部保存")
    expect(box).to_be_hidden()
    expect(first.locator(points)).to_have_value("4.00")
    assert ItemScore.objects.get(sheet=sheet, item=items["SY-01"]).score == Decimal("4")
    assert first.console_errors == [] and second.console_errors == []
    for context, _page in phones:
        context.close()
