"""The scorer's pages: my sheets and the score sheet, per role; submit, return, conflict, history, blindness."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from archives.models import Material, MaterialVersion
from evaluations import services
from evaluations.choices import SheetStatus
from evaluations.models import RoundSite, ScoreSheet
from tests.archives import samples
from tests.evaluations.conftest import fill
from tests.factories import ItemFactory, PartyOrganizationFactory, SectionFactory, SiteFactory
from tests.utils import queries_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def url(sheet, name="evaluations:sheet"):
    return reverse(name, args=[sheet.pk])


# --- who may open a sheet -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("scorer", 200),
        ("teamlead", 200),
        ("staff", 200),
        ("admin", 200),
        ("leader", 404),
        ("viewer", 404),
        ("district", 404),
        ("instructor", 404),
        ("outsider", 404),
        ("nobody", 404),
    ],
)
def test_sheet_page_by_role(client, cast, scoring, role, status):
    client.force_login(getattr(cast, role))
    assert client.get(url(scoring.sheet)).status_code == status


def test_anonymous_users_are_sent_to_log_in(client, scoring):
    for address in (url(scoring.sheet), reverse("evaluations:my_sheets")):
        response = client.get(address)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_scorer_gets_inputs_and_the_forms_of_their_own_sheet(client, scoring):
    client.force_login(scoring.scorer)
    page = client.get(url(scoring.sheet)).content.decode()
    assert "data-points" in page and "data-present" in page and "data-level" in page
    assert 'capture="environment"' in page and "data-next-unscored" in page
    assert "{#" not in page and "{%" not in page
    assert reverse("evaluations:sheet_submit", args=[scoring.sheet.pk]) in page
    assert reverse("evaluations:sheet_conflict", args=[scoring.sheet.pk]) in page
    assert reverse("evaluations:sheet_return", args=[scoring.sheet.pk]) not in page
    for item in scoring.items:
        assert f'id="item-{item.pk}"' in page and item.code in page


def test_another_scorer_of_the_team_cannot_open_the_sheet_until_their_own_is_submitted(client, scoring):
    client.force_login(scoring.scorer2)
    assert client.get(url(scoring.sheet)).status_code == 404
    fill(scoring.sheet2, scoring.scorer2)
    assert client.get(url(scoring.sheet)).status_code == 404
    services.sheet_submit(sheet=scoring.sheet2, by=scoring.scorer2)
    page = client.get(url(scoring.sheet))
    assert page.status_code == 200
    assert "data-points" not in page.content.decode()  # read only: it is not theirs


def test_the_scorer_never_sees_another_sheet_or_an_aggregate(client, scoring):
    fill(scoring.sheet2, scoring.scorer2, {"SY-01": {"score": "3.5", "remark": "第二评分人的意见"}})
    client.force_login(scoring.scorer)
    page = client.get(url(scoring.sheet)).content.decode()
    assert "第二评分人的意见" not in page and scoring.scorer2.get_full_name() not in page
    assert reverse("evaluations:sheet", args=[scoring.sheet2.pk]) not in page
    assert reverse("evaluations:entry", args=[scoring.entry_a.pk]) not in page


def test_team_leader_reads_and_may_return_a_submitted_sheet(client, cast, scoring):
    client.force_login(cast.teamlead)
    page = client.get(url(scoring.sheet)).content.decode()
    assert "data-points" not in page and "只能查看" in page
    assert reverse("evaluations:sheet_return", args=[scoring.sheet.pk]) not in page  # not submitted yet
    fill(scoring.sheet, scoring.scorer)
    services.sheet_submit(sheet=scoring.sheet, by=scoring.scorer)
    page = client.get(url(scoring.sheet)).content.decode()
    assert reverse("evaluations:sheet_return", args=[scoring.sheet.pk]) in page
    assert reverse("evaluations:sheet_conflict", args=[scoring.sheet.pk]) not in page


def test_staff_read_every_sheet(client, cast, scoring):
    client.force_login(cast.staff)
    page = client.get(url(scoring.sheet2)).content.decode()
    assert "data-points" not in page and scoring.scorer2.get_full_name() in page


def test_the_page_marks_unscored_items_and_shows_subtotals(client, scoring):
    fill(scoring.sheet, scoring.scorer, {"SY-01": {"score": "4.5"}})
    client.force_login(scoring.scorer)
    response = client.get(url(scoring.sheet))
    page = response.content.decode()
    points = scoring.items[0]
    assert page.count("is-unscored") == 3
    assert '<option value="4.50" selected>4.5</option>' in page
    assert f'data-subtotal="{points.section_id}">4.5</b>' in page
    assert response.context["total"] == "4.5" and response.context["max_total"] == "10"
    assert response["X-Score-Sheet"] == str(scoring.sheet.pk)  # what the service worker keeps


def test_my_sheets_lists_only_the_scorers_own_sheets_by_round(client, cast, scoring):
    fill(scoring.sheet, scoring.scorer, {"SY-01": {"score": "4.5"}})
    client.force_login(scoring.scorer)
    response = client.get(reverse("evaluations:my_sheets"))
    page = response.content.decode()
    assert scoring.site_a.name in page and scoring.site_b.name in page and scoring.round.name in page
    assert reverse("evaluations:sheet", args=[scoring.sheet.pk]) in page
    assert reverse("evaluations:sheet", args=[scoring.sheet2.pk]) not in page
    assert "已评 1/4 项" in page and "4.5 分" in page
    client.force_login(cast.teamlead)
    assert "还没有分配给您的评分任务" in client.get(reverse("evaluations:my_sheets")).content.decode()


def test_my_sheets_shows_a_returned_sheet_with_its_reason(client, cast, scoring):
    fill(scoring.sheet, scoring.scorer)
    services.sheet_submit(sheet=scoring.sheet, by=scoring.scorer)
    services.sheet_return(sheet=scoring.sheet, by=cast.teamlead, reason="SY-01 打分偏高")
    client.force_login(scoring.scorer)
    page = client.get(reverse("evaluations:my_sheets")).content.decode()
    assert "已退回" in page and "SY-01 打分偏高" in page


# --- submit, return, conflict, history ----------------------------------------------------------------


def test_an_incomplete_sheet_is_not_submitted(client, scoring):
    fill(scoring.sheet, scoring.scorer, {"SY-01": {"score": "4.5"}})
    client.force_login(scoring.scorer)
    response = client.post(url(scoring.sheet, "evaluations:sheet_submit"), follow=True)
    scoring.sheet.refresh_from_db()
    assert scoring.sheet.status == SheetStatus.IN_PROGRESS
    assert "还有 3 项未评分" in response.content.decode()


def test_a_complete_sheet_submits_and_is_locked(client, scoring):
    fill(scoring.sheet, scoring.scorer)
    client.force_login(scoring.scorer)
    response = client.post(url(scoring.sheet, "evaluations:sheet_submit"), follow=True)
    scoring.sheet.refresh_from_db()
    assert scoring.sheet.status == SheetStatus.SUBMITTED and scoring.sheet.submitted_at
    page = response.content.decode()
    assert "评分表已提交" in page and "data-points" not in page and "不能再修改" in page
    again = client.post(url(scoring.sheet, "evaluations:sheet_submit"), follow=True)
    assert "评分表已提交，不能再修改" in again.content.decode()


def test_submit_answers_json_to_the_page_script(client, scoring):
    client.force_login(scoring.scorer)
    response = client.post(url(scoring.sheet, "evaluations:sheet_submit"), HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and response.json()["ok"] is False
    fill(scoring.sheet, scoring.scorer)
    response = client.post(url(scoring.sheet, "evaluations:sheet_submit"), HTTP_ACCEPT="application/json")
    assert response.json()["sheet"]["status"] == SheetStatus.SUBMITTED


def test_only_its_scorer_submits_a_sheet(client, cast, scoring):
    fill(scoring.sheet, scoring.scorer)
    client.force_login(cast.teamlead)
    client.post(url(scoring.sheet, "evaluations:sheet_submit"))
    scoring.sheet.refresh_from_db()
    assert scoring.sheet.status == SheetStatus.IN_PROGRESS
    client.force_login(scoring.scorer2)
    assert client.post(url(scoring.sheet, "evaluations:sheet_submit")).status_code == 404


def test_team_leader_returns_with_a_reason_and_the_change_log_shows_on_the_sheet(client, cast, scoring):
    fill(scoring.sheet, scoring.scorer)
    services.sheet_submit(sheet=scoring.sheet, by=scoring.scorer)
    client.force_login(cast.teamlead)
    refused = client.post(url(scoring.sheet, "evaluations:sheet_return"), {"reason": "  "}, follow=True)
    assert "退回须填写原因" in refused.content.decode()
    scoring.sheet.refresh_from_db()
    assert scoring.sheet.status == SheetStatus.SUBMITTED
    client.post(url(scoring.sheet, "evaluations:sheet_return"), {"reason": "SY-01 打分偏高，请复核"})
    scoring.sheet.refresh_from_db()
    assert scoring.sheet.status == SheetStatus.IN_PROGRESS and scoring.sheet.returned_reason == "SY-01 打分偏高，请复核"

    client.force_login(scoring.scorer)
    page = client.get(url(scoring.sheet)).content.decode()
    assert "评分表已被退回" in page and "SY-01 打分偏高，请复核" in page and "data-points" in page
    fill(scoring.sheet, scoring.scorer, {"SY-01": {"score": "3.5"}})
    page = client.get(url(scoring.sheet)).content.decode()
    assert "提交后的修改记录" in page
    history = page[page.index("提交后的修改记录") :]
    assert "SY-01" in history and "4.5 分" in history and "3.5 分" in history
    assert scoring.scorer.get_full_name() in history and "退回评分表" in history


def test_only_the_team_leader_or_staff_may_return(client, cast, scoring):
    fill(scoring.sheet, scoring.scorer)
    services.sheet_submit(sheet=scoring.sheet, by=scoring.scorer)
    client.force_login(scoring.scorer)
    assert client.post(url(scoring.sheet, "evaluations:sheet_return"), {"reason": "自己退回"}).status_code == 403
    client.force_login(cast.leader)
    assert client.post(url(scoring.sheet, "evaluations:sheet_return"), {"reason": "x"}).status_code == 404
    client.force_login(cast.staff)
    client.post(url(scoring.sheet, "evaluations:sheet_return"), {"reason": "工作人员退回"})
    scoring.sheet.refresh_from_db()
    assert scoring.sheet.status == SheetStatus.IN_PROGRESS


def test_the_scorer_declares_a_conflict_with_a_reason_and_a_confirmation(client, cast, scoring):
    client.force_login(scoring.scorer)
    address = url(scoring.sheet, "evaluations:sheet_conflict")
    response = client.post(address, {"reason": "该村书记是我的亲属"}, follow=True)
    assert "申报回避" in response.content.decode()
    scoring.sheet.refresh_from_db()
    assert scoring.sheet.status == SheetStatus.NOT_STARTED
    response = client.post(address, {"reason": "该村书记是我的亲属", "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("evaluations:my_sheets")
    scoring.sheet.refresh_from_db()
    assert scoring.sheet.status == SheetStatus.EXCUSED and scoring.sheet.is_conflict
    mine = client.get(reverse("evaluations:my_sheets")).content.decode()
    assert reverse("evaluations:sheet", args=[scoring.sheet.pk]) not in mine
    assert "免评" in client.get(url(scoring.sheet)).content.decode()


def test_a_sheet_is_read_only_once_the_round_has_left_scoring(client, cast, scoring):
    ScoreSheet.objects.filter(pk=scoring.sheet.pk).update(status=SheetStatus.IN_PROGRESS)
    scoring.round.status = "scored"
    scoring.round.save(update_fields=["status"])
    client.force_login(scoring.scorer)
    page = client.get(url(scoring.sheet)).content.decode()
    assert "data-points" not in page and "不在实地考评阶段" in page


# --- the service worker -------------------------------------------------------------------------------


def test_the_service_worker_is_served_for_the_sheet_pages(client):
    response = client.get(reverse("evaluations:service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert reverse("evaluations:service_worker") == "/evaluations/sheets/sw.js"  # its folder is its scope
    body = response.content.decode()
    assert 'const STATIC_PREFIX = "/static/"' in body and 'const PHOTO_PREFIX = "/evaluations/photos/"' in body
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


# --- query counts -------------------------------------------------------------------------------------


def _grow(scoring, n):
    """n more items in the round's standard, each scored with a remark, a photo and a material as evidence."""
    section = SectionFactory(standard=scoring.standard, code="LT", title="领域特色", max_score=n * 2, order=4)
    items = [
        ItemFactory(section=section, code=f"LT-{index:02d}", title=f"领域项{index}", max_score=2, kind="points")
        for index in range(n)
    ]
    fill(scoring.sheet, scoring.scorer, {item.code: {"score": "1.5", "remark": f"第{item.pk}项"} for item in items})
    for item in items:
        add_photo(scoring.sheet, item, scoring.scorer)
        add_material(scoring.site_a, item)


