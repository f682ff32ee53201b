"""The results, from publication to the plaque: staff publish a scored round; the site's leader reads the
published list on her phone and objects with a file; staff answer; when the period is over staff finalize; the
site's page shows its new state and its radar chart; the administrator downloads the ranking workbook and the
certificates. Screenshots of every step go to test-artifacts/screenshots/results-*.png, and the certificate's
first page is rendered to results-certificate.png."""

import shutil
import subprocess
from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from evaluations.choices import ObjectionStatus, RoundStatus
from evaluations.models import Finalization, Objection
from evaluations.results import round_results
from sites.choices import SiteState
from tests.archives import samples
from tests.e2e.conftest import VIEWPORTS, login
from tests.evaluations.conftest import build_scored
from tests.evaluations.publishing import LOW_B, end_period, scaled
from tests.factories import PASSWORD


@pytest.fixture
def scored_round(transactional_db, city, cast):
    """Site A (a creating unit, the cast leader's) passes; site B (formal) scores 6.4 of 10 and fails."""
    return scaled(build_scored(cast, city, {("b", 0): LOW_B, ("b", 1): LOW_B}))


def _context(browser, size):
    context = browser.new_context(
        viewport=VIEWPORTS[size], locale="zh-CN", is_mobile=size == "phone", has_touch=size == "phone"
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())  # every confirmation is accepted
    return context, page


def test_publish_object_answer_finalize_and_download(
    live_server, browser, scored_round, cast, screenshot_dir, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    round_, base = scored_round.round, live_server.url
    shot = lambda page, name: page.screenshot(path=str(screenshot_dir / f"results-{name}.png"), full_page=True)  # noqa: E731

    # Staff check the results and publish them.
    staff_context, staff = _context(browser, "desktop")
    login(staff, base, cast.staff.username, PASSWORD)
    staff.goto(f"{base}/evaluations/{round_.pk}/results/")
    expect(staff.locator("main")).to_contain_text(scored_round.site_a.name)
    shot(staff, "01-results-desktop")
    staff.goto(f"{base}/evaluations/{round_.pk}/publish/")
    staff.click("button:has-text('发布公示')")
    staff.wait_for_load_state("networkidle")
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PUBLISHED

    # The leader reads the published list on her phone and objects, with a photo as evidence.
    leader_context, leader = _context(browser, "phone")
    login(leader, base, cast.leader.username, PASSWORD)
    leader.goto(f"{base}/evaluations/{round_.pk}/published/")
    expect(leader.locator("main")).to_contain_text(scored_round.site_a.name)
    expect(leader.locator("main")).not_to_contain_text(scored_round.site_b.name)  # not her site
    shot(leader, "02-published-phone")
    leader.click("text=提出异议")
    leader.fill("textarea[name=text]", "SY-02 活动室已于考评前完成改造，请复核等次。")
    photo = tmp_path / "活动室.jpg"
    photo.write_bytes(samples.jpeg_with_gps())
    leader.set_input_files("input[name=files]", str(photo))
    shot(leader, "03-objection-phone")
    leader.click("button:has-text('提交异议')")
    leader.wait_for_load_state("networkidle")
    objection = Objection.objects.get(entry__round=round_)
    assert objection.status == ObjectionStatus.OPEN and objection.files.count() == 1

    # Finalizing is refused while the objection is open.
    end_period(round_)
    staff.goto(f"{base}/evaluations/{round_.pk}/finalize/")
    expect(staff.locator("main")).to_contain_text("异议")
    assert (
        staff.locator("button:has-text('确认定案')").count() == 0
        or staff.locator("button:has-text('确认定案')").is_disabled()
    )

    # Staff answer the objection (rejected, with the reason).
    staff.goto(f"{base}/evaluations/objections/{objection.pk}/")
    staff.check("input[name=upheld][value='0']")
    staff.fill("textarea[name=answer]", "经验收组复核现场照片，等次评定无误，维持原结果。")
    shot(staff, "04-answer-desktop")
    staff.click("button:has-text('提交答复')")
    staff.wait_for_load_state("networkidle")
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.REJECTED

    # Staff finalize: every outcome applied at once.
    staff.goto(f"{base}/evaluations/{round_.pk}/finalize/")
    shot(staff, "05-finalize-desktop")
    staff.click("button:has-text('确认定案')")
    staff.wait_for_load_state("networkidle")
    round_.refresh_from_db()
    assert round_.status == RoundStatus.FINALIZED
    scored_round.site_a.refresh_from_db()
    scored_round.site_b.refresh_from_db()
    assert scored_round.site_a.state == SiteState.FORMAL and scored_round.site_b.state == SiteState.ELIMINATED
    finalization = Finalization.objects.get(round=round_)
    assert list(finalization.batch.sites.all()) == [scored_round.site_a]

    # The leader's site page: its new state, and its scores against its domain's average on a radar chart.
    leader.goto(f"{base}/sites/{scored_round.site_a.pk}/")
    expect(leader.locator("main")).to_contain_text("正式示范点")
    expect(leader.locator(".radar-chart canvas, [data-radar] canvas").first).to_be_visible()
    shot(leader, "06-site-phone")

    # The administrator downloads the ranking workbook and the certificates.
    admin_context, admin = _context(browser, "desktop")
    login(admin, base, cast.admin.username, PASSWORD)
    admin.goto(f"{base}/evaluations/{round_.pk}/")
    admin.click("text=排名表和证书")
    shot(admin, "07-rankings-admin-desktop")
    with admin.expect_download() as download:
        admin.click("text=下载排名表")
    assert download.value.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(BytesIO(download.value.path().read_bytes()), read_only=True)
    overall = [row for row in workbook.worksheets[0].iter_rows(values_only=True) if any(row)]
    listed = [name for row in overall for name in row if name in (scored_round.site_a.name, scored_round.site_b.name)]
    assert listed == [r.site_name for r in round_results(round_)]
    # The batch's certificates open in a new tab; fetched here with the administrator's session.
    href = admin.locator("a:has-text('全部证书')").get_attribute("href")
    response = admin_context.request.get(f"{base}{href}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "证书.pdf"
    pdf.write_bytes(response.body())
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert scored_round.site_a.name in text
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(screenshot_dir / "results-certificate"),
            ],
            check=True,
        )
    for page in (staff, leader, admin):
        assert page.console_errors == [], page.console_errors
    for context in (staff_context, leader_context, admin_context):
        context.close()
