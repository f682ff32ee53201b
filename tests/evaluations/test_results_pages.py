"""The results pages: the working results list, one site's explanation, scorer calibration, the site page's panel.

Who sees what (DOMAIN.md §8): staff and city-wide viewers see the working results of a scored round; everyone else
gets a 404 (they read the published list). Calibration is staff only. The pages cost the same number of queries
for 5 sites as for 100.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from evaluations.choices import RoundStatus, SheetKind, SheetStatus
from evaluations.models import Adjustment, ItemScore, Publication, RoundSite, ScoreSheet
from evaluations.results import round_results, snapshot
from tests.evaluations.conftest import build_scored, build_standard
from tests.factories import PartyOrganizationFactory, RoundFactory, SiteFactory, UserFactory

PASS = {"SY-01": {"score": "4.5"}, "SY-02": {"level": "较好"}, "LY-01": {"present": True}, "FJ-01": {"present": True}}
LOW = {"SY-01": {"score": "3.5"}, "SY-02": {"level": "较好"}, "LY-01": {"present": True}, "FJ-01": {"present": True}}
VETOED = {"SY-01": {"score": "5"}, "SY-02": {"level": "较好"}, "LY-01": {"present": True}, "FJ-01": {"present": False}}


def _lenient(round_):
    """A pass mark a 10-point standard can meet, so that some sites pass."""
    round_.pass_threshold = Decimal("8")
    round_.grade_bands = [{"label": "优秀", "min": "8.5"}, {"label": "合格", "min": "8"}]
    round_.save()


@pytest.fixture
def scored(cast, city):
    """Site A (甲村, a village in district A, a candidate): 8.90 on both sheets; site B (甲镇, the town above it,
    a formal site): 8.90 and 7.90 (scorer2 is one point harsher there). Both pass the lenient mark of 8."""
    scoring = build_scored(cast, city, values={("b", 1): LOW})
    _lenient(scoring.round)
    return scoring


def url(round_):
    return reverse("evaluations:results", args=[round_.pk])


def explain_url(entry):
    return reverse("evaluations:explain", args=[entry.pk])


# --- access --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("staff", 200),
        ("admin", 200),
        ("viewer", 200),
        ("scorer", 404),
        ("teamlead", 404),
        ("leader", 404),
        ("district", 404),
        ("outsider", 404),
        ("instructor", 404),
        ("nobody", 404),
    ],
)
def test_working_results_and_explanations_are_for_staff_and_city_viewers(client, cast, scored, role, status):
    client.force_login(getattr(cast, role))
    assert client.get(url(scored.round)).status_code == status
    assert client.get(explain_url(scored.entry_a)).status_code == status


@pytest.mark.parametrize(("role", "status"), [("staff", 200), ("admin", 200), ("viewer", 404), ("scorer", 404)])
def test_calibration_is_for_staff_only(client, cast, scored, role, status):
    client.force_login(getattr(cast, role))
    assert client.get(reverse("evaluations:calibration", args=[scored.round.pk])).status_code == status


def test_results_wait_until_scoring_closes(client, cast, scoring):
    client.force_login(cast.staff)
    response = client.get(url(scoring.round))
    assert response.status_code == 200
    assert "评分完成后显示结果" in response.text
    assert "results" not in response.context or not response.context.get("rows")
    response = client.get(explain_url(scoring.entry_a))
    assert response.status_code == 200 and "评分完成后显示结果" in response.text


def test_round_page_links_to_results_once_closed(client, cast, scoring):
    client.force_login(cast.staff)
    assert url(scoring.round) not in client.get(scoring.round.get_absolute_url()).text
    scoring.round.status = RoundStatus.SCORED
    scoring.round.save()
    assert url(scoring.round) in client.get(scoring.round.get_absolute_url()).text


# --- the results list ----------------------------------------------------------------------------------------


def _names(response):
    return [r.site_name for r, *_rest in response.context["rows"]]


def test_results_list_every_column(client, cast, scored):
    client.force_login(cast.staff)
    response = client.get(url(scored.round))
    text = response.text
    for heading in ("实地得分", "平均分", "中位数", "扣分", "加分", "最终得分", "等次", "是否通过", "拟处理"):
        assert heading in text
    for heading in ("领域排名", "总排名", "分歧"):
        assert heading in text
    assert _names(response) == ["甲村示范点", "甲镇示范点"]
    a, b = (row[0] for row in response.context["rows"])
    assert (a.onsite, a.mean, a.median, a.final, a.rank) == (Decimal("8.90"),) * 4 + (1,)
    assert (b.mean, b.median, b.final, b.rank) == (Decimal("8.40"), Decimal("8.40"), Decimal("8.40"), 2)
    # each row opens the site's explanation
    assert explain_url(scored.entry_a) in text and explain_url(scored.entry_b) in text
    # the stage's outcome: site A is a candidate (验收), site B formal (复评)
    assert a.outcome == "formal" and b.outcome == "improving"


def test_results_sort_by_any_column_both_ways(client, cast, scored):
    client.force_login(cast.staff)
    assert _names(client.get(url(scored.round), {"sort": "final"})) == ["甲镇示范点", "甲村示范点"]
    assert _names(client.get(url(scored.round), {"sort": "-final"})) == ["甲村示范点", "甲镇示范点"]
    assert _names(client.get(url(scored.round), {"sort": "-disagreement"})) == ["甲镇示范点", "甲村示范点"]
    assert _names(client.get(url(scored.round), {"sort": "rank"})) == ["甲村示范点", "甲镇示范点"]
    assert _names(client.get(url(scored.round), {"sort": "nonsense"})) == ["甲村示范点", "甲镇示范点"]
    # the sort links: a first click on a score sorts it high to low
    assert "sort=-final" in client.get(url(scored.round)).text


def test_results_filter_after_ranking_over_the_whole_round(client, cast, city, scored):
    client.force_login(cast.staff)
    response = client.get(url(scored.round), {"region": city.village_a.pk})
    assert _names(response) == ["甲村示范点"]
    response = client.get(url(scored.round), {"stage": "review"})
    assert _names(response) == ["甲镇示范点"]
    # filtered, site B keeps its overall rank (2)
    assert response.context["rows"][0][0].rank == 2
    assert _names(client.get(url(scored.round), {"outcome": "formal"})) == ["甲村示范点"]
    assert _names(client.get(url(scored.round), {"domain": "rural"})) == ["甲村示范点", "甲镇示范点"]
    assert _names(client.get(url(scored.round), {"domain": "organ"})) == []
    assert "没有符合条件的示范点" in client.get(url(scored.round), {"domain": "organ"}).text


def test_results_filter_pass_fail_and_show_the_failing_rule(client, cast, city):
    scoring = build_scored(cast, city, values={("b", 0): VETOED, ("b", 1): VETOED})
    _lenient(scoring.round)
    client.force_login(cast.staff)
    response = client.get(url(scoring.round), {"passed": "0"})
    assert _names(response) == ["甲镇示范点"]
    failed = response.context["rows"][0][0]
    assert failed.rank is None and failed.grade == "不合格"
    assert "一票否决" in response.text and "FJ-01" in response.text
    assert _names(client.get(url(scoring.round), {"passed": "1"})) == ["甲村示范点"]


# --- the explanation -----------------------------------------------------------------------------------------


def test_explanation_shows_votes_of_every_must_decide_item_and_every_adjustment_line(client, cast, scored):
    entry = scored.entry_a
    Adjustment.objects.create(
        entry=entry, kind="deduction", points=Decimal("0.5"), reason="通报批评一次", created_by=cast.staff
    )
    Adjustment.objects.create(
        entry=entry,
        kind="deduction",
        points=Decimal("2"),
        reason="误录",
        created_by=cast.staff,
        withdrawn_at=timezone.now(),
        withdrawn_by=cast.staff,
        withdraw_reason="重复录入",
    )
    Adjustment.objects.create(
        entry=entry, kind="bonus", points=Decimal("4"), reason="经验推广甲", created_by=cast.staff
    )
    Adjustment.objects.create(
        entry=entry, kind="bonus", points=Decimal("3"), reason="经验推广乙", created_by=cast.staff
    )
    client.force_login(cast.viewer)
    response = client.get(explain_url(entry))
    facts = response.context["facts"]
    # the veto and the required item are both listed, though neither failed
    assert [(v.item.code, v.absent, v.sheets, v.failed) for v in facts.votes] == [
        ("FJ-01", 0, 2, False),
        ("LY-01", 0, 2, False),
    ]
    text = response.text
    for reason in ("通报批评一次", "误录", "重复录入", "经验推广甲", "经验推广乙"):
        assert reason in text
    assert "已撤销" in text
    # 8.90 − 0.5 + min(7, 5) = 13.40 → clamped to 10? No: clamp is to [0, 100]: 13.40.
    assert facts.result.final == Decimal("13.40")
    assert facts.result.bonus == Decimal("5.00") and facts.result.bonus_raw == Decimal("7.00")
    assert "超过上限" in text
    assert [step.value for step in facts.steps] == ["8.90", "− 0.50", "+ 5.00", "13.40"]
    # item and section averages over the counted sheets
    sections = {row["section"].code: row for row in facts.sections}
    assert sections["SY"]["average"] == Decimal("6.90")
    assert {item.code: average for item, average in sections["SY"]["items"]} == {
        "SY-01": Decimal("4.50"),
        "SY-02": Decimal("2.40"),
    }
    assert "通过" in facts.decision
    # the radar: the site's sections (the 0-point veto section left out) against the domain's average in the round
    # (site B: 6.90 and 5.90 on 十有 → 6.40; the domain's mean 6.65)
    assert facts.radar.indicators == [("十有", Decimal("8")), ("六个有", Decimal("2"))]
    assert facts.radar.series == [
        ("甲村示范点", [Decimal("6.90"), Decimal("2.00")]),
        ("农村（村）平均", [Decimal("6.65"), Decimal("2.00")]),
    ]
    assert 'id="explain-radar"' in text
    back = reverse("evaluations:results", args=[scored.round.pk]) + f"?page=1#result-{entry.pk}"
    assert back in text  # back to the results row


def test_explanation_marks_a_failed_veto(client, cast, city):
    scoring = build_scored(cast, city, values={("a", 0): VETOED, ("a", 1): VETOED})
    client.force_login(cast.staff)
    facts = client.get(explain_url(scoring.entry_a)).context["facts"]
    veto = facts.votes[0]
    assert (veto.item.code, veto.absent, veto.sheets, veto.failed) == ("FJ-01", 2, 2, True)
    assert facts.decision.startswith("一票否决")
    assert facts.result.rank is None


def _trimmed_round(cast, city, totals):
    """A scored round of one site with a sheet per total in `totals` (bulk-created), the trimmed mean."""
    standard, items = build_standard()
    round_ = RoundFactory(standard=standard, status=RoundStatus.SCORED, aggregation="trimmed")
    site = SiteFactory(organization=city.org_a, name="五人评分示范点")
    entry = RoundSite.objects.create(round=round_, site=site, stage="acceptance")
    scorers = [UserFactory(username=f"t-five-{i}", full_name=f"评分人{i}") for i in range(len(totals))]
    sheets = ScoreSheet.objects.bulk_create(
        ScoreSheet(
            entry=entry,
            scorer=scorer,
            kind=SheetKind.ONSITE,
            status=SheetStatus.SUBMITTED,
            total=total,
            ten_haves=total,  # its one item is a 十有 item
        )
        for scorer, total in zip(scorers, totals, strict=True)
    )
    ItemScore.objects.bulk_create(ItemScore(sheet=sheet, item=items[0], score=sheet.total) for sheet in sheets)
    return entry, sheets


def test_explanation_marks_the_sheets_dropped_by_trimming(client, cast, city):
    entry, _sheets = _trimmed_round(cast, city, [Decimal(t) for t in ("9", "8", "7", "6", "2")])
    client.force_login(cast.staff)
    response = client.get(explain_url(entry))
    facts = response.context["facts"]
    dropped = {line.scorer for line in facts.sheets if line.dropped}
    assert dropped == {"评分人0", "评分人4"}
    assert [line.counted for line in facts.sheets] == [False, True, True, True, False]
    assert facts.result.onsite == Decimal("7.00")
    assert "去分（不计入）" in response.text
    assert "去掉最高分 9.00 和最低分 2.00" in response.text


# --- calibration ---------------------------------------------------------------------------------------------


def test_calibration_shows_each_scorers_signed_deviation(client, cast, scored):
    client.force_login(cast.staff)
    response = client.get(reverse("evaluations:calibration", args=[scored.round.pk]))
    rows = {row.scorer_id: row for row, _size in response.context["rows"]}
    # site A: 8.9 vs 8.9; site B: 8.9 vs 7.9 → the cast's scorer +0.50 on average, scorer2 −0.50
    assert rows[cast.scorer.pk].deviation == Decimal("0.50")
    assert rows[scored.scorer2.pk].deviation == Decimal("-0.50")
    assert rows[scored.scorer2.pk].harshest == Decimal("-1.00") and rows[scored.scorer2.pk].sites == 2
    assert "偏严" in response.text and "+0.50" in response.text
    assert "不会改变任何结果" in response.text


# --- constant query counts -----------------------------------------------------------------------------------


def _bulk_round(city, sites: int):
    """A scored round of `sites` sites × 3 submitted sheets × 4 items, bulk-created."""
    standard, items = build_standard()
    round_ = RoundFactory(standard=standard, status=RoundStatus.SCORED)
    scorers = [UserFactory(username=f"t-bulk-{i}") for i in range(3)]
    made = [SiteFactory(organization=PartyOrganizationFactory(region=city.village_a)) for _ in range(sites)]
    entries = RoundSite.objects.bulk_create(RoundSite(round=round_, site=site, stage="acceptance") for site in made)
    sheets = ScoreSheet.objects.bulk_create(
        ScoreSheet(
            entry=entry,
            scorer=scorer,
            kind=SheetKind.ONSITE,
            status=SheetStatus.SUBMITTED,
            total=Decimal("7") + Decimal(n % 3),
            ten_haves=Decimal("7") + Decimal(n % 3),  # SY-01 and SY-02 below: all of the total
        )
        for n, entry in enumerate(entries)
        for scorer in scorers
    )
    scores = []
    for sheet in sheets:
        scores += [
            ItemScore(sheet=sheet, item=items[0], score=sheet.total - 2),
            ItemScore(sheet=sheet, item=items[1], score=Decimal("2")),
            ItemScore(sheet=sheet, item=items[2], score=Decimal("0"), present=True),
            ItemScore(sheet=sheet, item=items[3], score=Decimal("0"), present=True),
        ]
    ItemScore.objects.bulk_create(scores)
    Adjustment.objects.bulk_create(
        Adjustment(entry=entry, kind="deduction", points=Decimal("1"), reason="逾期") for entry in entries[:3]
    )
    return round_, entries


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_results_and_explanation_cost_the_same_queries_for_5_and_100_sites(client, cast, city):
    small, small_entries = _bulk_round(city, 5)
    large, large_entries = _bulk_round(city, 100)
    client.force_login(cast.staff)
    _queries(client, reverse("home"))  # warm the session
    counts = {
        # the first read after a change computes the round and stores its rows: a fixed number of queries too
        "computed": (_queries(client, url(small)), _queries(client, url(large))),
        "results": (_queries(client, url(small)), _queries(client, url(large))),
        "explain": (_queries(client, explain_url(small_entries[0])), _queries(client, explain_url(large_entries[0]))),
        "filtered": (
            _queries(client, url(small) + f"?region={city.village_a.pk}&sort=-final"),
            _queries(client, url(large) + f"?region={city.village_a.pk}&sort=-final"),
        ),
    }
    assert counts["results"][0] == counts["results"][1] == RESULTS_QUERIES, counts
    assert counts["explain"][0] == counts["explain"][1] == EXPLAIN_QUERIES, counts
    assert counts["filtered"][0] == counts["filtered"][1], counts
    assert counts["computed"][0] == counts["computed"][1] > RESULTS_QUERIES, counts


RESULTS_QUERIES = 11  # 3 of the session and user, 2 of the layout (menus, counters), 3 of the page (the tallies and the
# unfiltered count are kept with the rows), 3 of the status
EXPLAIN_QUERIES = 15  # the stored row is read with its round's ResultsState (result_store.result_at)


# --- the site page's panel -----------------------------------------------------------------------------------


def _site_page(client, user, site):
    client.force_login(user)
    response = client.get(site.get_absolute_url())
    assert response.status_code == 200
    return response.text


def test_site_panel_shows_the_working_result_to_staff_and_viewers_only(client, cast, scored):
    for user in (cast.staff, cast.viewer):
        text = _site_page(client, user, scored.site_a)
        assert "工作结果（尚未公示）" in text and "8.90" in text
        assert explain_url(scored.entry_a) in text
        assert 'id="site-radar"' in text
    for user in (cast.leader, cast.district):  # the site's leader, district staff of its region
        text = _site_page(client, user, scored.site_a)
        assert "暂无可查看的考评结果" in text and explain_url(scored.entry_a) not in text
        assert "8.90" not in text


def test_site_panel_shows_the_published_result_to_the_sites_leader(client, cast, scored):
    round_ = scored.round
    Publication.objects.create(
        round=round_,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
        fingerprint="x" * 64,
        results=snapshot(round_results(round_)),
        published_by=cast.staff,
    )
    round_.status = RoundStatus.PUBLISHED
    round_.save()
    text = _site_page(client, cast.leader, scored.site_a)
    assert "公示结果" in text and "8.90" in text and "优秀" in text
    assert explain_url(scored.entry_a) not in text  # the explanation is for staff and viewers
    assert 'id="site-radar"' in text
    text = _site_page(client, cast.district, scored.site_a)
    assert "公示结果" in text and explain_url(scored.entry_a) not in text
    text = _site_page(client, cast.staff, scored.site_a)
    assert "公示结果" in text and explain_url(scored.entry_a) in text