def add_photo(sheet, item, by):
    return services.sheet_photo_add(
        sheet=sheet,
        item=item,
        upload=SimpleUploadedFile("p.jpg", samples.image_bytes(), content_type="image/jpeg"),
        by=by,
        client_id=uuid.uuid4(),
    )


def add_material(site, item, **fields):
    material = Material.objects.create(site=site, category="other", title=f"{item.code} 佐证", year=2026, **fields)
    material.items.add(item)
    MaterialVersion.objects.create(
        material=material,
        number=1,
        file=f"archives/test/{material.pk}.pdf",
        original_name="佐证.pdf",
        kind="pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )
    return material


def test_sheet_page_queries_are_constant_as_items_grow(client, cast, scoring):
    fill(scoring.sheet, scoring.scorer, {"SY-01": {"score": "4.5"}})
    add_photo(scoring.sheet, scoring.items[0], scoring.scorer)
    add_material(scoring.site_a, scoring.items[0])
    baselines = {}
    for user in (scoring.scorer, cast.teamlead, cast.staff):
        client.force_login(user)
        baselines[user.pk] = queries_for(client, url(scoring.sheet))
    _grow(scoring, 36)
    for user in (scoring.scorer, cast.teamlead, cast.staff):
        client.force_login(user)
        response = client.get(url(scoring.sheet))
        assert len(response.context["state"]["items"]) == 40
        assert queries_for(client, url(scoring.sheet)) == baselines[user.pk], user.username


def test_my_sheets_queries_are_constant_as_sheets_grow(client, scoring, city):
    client.force_login(scoring.scorer)
    baseline = queries_for(client, reverse("evaluations:my_sheets"))
    for _n in range(10):
        site = SiteFactory(organization=PartyOrganizationFactory(region=city.village_a), state="candidate")
        entry = RoundSite.objects.create(round=scoring.round, site=site, stage="acceptance", team=scoring.team)
        ScoreSheet.objects.create(entry=entry, scorer=scoring.scorer)
    page = client.get(reverse("evaluations:my_sheets")).content.decode()
    assert page.count("my-sheet ") == 12
    assert queries_for(client, reverse("evaluations:my_sheets")) == baseline
