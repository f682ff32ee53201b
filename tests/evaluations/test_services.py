"""Services of rounds and sheets against the database: steps, conflicts, sync, submission, return."""

import uuid
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from accounts.roles import Role
from core.models import AuditEntry, Notification
from evaluations import services
from evaluations.choices import RoundStatus, SheetStatus, Stage
from evaluations.models import ItemScore, ScoreChange, ScoreSheet
from tests.evaluations.conftest import build_standard, fill
from tests.factories import PartyOrganizationFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


def change(sheet, item, base=0, seq=1, **value):
    return {"client_id": str(uuid.uuid4()), "seq": seq, "item": item.pk, "base": base, **value}


# --- the round's steps ------------------------------------------------------------------------------


def test_opening_a_round_freezes_its_standard_and_starts_nominated_units(cast, city):
    standard, _items = build_standard()
    nominated = SiteFactory(organization=city.org_a, state="nominated")
    round_ = services.round_create(
        by=cast.staff,
        name="验收",
        year=2026,
        standard=standard,
        self_assessment_start=date(2026, 10, 1),
        self_assessment_end=date(2026, 10, 9),
    )
    services.round_add_sites(round=round_, sites=[nominated], by=cast.staff)
    services.round_open(round=round_, by=cast.staff)
    standard.refresh_from_db()
    nominated.refresh_from_db()
    assert standard.status == "frozen"
    assert nominated.state == "candidate"
    assert round_.status == RoundStatus.SELF_ASSESSMENT
    assert AuditEntry.objects.filter(action="round_status", object_id=str(round_.pk)).exists()


def test_a_draft_round_cannot_open_without_sites_or_windows(cast):
    standard, _items = build_standard()
    round_ = services.round_create(by=cast.staff, name="验收", year=2026, standard=standard)
    problems = services.open_problems(round_)
    assert "还没有参评示范点" in problems and "请设置自评时间" in problems
    with pytest.raises(ValidationError):
        services.round_open(round=round_, by=cast.staff)
    round_.refresh_from_db()
    assert round_.status == RoundStatus.DRAFT


def test_steps_may_not_be_skipped_or_repeated(scoring, cast):
    with pytest.raises(ValidationError):
        services.round_open(round=scoring.round, by=cast.staff)
    with pytest.raises(ValidationError):
        services.round_start_scoring(round=scoring.round, by=cast.staff)


def test_scoring_cannot_start_while_a_site_has_no_team(cast, city):
    standard, _items = build_standard()
    site = SiteFactory(organization=city.org_a)
    round_ = services.round_create(
        by=cast.staff,
        name="验收",
        year=2026,
        standard=standard,
        self_assessment_start=date(2026, 10, 1),
        self_assessment_end=date(2026, 10, 9),
        scoring_start=date(2026, 11, 1),
        scoring_end=date(2026, 11, 9),
    )
    services.round_add_sites(round=round_, sites=[site], by=cast.staff)
    services.round_open(round=round_, by=cast.staff)
    assert services.scoring_problems(round_) == ["还有 1 个示范点未分配验收组"]


def test_scoring_closes_only_when_every_sheet_is_submitted_or_excused(scoring, cast):
    assert services.close_problems(scoring.round)
    for sheet in ScoreSheet.objects.filter(entry__round=scoring.round):
        if sheet.scorer == scoring.scorer2 and sheet.entry == scoring.entry_b:
            services.sheet_excuse(sheet=sheet, by=cast.staff, reason="出差")
            continue
        fill(sheet, sheet.scorer)
        services.sheet_submit(sheet=sheet, by=sheet.scorer)
    services.round_close_scoring(round=scoring.round, by=cast.staff)
    scoring.round.refresh_from_db()
    assert scoring.round.status == RoundStatus.SCORED


def test_stage_follows_from_the_sites_state(scoring):
    assert scoring.entry_a.stage == Stage.ACCEPTANCE
    assert scoring.entry_b.stage == Stage.REVIEW


def test_sites_outside_the_programme_are_skipped_with_the_reason(cast, city):
    standard, _items = build_standard()
    gone = SiteFactory(organization=city.org_a, state="eliminated")
    round_ = services.round_create(by=cast.staff, name="验收", year=2026, standard=standard)
    result = services.round_add_sites(round=round_, sites=[gone], by=cast.staff)
    assert result.added == [] and "不参加考评" in result.skipped[0][1]


# --- conflict of interest -----------------------------------------------------------------------------


