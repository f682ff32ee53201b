"""results.py against the database: what round_results reads (only submitted on-site sheets, active adjustment
lines, the votes), that it equals the pure rules over the same facts written by hand, its constant number of
queries, the inputs' fingerprint, the stored snapshot and the differences against it."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.choices import Domain
from accounts.roles import Role
from evaluations import rules, services
from evaluations.choices import SheetKind, SheetStatus
from evaluations.models import Adjustment, ItemScore, RoundSite, ScoreSheet
from evaluations.results import (
    differences,
    inputs_fingerprint,
    result_inputs,
    round_policy,
    round_results,
    snapshot,
)
from tests.evaluations.conftest import build_standard, fill
from tests.factories import PartyOrganizationFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

D = Decimal


def adjust(entry, kind, points, *, by=None, withdrawn=False, source="manual"):
    line = Adjustment.objects.create(
        entry=entry, kind=kind, source=source, points=D(points), reason="测试", created_by=by
    )
    if withdrawn:
        Adjustment.objects.filter(pk=line.pk).update(
            withdrawn_at=timezone.now(), withdrawn_by=by, withdraw_reason="录入有误"
        )
    return line


# --- what is read ---------------------------------------------------------------------------------------------


@pytest.fixture
def mixed_sheets(scoring, cast, city):
    """The scoring round (standard: SY-01 points 5, SY-02 levels 3, LY-01 required presence 2, FJ-01 veto 0)
    with a third scorer, and sheets in every state:

        site A  scorer   4.5 + 较好 2.4 + LY 有 2 + FJ 有 = 8.90 (十有 6.90)  submitted
                scorer2  4 + 好 3 + LY 无 0 + FJ 有       = 7.00 (十有 7.00)  submitted
                scorer3  5 + 好 3 + LY 无 + FJ 无         = 8.00              excused (ignored)
                self     5 + 好 3 + LY 无 + FJ 无         = 8.00              self-assessment, submitted (ignored)
        site B  scorer   5 + 好 3 + LY 有 2 + FJ 无       = 10.00 (十有 8.00) submitted
                scorer2  3.5 + 一般 1.8 + LY 有 2 + FJ 无 = 7.30 (十有 5.30)  submitted
                scorer3  0.5 + 差 0.9 + LY 无 + FJ 无     = 1.40              in progress (ignored)

    Adjustments: A deduction 0.5, bonus 1, a withdrawn deduction 2; B bonus 7 (capped to 5), a withdrawn
    deduction 1."""
    scorer3 = UserFactory(
        username="t-scorer3",
        full_name="第三评分人",
        organization=PartyOrganizationFactory(region=city.district_b),
        roles=[Role.SCORER],
    )
    services.team_save(
        round=scoring.round,
        by=cast.staff,
        name=scoring.team.name,
        leader=cast.teamlead,
        members=[scoring.scorer, scoring.scorer2, scorer3],
        team=scoring.team,
    )
    values = {
        ("a", scoring.scorer): ("4.5", "较好", True, True, "submit"),
        ("a", scoring.scorer2): ("4", "好", False, True, "submit"),
        ("a", scorer3): ("5", "好", False, False, "excuse"),
        ("b", scoring.scorer): ("5", "好", True, False, "submit"),
        ("b", scoring.scorer2): ("3.5", "一般", True, False, "submit"),
        ("b", scorer3): ("0.5", "差", False, False, "leave"),
    }
    entries = {"a": scoring.entry_a, "b": scoring.entry_b}
    for (letter, scorer), (sy1, sy2, ly, fj, then) in values.items():
        sheet = entries[letter].sheets.get(scorer=scorer, kind=SheetKind.ONSITE)
        fill(
            sheet,
            scorer,
            {"SY-01": {"score": sy1}, "SY-02": {"level": sy2}, "LY-01": {"present": ly}, "FJ-01": {"present": fj}},
        )
        if then == "submit":
            services.sheet_submit(sheet=sheet, by=scorer)
        elif then == "excuse":
            services.sheet_excuse(sheet=sheet, by=cast.staff, reason="临时出差")
    # A submitted self-assessment that marks both items absent: it must count for nothing.
    own = ScoreSheet.objects.create(
        entry=scoring.entry_a, kind=SheetKind.SELF, scorer=cast.leader, status=SheetStatus.SUBMITTED, total=D("8")
    )
    items = {item.code: item for item in scoring.items}
    ItemScore.objects.bulk_create(
        [
            ItemScore(sheet=own, item=items["SY-01"], score=D("5")),
            ItemScore(sheet=own, item=items["SY-02"], score=D("3"), level="好"),
            ItemScore(sheet=own, item=items["LY-01"], score=D("0"), present=False),
            ItemScore(sheet=own, item=items["FJ-01"], score=D("0"), present=False),
        ]
    )
    adjust(scoring.entry_a, "deduction", "0.5", by=cast.staff)
    adjust(scoring.entry_a, "bonus", "1", by=cast.staff, source="experience")
    adjust(scoring.entry_a, "deduction", "2", by=cast.staff, withdrawn=True)
    adjust(scoring.entry_b, "bonus", "7", by=cast.staff)
    adjust(scoring.entry_b, "deduction", "1", by=cast.staff, withdrawn=True)
    scoring.scorer3 = scorer3
    return scoring


def test_round_results_equal_the_rules_over_facts_written_by_hand(mixed_sheets, cast):
    s = mixed_sheets

    def sheet(entry, scorer):
        return entry.sheets.get(scorer=scorer, kind=SheetKind.ONSITE)

    def score(entry, scorer, total, ten_haves):
        return rules.SheetScore(
            id=sheet(entry, scorer).pk,
            scorer=scorer.full_name or scorer.username,
            total=D(total),
            ten_haves=D(ten_haves),
            scorer_id=scorer.pk,
        )

    by_hand = [
        rules.ResultInput(
            entry_id=s.entry_a.pk,
            site_name="甲村示范点",
            domain="rural",
            stage="acceptance",
            sheets=(score(s.entry_a, s.scorer, "8.90", "6.90"), score(s.entry_a, s.scorer2, "7.00", "7.00")),
            votes=(rules.Vote("LY-01", "有醒目的标识牌", False, 1, 2),),
            deductions=D("0.50"),
            bonus=D("1.00"),
            site_id=s.site_a.pk,
            region=s.site_a.region.path,
        ),
        rules.ResultInput(
            entry_id=s.entry_b.pk,
            site_name="甲镇示范点",
            domain="rural",
            stage="review",
            sheets=(score(s.entry_b, s.scorer, "10.00", "8.00"), score(s.entry_b, s.scorer2, "7.30", "5.30")),
            votes=(rules.Vote("FJ-01", "无严重违纪违法问题", True, 2, 2),),
            deductions=D("0"),
            bonus=D("7"),
            site_id=s.site_b.pk,
            region=s.site_b.region.path,
        ),
    ]
    results = round_results(s.round)
    assert results == rules.compute_results(by_hand, rules.Policy())
    a, b = results
    # A: (8.90 + 7.00) / 2 = 7.95; 7.95 − 0.50 + 1.00 = 8.45; LY-01 absent on 1 of 2: not a failure
    assert (a.entry_id, a.onsite, a.deductions, a.bonus, a.final, a.ten_haves) == (
        s.entry_a.pk,
        D("7.95"),
        D("0.50"),
        D("1.00"),
        D("8.45"),
        D("6.95"),
    )
    assert a.required_failed == () and a.rank == 1 and a.failing_rule == "最终得分 8.45 低于合格分数线 85.00"
    # B: (10 + 7.30) / 2 = 8.65; bonus 7 capped to 5 → 13.65; FJ-01 absent on both: vetoed, no rank
    assert (b.onsite, b.bonus_raw, b.bonus, b.final, b.rank) == (D("8.65"), D("7.00"), D("5.00"), D("13.65"), None)
    assert [(v.code, v.absent, v.sheets) for v in b.veto_failed] == [("FJ-01", 2, 2)]
    assert b.outcome == "eliminated"


def test_only_submitted_onsite_sheets_count(mixed_sheets):
    s = mixed_sheets
    inputs = {facts.entry_id: facts for facts in result_inputs(s.round)}
    counted = {facts.entry_id: sorted(sheet.id for sheet in facts.sheets) for facts in inputs.values()}
    submitted = ScoreSheet.objects.filter(kind=SheetKind.ONSITE, status=SheetStatus.SUBMITTED)
    assert counted == {
        s.entry_a.pk: sorted(submitted.filter(entry=s.entry_a).values_list("pk", flat=True)),
        s.entry_b.pk: sorted(submitted.filter(entry=s.entry_b).values_list("pk", flat=True)),
    }
    ignored = ScoreSheet.objects.exclude(pk__in=submitted)
    assert set(ignored.values_list("kind", "status")) == {
        ("onsite", "excused"),
        ("onsite", "in_progress"),
        ("self", "submitted"),
    }
    assert all(sheet.scorer_id != s.scorer3.pk for facts in inputs.values() for sheet in facts.sheets)


def test_votes_count_absent_marks_of_submitted_sheets_only(mixed_sheets):
    s = mixed_sheets
    votes = {facts.entry_id: facts.votes for facts in result_inputs(s.round)}
    # A: LY-01 absent on scorer2's sheet only (the excused sheet and the self-assessment say 无 too: ignored);
    # FJ-01 present on both submitted sheets, so no vote is needed for it. B: FJ-01 absent on both.
    assert votes == {
        s.entry_a.pk: (rules.Vote("LY-01", "有醒目的标识牌", False, 1, 2),),
        s.entry_b.pk: (rules.Vote("FJ-01", "无严重违纪违法问题", True, 2, 2),),
    }


def test_withdrawn_adjustment_lines_are_ignored(mixed_sheets, cast):
    s = mixed_sheets
    facts = {f.entry_id: f for f in result_inputs(s.round)}
    assert (facts[s.entry_a.pk].deductions, facts[s.entry_a.pk].bonus) == (D("0.50"), D("1.00"))
    assert (facts[s.entry_b.pk].deductions, facts[s.entry_b.pk].bonus) == (D("0"), D("7.00"))
    # withdrawing the last active line of a kind brings it back to 0
    Adjustment.objects.filter(entry=s.entry_a, kind="deduction").update(withdrawn_at=timezone.now())
    facts = {f.entry_id: f for f in result_inputs(s.round)}
    assert facts[s.entry_a.pk].deductions == D("0")


def test_entries_restrict_the_facts_to_those_sites(mixed_sheets):
    s = mixed_sheets
    only_b = result_inputs(s.round, RoundSite.objects.filter(pk=s.entry_b.pk))
    assert [facts.entry_id for facts in only_b] == [s.entry_b.pk]
    assert only_b[0] == next(f for f in result_inputs(s.round) if f.entry_id == s.entry_b.pk)


def test_a_site_without_any_submitted_sheet_has_no_score(scoring):
    results = round_results(scoring.round)
    assert {(r.onsite, r.final, r.rank, r.passed) for r in results} == {(None, None, None, False)}


# --- a constant number of queries -------------------------------------------------------------------------------


def build_round(cast, city, sites: int, name: str):
    """A round of `sites` sites in two domains, two scorers each, every sheet imported (bulk) and the round
    closed; every other site has a deduction line, a bonus line, a withdrawn line, and a required item absent."""
    standard, items = build_standard()
    organs = city.org_city.region
    made = [
        SiteFactory(
            name=f"{name}{n:03d}",
            organization=PartyOrganizationFactory(
                domain=Domain.RURAL if n % 3 else Domain.ORGAN, region=city.village_a if n % 3 else organs
            ),
        )
        for n in range(sites)
    ]
    scorers = [
        UserFactory(organization=PartyOrganizationFactory(region=city.town_b), roles=[Role.SCORER]) for _ in range(2)
    ]
    round_ = services.round_create(
        by=cast.staff,
        name=name,
        year=2026,
        standard=standard,
        self_assessment_start=timezone.localdate(),
        self_assessment_end=timezone.localdate(),
        scoring_start=timezone.localdate(),
        scoring_end=timezone.localdate(),
    )
    services.round_add_sites(round=round_, sites=made, by=cast.staff)
    team = services.team_save(round=round_, by=cast.staff, name="组", leader=cast.teamlead, members=scorers)
    entries = list(round_.entries.order_by("pk"))
    services.assign_sites(round=round_, team=team, entries=entries, by=cast.staff)
    services.round_open(round=round_, by=cast.staff)
    services.round_start_scoring(round=round_, by=cast.staff)
    code = {item.code: item.pk for item in items}
    rows = []
    for number, sheet in enumerate(ScoreSheet.objects.filter(entry__round=round_, kind="onsite").order_by("pk")):
        rows.append(
            services.PaperSheet(
                sheet=sheet,
                values={
                    code["SY-01"]: {"score": str(D(number % 11) / 2)},
                    code["SY-02"]: {"level": "好"},
                    code["LY-01"]: {"present": number % 4 != 0},
                    code["FJ-01"]: {"present": number % 7 != 0},
                },
                label=f"第 {number} 行",
            )
        )
    services.sheets_import(round=round_, rows=rows, by=cast.staff)
    services.round_close_scoring(round=round_, by=cast.staff)
    for entry in entries[::2]:
        adjust(entry, "deduction", "1", by=cast.staff)
        adjust(entry, "bonus", "2", by=cast.staff)
        adjust(entry, "deduction", "3", by=cast.staff, withdrawn=True)
    round_.refresh_from_db()
    return round_


def test_round_results_take_the_same_number_of_queries_for_2_and_20_sites(cast, city):
    small = build_round(cast, city, 2, "小轮次")
    large = build_round(cast, city, 20, "大轮次")
    counts = []
    for round_ in (small, large):
        with CaptureQueriesContext(connection) as queries:
            results = round_results(round_)
        counts.append(len(queries.captured_queries))
        assert all(r.sheet_count == 2 for r in results)
    assert counts[0] == counts[1] <= 5  # items, the votes, sheets, adjustments, sites
    with CaptureQueriesContext(connection) as queries:
        inputs_fingerprint(large)
    assert len(queries.captured_queries) <= 3


# --- the fingerprint ------------------------------------------------------------------------------------------------


def test_the_fingerprint_moves_with_every_input_and_nothing_else(scored, cast):
    round_ = scored.round
    before = inputs_fingerprint(round_)
    assert len(before) == 64 and inputs_fingerprint(round_) == before

    def same():
        assert inputs_fingerprint(round_) == before

    def moved():
        nonlocal before
        now = inputs_fingerprint(round_)
        assert now != before
        before = now

    # Not inputs: computing, a sheet's remark, a line's reason, a site's name, a self-assessment, the audit log.
    round_results(round_)
    same()
    ScoreSheet.objects.filter(pk=scored.sheet.pk).update(remark="意见", updated_at=timezone.now())
    same()
    line = adjust(scored.entry_a, "deduction", "1", by=cast.staff)
    moved()  # a new line
    Adjustment.objects.filter(pk=line.pk).update(reason="改写事由")
    same()
    scored.site_a.name = "改名示范点"
    scored.site_a.save()
    same()
    ScoreSheet.objects.create(entry=scored.entry_a, kind=SheetKind.SELF, scorer=cast.leader, total=D("9"))
    same()
    round_.notes = "说明"
    round_.save()
    same()

    # Inputs: every sheet total, version and status; every line's points and withdrawal; every policy field;
    # the sites taking part, their stage and domain.
    ScoreSheet.objects.filter(pk=scored.sheet.pk).update(total=D("7.90"))
    moved()
    ScoreSheet.objects.filter(pk=scored.sheet.pk).update(version=99)
    moved()
    ScoreSheet.objects.filter(pk=scored.sheet.pk).update(status=SheetStatus.IN_PROGRESS)
    moved()
    Adjustment.objects.filter(pk=line.pk).update(points=D("1.5"))
    moved()
    Adjustment.objects.filter(pk=line.pk).update(withdrawn_at=timezone.now())
    moved()
    adjust(scored.entry_b, "bonus", "1", by=cast.staff)
    moved()
    changes = {
        "pass_threshold": D("80"),
        "grade_bands": [{"label": "优秀", "min": "92"}, {"label": "合格", "min": "85"}],
        "aggregation": "median",
        "disagreement_threshold": D("6"),
        "deduction_criticism": D("3"),
        "deduction_late_answer": D("1"),
        "deduction_overdue_rectification": D("2"),
        "bonus_experience": D("2"),
        "bonus_cap": D("4"),
        "publication_days": 7,
        "inspection_interval": 2,
        "subsidy_amount": D("20000"),
    }
    from evaluations.models import POLICY_FIELDS

    assert set(changes) == set(POLICY_FIELDS)
    for name, value in changes.items():
        setattr(round_, name, value)
        round_.save()
        moved()
    RoundSite.objects.filter(pk=scored.entry_b.pk).update(stage="inspection")
    moved()
    scored.site_b.domain = Domain.ORGAN
    scored.site_b.save()
    moved()


def test_a_correction_through_the_services_moves_the_fingerprint(scoring, cast):
    fill(scoring.sheet, scoring.scorer)
    before = inputs_fingerprint(scoring.round)
    # the same total, a different vote: the sheet's version moves, so does the fingerprint
    fill(
        scoring.sheet,
        scoring.scorer,
        {
            "SY-01": {"score": "4.5"},
            "SY-02": {"level": "较好"},
            "LY-01": {"present": True},
            "FJ-01": {"present": False},
        },
    )
    scoring.sheet.refresh_from_db()
    assert scoring.sheet.total == D("8.90")
    assert inputs_fingerprint(scoring.round) != before


# --- snapshot and differences --------------------------------------------------------------------------------------


def test_the_snapshot_is_json_and_says_everything_compared(scored):
    lines = snapshot(round_results(scored.round))
    stored = json.loads(json.dumps(lines, ensure_ascii=False))
    assert stored == lines
    first = lines[0]
    assert set(first) == {
        "entry", "site", "name", "domain", "stage", "onsite", "mean", "median", "deductions", "bonus", "final",
        "grade", "passed", "reasons", "outcome", "rank", "domain_rank",
    }  # fmt: skip
    assert first == {
        "entry": scored.entry_a.pk,
        "site": scored.site_a.pk,
        "name": "甲村示范点",
        "domain": "rural",
        "stage": "acceptance",
        "onsite": "8.90",
        "mean": "8.90",
        "median": "8.90",
        "deductions": "0.00",
        "bonus": "0.00",
        "final": "8.90",
        "grade": "不合格",
        "passed": False,
        "reasons": ["最终得分 8.90 低于合格分数线 85.00"],
        "outcome": "not_passed",
        "rank": 1,
        "domain_rank": 1,
    }
    # a site without a score is JSON too
    assert json.loads(json.dumps(snapshot([rules.site_result(rules.ResultInput(1, "无分", "rural", "review", ()),
                                                              rules.Policy())])))[0]["final"] is None  # fmt: skip


def test_differences_report_exactly_the_changed_fields(scored, cast):
    published = json.loads(json.dumps(snapshot(round_results(scored.round))))
    assert differences(published, snapshot(round_results(scored.round))) == []
    # Both sites: 8.90, tied at rank 1. A deduction of 1 on A: 7.90, rank 2 (overall and in the rural domain).
    adjust(scored.entry_a, "deduction", "1", by=cast.staff)
    current = snapshot(round_results(scored.round))
    assert differences(published, current) == [
        {
            "entry": scored.entry_a.pk,
            "name": "甲村示范点",
            "changes": {
                "deductions": ["0.00", "1.00"],
                "final": ["8.90", "7.90"],
                "rank": [1, 2],
                "domain_rank": [1, 2],
            },
        }
    ]
    # A bonus of 0.5 for B as well changes B's final only (it stays first).
    adjust(scored.entry_b, "bonus", "0.5", by=cast.staff)
    changed = {d["entry"]: d["changes"] for d in differences(published, snapshot(round_results(scored.round)))}
    assert changed[scored.entry_b.pk] == {"bonus": ["0.00", "0.50"], "final": ["8.90", "9.40"]}
    assert set(changed[scored.entry_a.pk]) == {"deductions", "final", "rank", "domain_rank"}


def test_differences_name_a_site_added_or_gone(scored):
    published = snapshot(round_results(scored.round))
    a, b = published
    assert differences([a], [a, b]) == [{"entry": b["entry"], "name": b["name"], "changes": {"entry": [None, "新增"]}}]
    assert differences([a, b], [a]) == [
        {"entry": b["entry"], "name": b["name"], "changes": {"entry": ["已公示", "移出"]}}
    ]


def test_round_policy_overrides_for_a_what_if(scored):
    policy = round_policy(scored.round, pass_threshold=D("8"), aggregation="median")
    assert policy.pass_threshold == D("8") and policy.aggregation == "median"
    assert policy.bonus_cap == D("5") and policy.grade_bands == rules.Policy().grade_bands
    results = round_results(scored.round, policy)
    assert all(r.passed for r in results)
    assert [f.entry_id for f in rules.policy_flips(round_results(scored.round), results)] == [
        r.entry_id for r in results
    ]


def test_fingerprint_is_the_same_for_a_policy_value_assigned_or_read_back(scored):
    from evaluations.models import Round
    from evaluations.results import inputs_fingerprint

    round_ = Round.objects.get(pk=scored.round.pk)
    read_back = inputs_fingerprint(round_)
    round_.pass_threshold = Decimal(85)  # as a form or a service assigns it, before saving
    round_.publication_days = 5
    round_.grade_bands = [{"label": "优秀", "min": 90}, {"label": "合格", "min": "85.0"}]
    assert inputs_fingerprint(round_) == read_back
    round_.pass_threshold = Decimal("85.5")
    assert inputs_fingerprint(round_) != read_back
