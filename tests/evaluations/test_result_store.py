"""The stored results (evaluations.result_store) are a cache of results.round_results: after every kind of change
to an input they must equal a fresh computation, and when nothing changed they are read without computing."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluations import result_store, services
from evaluations.adjustments import adjustment_add, adjustment_withdraw
from evaluations.models import ResultsState, Round, RoundResult
from evaluations.policy import policy_update
from evaluations.publication import sheet_reopen
from evaluations.results import inputs_fingerprint, round_results, snapshot
from tests.evaluations.conftest import fill

pytestmark = pytest.mark.django_db


def assert_current(round_):
    """The stored rows read back equal a fresh computation, line by line and in order, with the fingerprint."""
    round_ = Round.objects.get(pk=round_.pk)
    stored = result_store.all_results(round_)
    fresh = round_results(round_)
    assert snapshot(stored) == snapshot(fresh)
    assert [r.counted for r in stored] == [r.counted for r in fresh]
    assert [(r.veto_failed, r.required_failed, r.reasons) for r in stored] == [
        (r.veto_failed, r.required_failed, r.reasons) for r in fresh
    ]
    state = ResultsState.objects.get(round=round_)
    assert state.fingerprint == inputs_fingerprint(round_)
    # the tallies kept with the rows are what counting the rows gives
    assert result_store.counts(round_, state) == result_store.counts(round_) and state.counts
    return stored


def test_stored_results_equal_a_fresh_computation_after_every_kind_of_change(scored, cast):
    round_ = scored.round
    first = assert_current(round_)
    assert RoundResult.objects.filter(round=round_).count() == len(first) == 2

    line = adjustment_add(entry=scored.entry_b, by=cast.staff, kind="deduction", points=Decimal("3"), reason="通报批评")
    assert_current(round_)
    adjustment_withdraw(adjustment=line, by=cast.staff, reason="录错了")
    assert_current(round_)

    policy_update(round=round_, by=cast.staff, pass_threshold=Decimal("9.5"))
    assert_current(round_)
    policy_update(round=round_, by=cast.staff, aggregation="median", pass_threshold=Decimal("6"))
    assert_current(round_)

    # A reopened sheet, corrected (the veto item now absent) and submitted again.
    sheet_reopen(sheet=scored.sheet, by=cast.staff, reason="异议成立")
    assert_current(round_)
    scored.sheet.refresh_from_db()
    fill(scored.sheet, scored.scorer, {"FJ-01": {"present": False}, "SY-01": {"score": "2"}})
    services.sheet_submit(sheet=scored.sheet, by=scored.scorer)
    after = assert_current(round_)
    assert next(r for r in after if r.entry_id == scored.entry_a.pk).veto_failed == ()  # 1 of 2 sheets: no veto

    # The site's name orders the listing; its domain decides the rank in domain.
    scored.site_b.name = "阿镇示范点"
    scored.site_b.save()
    assert "阿镇示范点" in [r.site_name for r in assert_current(round_)]

    # The standard's items decide which sheets' votes can fail a site.
    required = scored.items[2]
    required.is_required = False
    required.save()
    assert_current(round_)


def test_nothing_changed_reads_the_rows_in_one_query(scored):
    result_store.current_state(scored.round)
    with CaptureQueriesContext(connection) as queries:
        state = result_store.current_state(scored.round)
    assert state.current and len(queries) == 1


def test_a_change_while_computing_leaves_the_rows_marked_old(scored, cast, monkeypatch):
    """The version is read before the inputs: a change that lands during the computation is computed next time,
    never hidden behind rows marked current."""
    from evaluations import rules

    real = rules.compute_results

    def with_a_change_landing(inputs, policy):
        computed = real(inputs, policy)
        adjustment_add(entry=scored.entry_a, by=cast.staff, kind="bonus", points=Decimal("1"), reason="经验推广")
        return computed

    monkeypatch.setattr(rules, "compute_results", with_a_change_landing)
    state = result_store.current_state(scored.round)
    assert not ResultsState.objects.get(pk=state.pk).current
    monkeypatch.setattr(rules, "compute_results", real)
    assert_current(scored.round)
    assert next(r for r in result_store.all_results(scored.round) if r.entry_id == scored.entry_a.pk).bonus == 1


def test_the_radar_reads_the_stored_section_averages(scored):
    """The site's section averages over its counted sheets, and its domain's mean of them, as rankings computes."""
    from evaluations import rules
    from evaluations.rankings import section_averages, sheet_section_subtotals

    round_ = scored.round
    found = result_store.result_at(round_, scored.entry_a.pk)
    fresh = section_averages(round_results(round_), sheet_section_subtotals(round_))
    assert found.sections == fresh[scored.entry_a.pk] and found.sections
    same_domain = [e for e in (scored.entry_a, scored.entry_b) if e.site.domain == scored.site_a.domain]
    for section, value in found.domain_sections.items():
        values = [fresh[e.pk][section] for e in same_domain if section in fresh[e.pk]]
        assert value == rules.mean(values)


def test_a_round_still_scoring_has_no_stored_results(scoring):
    assert result_store.all_results(scoring.round) == []
    assert not RoundResult.objects.exists()
