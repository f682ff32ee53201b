"""Publication (公示): the stored results and their fingerprint, differences after a change, reopening a sheet to
correct it, and the published list for each role within its scope."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry, Notification
from evaluations import services
from evaluations.choices import RoundStatus
from evaluations.models import Adjustment, Publication, RoundSite, ScoreChange
from evaluations.publication import drift, publish_problems, round_publish, sheet_reopen
from evaluations.results import inputs_fingerprint
from tests.evaluations.conftest import build_scored, fill
from tests.evaluations.publishing import build_published, scaled


@pytest.fixture
def published(cast, city):
    return build_published(cast, city)


def test_publishing_stores_the_results_their_fingerprint_and_the_period(cast, city):
    scoring = scaled(build_scored(cast, city))
    publication = round_publish(round=scoring.round, by=cast.staff)

    scoring.round.refresh_from_db()
    assert scoring.round.status == RoundStatus.PUBLISHED and scoring.round.published_at
    assert publication.number == 1 and publication.published_by == cast.staff
    today = timezone.localdate()
    assert (publication.starts_on, publication.ends_on) == (today, today + timedelta(days=4))  # 5 days inclusive
    assert publication.fingerprint == inputs_fingerprint(scoring.round)
    assert [line["name"] for line in publication.results] == ["甲村示范点", "甲镇示范点"]
    assert publication.results[0]["final"] == "8.90" and publication.results[0]["rank"] == 1
    assert publication.policy["pass_threshold"] == "8.00" and publication.policy["publication_days"] == 5
    assert AuditEntry.objects.filter(action="round_publish").count() == 1
    told = Notification.objects.get(recipient=cast.leader, title__contains="公示")
    assert "公示" in told.title and told.url == reverse("evaluations:published", args=[scoring.round.pk])


def test_only_staff_publish_and_only_a_scored_round(scoring, cast):
    with pytest.raises(ValidationError, match="评分完成"):
        round_publish(round=scoring.round, by=cast.staff)
    with pytest.raises(ValidationError, match="工作人员"):
        round_publish(round=scoring.round, by=cast.district)


def test_republishing_needs_a_change_and_a_reason(published, cast):
    assert publish_problems(published.round) == ["结果自上次公示以来没有变化，无需重新公示"]
    with pytest.raises(ValidationError, match="无需重新公示"):
        round_publish(round=published.round, by=cast.staff, reason="再发一次")

    Adjustment.objects.create(
        entry=published.entry_a, kind="deduction", points=Decimal("0.5"), reason="逾期报送", created_by=cast.staff
    )
    with pytest.raises(ValidationError, match="须说明原因"):
        round_publish(round=published.round, by=cast.staff)
    second = round_publish(round=published.round, by=cast.staff, reason="异议成立，补录扣分")
    assert second.number == 2 and second.reason == "异议成立，补录扣分"
    assert {line["name"]: line["deductions"] for line in second.results}["甲村示范点"] == "0.50"
    assert not drift(published.round).changed


def test_an_adjustment_added_or_withdrawn_after_publication_shows_as_a_difference(published, cast):
    line = Adjustment.objects.create(
        entry=published.entry_b, kind="deduction", points=Decimal("1"), reason="通报批评", created_by=cast.staff
    )
    state = drift(published.round)
    assert state.changed
    assert state.lines == [
        {
            "entry": published.entry_b.pk,
            "name": "甲镇示范点",
            "changes": {
                "deductions": ["0.00", "1.00"],
                "final": ["8.90", "7.90"],
                "grade": ["合格", "不合格"],
                "passed": [True, False],
                "outcome": ["improving", "eliminated"],
                "rank": [1, 2],
                "domain_rank": [1, 2],
            },
        }
    ]
    line.withdrawn_at, line.withdraw_reason = timezone.now(), "录错了"
    line.save()  # as adjustments.adjustment_withdraw does (a queryset update would send no signal)
    state = drift(published.round)
    assert state.changed and state.lines == []  # the inputs differ (a withdrawn line), the results do not


def test_a_reopened_and_corrected_sheet_is_recorded_and_shows_as_a_difference(published, cast):
    sheet = published.sheet
    sheet_reopen(sheet=sheet, by=cast.staff, reason="异议成立：SY-01 评分有误")

    sheet.refresh_from_db()
    assert sheet.status == "in_progress" and sheet.returned_reason == "异议成立：SY-01 评分有误"
    assert ScoreChange.objects.filter(sheet=sheet, new={"status": "reopened"}, after_submission=True).exists()
    assert Notification.objects.filter(recipient=cast.scorer, title__contains="重新打开").exists()
    assert publish_problems(published.round)[0] == "有 1 份重新打开的评分表尚未再次提交"

    results = fill(sheet, cast.scorer, {"SY-01": {"score": "5"}})
    assert results[0].outcome == "applied"
    services.sheet_submit(sheet=sheet, by=cast.scorer)

    change = ScoreChange.objects.filter(sheet=sheet, item__code="SY-01").latest("at")
    assert change.after_submission and change.reason == "异议成立：SY-01 评分有误" and change.by == cast.scorer
    assert change.old["score"] == "4.50" and change.new["score"] == "5.00"
    state = drift(published.round)
    assert state.lines[0]["name"] == "甲村示范点"
    assert state.lines[0]["changes"]["onsite"] == ["8.90", "9.15"]
    assert state.lines[0]["changes"]["grade"] == ["合格", "优秀"]


def test_only_staff_reopen_a_submitted_sheet_with_a_reason(published, cast):
    with pytest.raises(ValidationError, match="工作人员"):
        sheet_reopen(sheet=published.sheet, by=cast.teamlead, reason="改")
    with pytest.raises(ValidationError, match="原因"):
        sheet_reopen(sheet=published.sheet, by=cast.staff, reason=" ")
    sheet_reopen(sheet=published.sheet, by=cast.staff, reason="改")
    with pytest.raises(ValidationError, match="已提交"):
        sheet_reopen(sheet=published.sheet, by=cast.staff, reason="再改")


def test_a_scorer_corrects_a_reopened_sheet_on_its_page(client, published, cast):
    sheet_reopen(sheet=published.sheet, by=cast.staff, reason="异议成立")
    client.force_login(cast.scorer)
    page = client.get(reverse("evaluations:sheet", args=[published.sheet.pk])).content.decode()
    assert "data-points" in page
    client.force_login(published.scorer2)  # another sheet of the round stays read-only
    other = published.entry_a.sheets.get(scorer=published.scorer2)
    assert "data-points" not in client.get(reverse("evaluations:sheet", args=[other.pk])).content.decode()


# --- the published list -----------------------------------------------------------------------------------


def _rows(client, user, round_):
    client.force_login(user)
    response = client.get(reverse("evaluations:published", args=[round_.pk]))
    return response.status_code, response.content.decode() if response.status_code == 200 else ""


def test_the_published_list_shows_each_role_the_rows_in_its_scope(client, published, cast, city):
    from tests.factories import SiteFactory

    # A third site, in district B: only city-wide readers and district B see its row.
    other = SiteFactory(organization=city.org_b, name="乙镇企业示范点", state="formal")
    entry = RoundSite.objects.create(round=published.round, site=other, stage="review")
    publication = published.round.publications.get()
    line = {**publication.results[1], "entry": entry.pk, "site": other.pk, "name": other.name, "rank": 3}
    Publication.objects.filter(pk=publication.pk).update(results=[*publication.results, line])

    for role in ("staff", "admin", "viewer"):
        status, page = _rows(client, getattr(cast, role), published.round)
        assert status == 200 and "甲村示范点" in page and "甲镇示范点" in page and "乙镇企业示范点" in page, role
    status, page = _rows(client, cast.district, published.round)  # district A
    assert status == 200 and "甲村示范点" in page and "甲镇示范点" in page and "乙镇企业示范点" not in page
    status, page = _rows(client, cast.outsider, published.round)  # district B: sees its own row only
    assert status == 200 and "乙镇企业示范点" in page and "甲村示范点" not in page
    status, page = _rows(client, cast.leader, published.round)  # site A's leader: site A, with the round's rank
    assert status == 200 and "甲村示范点" in page and "甲镇示范点" not in page and "乙镇企业示范点" not in page
    assert "提出异议" in page and "排名为全市" in page
    status, page = _rows(client, cast.scorer, published.round)  # a scorer has no sites in scope
    assert status == 200 and "甲村示范点" not in page and "您的范围内没有参评示范点" in page
    assert _rows(client, cast.nobody, published.round)[0] == 404


def test_the_published_list_shows_the_published_rows_not_a_recomputation(client, published, cast):
    Adjustment.objects.create(
        entry=published.entry_a, kind="deduction", points=Decimal("2"), reason="通报批评", created_by=cast.staff
    )
    _status, page = _rows(client, cast.staff, published.round)
    assert "8.90" in page and "公示后有变动" in page and "最终得分 <span" in page  # the difference, staff only
    _status, page = _rows(client, cast.leader, published.round)
    assert "公示后有变动" in page and "以定案结果为准" in page and "最终得分 <span" not in page


def test_the_published_list_and_round_page_for_a_round_not_yet_published(client, scored, cast):
    status, page = _rows(client, cast.staff, scored.round)
    assert (
        status == 200 and "考评结果尚未公示" in page and reverse("evaluations:publish", args=[scored.round.pk]) in page
    )
    assert _rows(client, cast.district, scored.round)[0] == 404  # not published: the round is not theirs to see


def test_the_round_page_links_the_publication_for_every_reader(client, published, cast):
    address = reverse("evaluations:round", args=[published.round.pk])
    target = reverse("evaluations:published", args=[published.round.pk])
    for user in (cast.staff, cast.leader, cast.district, cast.viewer):
        client.force_login(user)
        response = client.get(address)
        assert response.status_code == 200 and target in response.content.decode()
    client.force_login(cast.staff)
    page = client.get(address).content.decode()
    assert reverse("evaluations:finalize", args=[published.round.pk]) in page
    assert reverse("evaluations:finalize_undo", args=[published.round.pk]) not in page


def test_staff_publish_from_the_confirmation_page(client, cast, city):
    scoring = scaled(build_scored(cast, city))
    address = reverse("evaluations:publish", args=[scoring.round.pk])
    client.force_login(cast.leader)
    assert client.get(address).status_code == 403
    client.force_login(cast.staff)
    page = client.get(address).content.decode()
    assert "验收通过、授牌" in page and "发布公示" in page
    response = client.post(address, {"reason": ""})
    assert response.status_code == 302 and response["Location"] == reverse(
        "evaluations:published", args=[scoring.round.pk]
    )
    assert Publication.objects.filter(round=scoring.round).count() == 1


def test_the_results_status_include_shows_the_differences_to_staff(rf, published, cast):
    from django.template.loader import render_to_string

    Adjustment.objects.create(
        entry=published.entry_b, kind="bonus", points=Decimal("1"), reason="典型经验", created_by=cast.staff
    )
    request = rf.get("/")
    request.user = cast.staff
    html = render_to_string("evaluations/_results_status.html", {"round": published.round}, request=request)
    assert "公示后有变动" in html and "甲镇示范点" in html and "加分" in html
    assert reverse("evaluations:finalize", args=[published.round.pk]) in html
    request.user = cast.viewer
    html = render_to_string("evaluations/_results_status.html", {"round": published.round}, request=request)
    assert "公示后有变动" in html and "甲镇示范点" not in html
    assert reverse("evaluations:finalize", args=[published.round.pk]) not in html


def test_the_published_list_takes_as_many_queries_for_50_rows_as_for_2(client, published, cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    address = reverse("evaluations:published", args=[published.round.pk])
    client.force_login(cast.staff)
    client.get(address)  # computes and stores the round's current results (result_store), once
    with CaptureQueriesContext(connection) as few:
        assert client.get(address).status_code == 200
    publication = published.round.publications.get()
    many = [{**publication.results[0], "entry": 10_000 + n, "name": f"示范点{n}"} for n in range(60)]
    Publication.objects.filter(pk=publication.pk).update(results=many)
    with CaptureQueriesContext(connection) as full:
        page = client.get(address).content.decode()
    assert "示范点49" in page and "示范点50" not in page  # 50 a page
    assert len(full) == len(few)