def test_a_scorer_may_not_score_a_site_of_their_own_organization(scoring, cast, city):
    own = UserFactory(username="own-org", organization=city.org_a, roles=[Role.SCORER])
    with pytest.raises(ValidationError) as refused:
        services.team_save(
            round=scoring.round,
            team=scoring.team,
            by=cast.staff,
            name=scoring.team.name,
            leader=cast.teamlead,
            members=[cast.scorer, scoring.scorer2, own],
        )
    assert "同属" in str(refused.value)


def test_a_scorer_may_not_score_a_site_inside_their_own_region(scoring, cast, city):
    district_scorer = UserFactory(
        username="district-org", organization=PartyOrganizationFactory(region=city.district_a), roles=[Role.SCORER]
    )
    team = services.team_save(round=scoring.round, by=cast.staff, name="第二组", members=[district_scorer])
    result = services.assign_sites(round=scoring.round, team=team, entries=[scoring.entry_a], by=cast.staff)
    assert result.assigned == []
    assert "范围内" in result.refused[0][1] and "甲区" in result.refused[0][1]
    scoring.entry_a.refresh_from_db()
    assert scoring.entry_a.team == scoring.team


def test_a_declared_conflict_excuses_the_sheet_and_tells_staff(scoring, cast):
    services.sheet_declare_conflict(sheet=scoring.sheet, by=cast.scorer, reason="配偶在该村工作")
    scoring.sheet.refresh_from_db()
    assert scoring.sheet.status == SheetStatus.EXCUSED and scoring.sheet.is_conflict
    assert Notification.objects.filter(recipient=cast.staff, title__contains="申报回避").exists()
    assert Notification.objects.filter(recipient=cast.teamlead, title__contains="申报回避").exists()


# --- sync ---------------------------------------------------------------------------------------------


def test_the_same_change_delivered_twice_counts_once(scoring, cast):
    points = scoring.items[0]
    once = change(scoring.sheet, points, score="4")
    first = services.sheet_apply_changes(sheet=scoring.sheet, by=cast.scorer, changes=[once])
    again = services.sheet_apply_changes(sheet=scoring.sheet, by=cast.scorer, changes=[once])
    assert [first[0].outcome, again[0].outcome] == ["applied", "duplicate"]
    score = ItemScore.objects.get(sheet=scoring.sheet, item=points)
    assert score.version == 1 and ScoreChange.objects.filter(sheet=scoring.sheet).count() == 1


def test_a_stale_change_is_refused_with_the_servers_value(scoring, cast):
    points = scoring.items[0]
    services.sheet_apply_changes(
        sheet=scoring.sheet, by=cast.scorer, changes=[change(scoring.sheet, points, score="4")]
    )
    stale = services.sheet_apply_changes(
        sheet=scoring.sheet, by=cast.scorer, changes=[change(scoring.sheet, points, base=0, score="2")]
    )
    assert stale[0].outcome == "stale" and "4.00" in stale[0].message
    assert ItemScore.objects.get(sheet=scoring.sheet, item=points).score == 4


def test_out_of_order_delivery_ends_in_the_last_change(scoring, cast):
    points = scoring.items[0]
    first = change(scoring.sheet, points, base=0, seq=1, score="2")
    second = change(scoring.sheet, points, base=1, seq=2, score="3.5")
    early = services.sheet_apply_changes(sheet=scoring.sheet, by=cast.scorer, changes=[second])
    assert early[0].outcome == "early"
    services.sheet_apply_changes(sheet=scoring.sheet, by=cast.scorer, changes=[first])
    services.sheet_apply_changes(sheet=scoring.sheet, by=cast.scorer, changes=[second])
    assert ItemScore.objects.get(sheet=scoring.sheet, item=points).score == 3.5


def test_one_batch_is_applied_in_sequence_order(scoring, cast):
    points = scoring.items[0]
    batch = [
        change(scoring.sheet, points, base=1, seq=2, score="1"),
        change(scoring.sheet, points, base=0, seq=1, score="5"),
    ]
    outcomes = services.sheet_apply_changes(sheet=scoring.sheet, by=cast.scorer, changes=batch)
    assert [r.outcome for r in outcomes] == ["applied", "applied"]
    assert ItemScore.objects.get(sheet=scoring.sheet, item=points).score == 1


def test_a_score_off_the_allowed_steps_is_refused(scoring, cast):
    result = services.sheet_apply_changes(
        sheet=scoring.sheet, by=cast.scorer, changes=[change(scoring.sheet, scoring.items[0], score="4.3")]
    )
    assert result[0].outcome == "refused" and "0.5" in result[0].message


