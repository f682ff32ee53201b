"""Finalization (定案): every outcome, the batch, subsidies and rectification items in one transaction, all or
nothing; a second run does nothing; an administrator's undo reverses it all, recorded."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import AuditEntry
from evaluations import finalization as finalization_module
from evaluations.choices import RoundStatus
from evaluations.finalization import finalization_plan, finalization_undo, next_batch_name, round_finalize
from evaluations.models import Adjustment, Finalization, Objection
from evaluations.publication import sheet_reopen
from evaluations.services import round_close_scoring, sheet_excuse, sheet_reinstate, sheet_submit
from sites.models import Batch, StateChange, Subsidy
from sites.services import site_transition
from supervision.models import Rectification
from tests.evaluations.conftest import fill
from tests.evaluations.publishing import LOW_B, build_published, end_period


@pytest.fixture
def mixed(cast, city):
    """Site A (candidate) passes with 8.9; site B (formal) passes with 6.4 at a 6-point line, 2 of 5 on SY-01:
    A is named, B enters the improvement stage with a rectification item for SY-01."""
    scoring = build_published(cast, city, {("b", 0): LOW_B, ("b", 1): LOW_B}, pass_threshold=Decimal("6"))
    end_period(scoring.round)
    return scoring


def _round_records(round_):
    return {
        "state_changes": StateChange.objects.filter(cause_id=round_.pk, action__contains="通过").count()
        + StateChange.objects.filter(cause_id=round_.pk, action__contains="未通过").count(),
        "batches": Batch.objects.count(),
        "subsidies": Subsidy.objects.count(),
        "rectifications": Rectification.objects.count(),
        "finalizations": Finalization.objects.count(),
    }


def test_finalization_applies_every_outcome_batch_subsidy_and_rectification(mixed, cast):
    done = round_finalize(round=mixed.round, by=cast.staff)

    mixed.site_a.refresh_from_db()
    mixed.site_b.refresh_from_db()
    assert mixed.site_a.state == "formal" and mixed.site_b.state == "improving"
    changes = {change.site_id: change for change in StateChange.objects.filter(cause_id=mixed.round.pk)}
    assert changes[mixed.site_a.pk].action == "验收通过、授牌"
    assert changes[mixed.site_b.pk].action == "复评通过，进入全面提升阶段"
    assert changes[mixed.site_a.pk].cause == mixed.round and changes[mixed.site_a.pk].by == cast.staff
    assert "考评通过" in changes[mixed.site_a.pk].reason
    batch = Batch.objects.get()
    assert batch.name == "2026年第一批" and batch.named_on == timezone.localdate()
    assert mixed.site_a.batch == batch and mixed.site_b.batch is None
    subsidy = Subsidy.objects.get()
    assert (subsidy.site, subsidy.year, subsidy.amount) == (mixed.site_a, 2026, Decimal("10000.00"))
    rectification = Rectification.objects.get()
    assert rectification.site == mixed.site_b and rectification.item.code == "SY-01"
    assert rectification.origin == mixed.round and rectification.due_on == timezone.localdate() + timedelta(days=90)
    assert "2.00" in rectification.detail

    mixed.round.refresh_from_db()
    assert mixed.round.status == RoundStatus.FINALIZED and mixed.round.finalized_at is not None
    assert done.batch == batch and done.finalized_by == cast.staff
    assert done.created["state_changes"] == [changes[r["site"]].pk for r in done.results]
    assert done.created["subsidies"] == [subsidy.pk] and done.created["rectifications"] == [rectification.pk]
    assert done.created["named"] == [mixed.site_a.pk]
    assert [line["name"] for line in done.results] == ["甲村示范点", "甲镇示范点"]
    assert AuditEntry.objects.filter(action="round_finalize", object_id=str(mixed.round.pk)).count() == 1


def test_failed_sites_are_eliminated_or_not_passed_with_the_rule_and_nothing_named(cast, city):
    veto = {**LOW_B, "SY-01": {"score": "5"}, "FJ-01": {"present": False}}
    scoring = build_published(cast, city, {("a", 0): veto, ("a", 1): veto, ("b", 0): LOW_B, ("b", 1): LOW_B})
    end_period(scoring.round)

    done = round_finalize(round=scoring.round, by=cast.staff)

    scoring.site_a.refresh_from_db()
    scoring.site_b.refresh_from_db()
    assert scoring.site_a.state == "not_passed" and scoring.site_b.state == "eliminated"
    reason_a = StateChange.objects.get(site=scoring.site_a, cause_id=scoring.round.pk).reason
    assert reason_a.startswith("一票否决：FJ-01")
    assert "低于合格分数线" in StateChange.objects.get(site=scoring.site_b, cause_id=scoring.round.pk).reason
    assert done.batch is None and not Batch.objects.exists() and not Subsidy.objects.exists()
    assert not Rectification.objects.exists()  # neither site stays


def test_no_subsidy_is_recorded_when_the_policy_amount_is_zero(cast, city):
    scoring = build_published(cast, city, subsidy_amount=Decimal("0"))
    end_period(scoring.round)
    round_finalize(round=scoring.round, by=cast.staff)
    assert Batch.objects.get().sites.get() == scoring.site_a
    assert not Subsidy.objects.exists()


def test_the_batch_takes_the_next_free_number_of_the_year():
    assert next_batch_name(2026, []) == "2026年第一批"
    assert next_batch_name(2026, ["2026年第一批", "2026年第2批", "2025年第三批", "第四批"]) == "2026年第三批"
    assert next_batch_name(2027, [f"2027年第{n}批" for n in range(1, 12)]) == "2027年第十二批"


@pytest.mark.parametrize("step", ["subsidy_add", "rectifications_create", "batch_name_sites"])
def test_a_failing_step_rolls_everything_back(mixed, cast, monkeypatch, step):
    before = _round_records(mixed.round)

    def boom(**kwargs):
        raise RuntimeError("injected failure")

    monkeypatch.setattr(finalization_module, step, boom)
    with pytest.raises(RuntimeError):
        round_finalize(round=mixed.round, by=cast.staff)

    assert _round_records(mixed.round) == before
    assert not StateChange.objects.filter(cause_id=mixed.round.pk).exists()
    assert not Batch.objects.exists() and not Subsidy.objects.exists() and not Rectification.objects.exists()
    assert not Finalization.objects.exists()
    mixed.round.refresh_from_db()
    mixed.site_a.refresh_from_db()
    mixed.site_b.refresh_from_db()
    assert mixed.round.status == RoundStatus.PUBLISHED and mixed.round.finalized_at is None
    assert (mixed.site_a.state, mixed.site_b.state, mixed.site_a.batch_id) == ("candidate", "formal", None)
    assert not AuditEntry.objects.filter(action__in=["round_finalize", "site_transition", "subsidy_add"]).exists()


def test_a_second_finalization_does_nothing(mixed, cast):
    first = round_finalize(round=mixed.round, by=cast.staff)
    records = _round_records(mixed.round)
    audits = AuditEntry.objects.count()

    second = round_finalize(round=mixed.round, by=cast.staff)

    assert second.pk == first.pk
    assert _round_records(mixed.round) == records and AuditEntry.objects.count() == audits


def test_undo_restores_every_state_and_is_recorded(mixed, cast):
    done = round_finalize(round=mixed.round, by=cast.staff)
    rectification = Rectification.objects.get()

    finalization_undo(round=mixed.round, by=cast.admin, reason="分数线录入有误")

    mixed.site_a.refresh_from_db()
    mixed.site_b.refresh_from_db()
    assert (mixed.site_a.state, mixed.site_b.state) == ("candidate", "formal")
    assert mixed.site_a.batch_id is None and not Batch.objects.exists() and not Subsidy.objects.exists()
    rectification.refresh_from_db()
    assert rectification.status == "cancelled" and "分数线录入有误" in rectification.closing_note
    undos = StateChange.objects.filter(action="撤销考评结果").order_by("site__name")
    assert [(u.site, u.from_state, u.to_state) for u in undos] == [
        (mixed.site_a, "formal", "candidate"),
        (mixed.site_b, "improving", "formal"),
    ]
    assert all("分数线录入有误" in u.reason and u.by == cast.admin and u.cause == mixed.round for u in undos)
    done.refresh_from_db()
    assert done.undone_by == cast.admin and done.undone_at and done.undo_reason == "分数线录入有误"
    mixed.round.refresh_from_db()
    assert mixed.round.status == RoundStatus.PUBLISHED and mixed.round.finalized_at is None
    undo_audit = AuditEntry.objects.get(action="round_finalize_undo")
    assert undo_audit.reason == "分数线录入有误" and undo_audit.actor == cast.admin
    assert AuditEntry.objects.filter(action="subsidy_remove").count() == 1

    again = round_finalize(round=mixed.round, by=cast.staff)  # the round can be finalized again
    assert again.pk != done.pk and Finalization.objects.filter(undone_at__isnull=True).get() == again


def test_undo_is_for_administrators_with_a_reason(mixed, cast):
    round_finalize(round=mixed.round, by=cast.staff)
    with pytest.raises(ValidationError, match="系统管理员"):
        finalization_undo(round=mixed.round, by=cast.staff, reason="试试")
    with pytest.raises(ValidationError, match="原因"):
        finalization_undo(round=mixed.round, by=cast.admin, reason="  ")
    mixed.round.refresh_from_db()
    assert mixed.round.status == RoundStatus.FINALIZED


def test_undo_is_refused_when_a_site_changed_since(mixed, cast):
    round_finalize(round=mixed.round, by=cast.staff)
    site_transition(site=mixed.site_a, to_state="eliminated", by=cast.staff, reason="严重违纪，摘牌")
    with pytest.raises(ValidationError, match="已变为“已淘汰”"):
        finalization_undo(round=mixed.round, by=cast.admin, reason="重新计算")
    assert not StateChange.objects.filter(action="撤销考评结果").exists()


def test_an_open_objection_blocks_finalization(mixed, cast):
    publication = mixed.round.publications.get()
    objection = Objection.objects.create(
        entry=mixed.entry_a, publication=publication, text="分数有误", lodged_by=cast.leader
    )

    with pytest.raises(ValidationError, match="1 条异议未答复"):
        round_finalize(round=mixed.round, by=cast.staff)
    assert not Finalization.objects.exists() and not StateChange.objects.filter(cause_id=mixed.round.pk).exists()

    Objection.objects.filter(pk=objection.pk).update(status="rejected", answer="经核实，评分无误")
    assert round_finalize(round=mixed.round, by=cast.staff)


def test_finalization_waits_for_the_end_of_the_publication_period(cast, city):
    scoring = build_published(cast, city)
    publication = scoring.round.publications.get()
    plan = finalization_plan(scoring.round)
    assert plan.problems == [f"公示期至 {publication.ends_on:%Y-%m-%d} 结束，期满后才能定案"]
    with pytest.raises(ValidationError, match="期满后才能定案"):
        round_finalize(round=scoring.round, by=cast.staff)
    # The day after the period ends, it may.
    assert not finalization_plan(scoring.round, today=publication.ends_on + timedelta(days=1)).problems
    assert round_finalize(round=scoring.round, by=cast.staff, today=publication.ends_on + timedelta(days=1))


def test_finalization_needs_a_published_round_and_staff(scored, cast):
    with pytest.raises(ValidationError, match="尚未公示"):
        round_finalize(round=scored.round, by=cast.staff)
    with pytest.raises(ValidationError, match="工作人员"):
        round_finalize(round=scored.round, by=cast.leader)


def test_results_changed_since_publication_need_a_reason_to_finalize(mixed, cast):
    Adjustment.objects.create(
        entry=mixed.entry_b, kind="deduction", points=Decimal("1"), reason="通报批评", created_by=cast.staff
    )
    plan = finalization_plan(mixed.round)
    assert plan.needs_reason and plan.drift.lines[0]["name"] == "甲镇示范点"
    with pytest.raises(ValidationError, match="定案须说明原因"):
        round_finalize(round=mixed.round, by=cast.staff)
    done = round_finalize(round=mixed.round, by=cast.staff, reason="异议成立后更正扣分")
    assert done.created["reason"] == "异议成立后更正扣分"
    assert done.created["differences"][0]["changes"]["deductions"] == ["0.00", "1.00"]


def test_a_finalized_round_freezes_its_sheets(mixed, cast):
    round_finalize(round=mixed.round, by=cast.staff)
    sheet = mixed.sheet
    results = fill(sheet, cast.scorer, {"SY-01": {"score": "1"}})
    assert results[0].outcome == "refused"
    with pytest.raises(ValidationError, match="已定案的不能"):
        sheet_reopen(sheet=sheet, by=cast.staff, reason="再改一下")
    with pytest.raises(ValidationError):
        sheet_excuse(sheet=sheet, by=cast.staff, reason="生病")
    sheet.refresh_from_db()
    assert sheet.status == "submitted"


def test_excused_sheets_stay_excused_once_scoring_closed(scoring, cast):
    sheet_excuse(sheet=scoring.sheet2, by=cast.staff, reason="生病")
    for entry in (scoring.entry_a, scoring.entry_b):
        for scorer in (scoring.scorer, scoring.scorer2):
            sheet = entry.sheets.get(scorer=scorer)
            if sheet.status != "excused":
                fill(sheet, scorer)
                sheet_submit(sheet=sheet, by=scorer)
    round_close_scoring(round=scoring.round, by=cast.staff)
    with pytest.raises(ValidationError):
        sheet_reinstate(sheet=scoring.sheet2, by=cast.staff)


# --- pages ------------------------------------------------------------------------------------------------


def test_the_finalize_page_lists_the_outcomes_and_the_blockers(client, cast, city):
    from django.urls import reverse

    scoring = build_published(cast, city)
    address = reverse("evaluations:finalize", args=[scoring.round.pk])
    client.force_login(cast.leader)
    assert client.get(address).status_code == 403
    client.force_login(cast.staff)
    page = client.get(address).content.decode()
    assert "验收通过、授牌" in page and "复评通过，进入全面提升阶段" in page and "2026年第一批" in page
    assert "期满后才能定案" in page and "确认定案" not in page

    end_period(scoring.round)
    page = client.get(address).content.decode()
    assert "确认定案" in page
    response = client.post(address, {"reason": ""})
    assert response.status_code == 302
    scoring.round.refresh_from_db()
    assert scoring.round.status == RoundStatus.FINALIZED


def test_the_undo_page_is_for_administrators(client, mixed, cast):
    from django.urls import reverse

    round_finalize(round=mixed.round, by=cast.staff)
    address = reverse("evaluations:finalize_undo", args=[mixed.round.pk])
    client.force_login(cast.staff)
    assert client.get(address).status_code == 403
    client.force_login(cast.admin)
    page = client.get(address).content.decode()
    assert "2026年第一批" in page and "撤销定案" in page
    assert client.post(address, {"reason": ""}).status_code == 200  # the reason is required
    response = client.post(address, {"reason": "分数线录入有误"})
    assert response.status_code == 302
    mixed.round.refresh_from_db()
    assert mixed.round.status == RoundStatus.PUBLISHED