def test_another_scorer_cannot_change_a_sheet(scoring, cast):
    result = services.sheet_apply_changes(
        sheet=scoring.sheet, by=scoring.scorer2, changes=[change(scoring.sheet, scoring.items[0], score="4")]
    )
    assert result[0].outcome == "refused"
    assert not ItemScore.objects.filter(sheet=scoring.sheet).exists()


def test_totals_follow_the_entries(scoring, cast):
    fill(scoring.sheet, cast.scorer)
    scoring.sheet.refresh_from_db()
    # 4.5 + 3 × 0.8 + 2 + 0
    assert str(scoring.sheet.total) == "8.90" and scoring.sheet.scored_count == 4


# --- submission, lock, return ----------------------------------------------------------------------------


def test_submit_needs_every_item_scored_and_every_veto_item_decided(scoring, cast):
    fill(scoring.sheet, cast.scorer, {"SY-01": {"score": "5"}})
    with pytest.raises(ValidationError) as refused:
        services.sheet_submit(sheet=scoring.sheet, by=cast.scorer)
    assert "3 项未评分" in str(refused.value) and "FJ-01" in str(refused.value)


def test_a_submitted_sheet_is_locked(scoring, cast):
    fill(scoring.sheet, cast.scorer)
    services.sheet_submit(sheet=scoring.sheet, by=cast.scorer)
    result = services.sheet_apply_changes(
        sheet=scoring.sheet, by=cast.scorer, changes=[change(scoring.sheet, scoring.items[0], base=1, score="1")]
    )
    assert result[0].outcome == "refused" and "已提交" in result[0].message


def test_a_returned_sheet_records_every_later_change_with_the_reason(scoring, cast):
    fill(scoring.sheet, cast.scorer)
    services.sheet_submit(sheet=scoring.sheet, by=cast.scorer)
    services.sheet_return(sheet=scoring.sheet, by=cast.teamlead, reason="SY-01 评分偏高，请复核")
    assert Notification.objects.filter(recipient=cast.scorer, title__contains="退回").exists()
    result = services.sheet_apply_changes(
        sheet=scoring.sheet, by=cast.scorer, changes=[change(scoring.sheet, scoring.items[0], base=1, score="3")]
    )
    assert result[0].outcome == "applied"
    logged = ScoreChange.objects.filter(sheet=scoring.sheet, after_submission=True, item=scoring.items[0]).get()
    assert logged.old["score"] == "4.50" and logged.new["score"] == "3.00"
    assert logged.by == cast.scorer and logged.reason == "SY-01 评分偏高，请复核"
    services.sheet_submit(sheet=scoring.sheet, by=cast.scorer)


def test_only_submitted_sheets_can_be_returned_and_only_with_a_reason(scoring, cast):
    with pytest.raises(ValidationError):
        services.sheet_return(sheet=scoring.sheet, by=cast.teamlead, reason="x")
    fill(scoring.sheet, cast.scorer)
    services.sheet_submit(sheet=scoring.sheet, by=cast.scorer)
    with pytest.raises(ValidationError):
        services.sheet_return(sheet=scoring.sheet, by=cast.teamlead, reason="  ")


def test_only_the_sites_own_leader_fills_in_its_self_assessment(cast, city):
    from sites.models import CreationGroupMember

    standard, items = build_standard()
    site = SiteFactory(organization=city.org_a)
    CreationGroupMember.objects.create(site=site, name="负责人", user=cast.leader)
    other_leader = UserFactory(username="other-leader", roles=[Role.LEADER])
    round_ = services.round_create(
        by=cast.staff,
        name="自评",
        year=2026,
        standard=standard,
        self_assessment_start=date(2026, 10, 1),
        self_assessment_end=date(2026, 12, 31),
    )
    services.round_add_sites(round=round_, sites=[site], by=cast.staff)
    services.round_open(round=round_, by=cast.staff)
    sheet = services.self_assessment_for(round_.entries.get(), cast.leader)
    refused = services.sheet_apply_changes(sheet=sheet, by=other_leader, changes=[change(sheet, items[0], score="5")])
    applied = services.sheet_apply_changes(sheet=sheet, by=cast.leader, changes=[change(sheet, items[0], score="5")])
    assert refused[0].outcome == "refused" and "负责人" in refused[0].message
    assert applied[0].outcome == "applied"
