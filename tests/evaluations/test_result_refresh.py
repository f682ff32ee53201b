"""A large round's stored results are recomputed by a background job right after an input changes and when its
scoring closes (result_store.refresh_soon, tasks.refresh_results), so that the next page view finds them current;
smaller rounds, and rounds still being scored, are left to the next page view (issue 12: a 100,000-site round
takes about 11 seconds to store). Celery runs eagerly in the tests: a queued job runs at once."""

from decimal import Decimal

import pytest

from evaluations import result_store, services
from evaluations.adjustments import adjustment_add
from evaluations.models import ResultsState, RoundResult
from tests.evaluations.conftest import build_scoring, fill
from tests.evaluations.test_result_store import assert_current

pytestmark = pytest.mark.django_db


def _current(round_) -> bool:
    state = ResultsState.objects.filter(round=round_).first()
    return state is not None and state.current


def _change(scored, cast):
    adjustment_add(entry=scored.entry_b, by=cast.staff, kind="deduction", points=Decimal("3"), reason="通报批评")


def test_a_large_round_is_recomputed_once_the_change_is_committed(
    scored, cast, settings, django_capture_on_commit_callbacks
):
    settings.RESULTS_REFRESH_FROM = 2  # the scored round has two sites: "large" here
    result_store.current_state(scored.round)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _change(scored, cast)
        assert not _current(scored.round)  # until the change is committed
    assert callbacks
    assert _current(scored.round)  # stored by the job, before any page asked
    assert_current(scored.round)  # and equal to a fresh computation


def test_a_smaller_round_is_left_to_the_next_page_view(scored, cast, settings, django_capture_on_commit_callbacks):
    settings.RESULTS_REFRESH_FROM = 3
    result_store.current_state(scored.round)
    with django_capture_on_commit_callbacks(execute=True):
        _change(scored, cast)
    assert not _current(scored.round)
    assert_current(scored.round)  # a page view computes it


def test_a_round_being_scored_queues_nothing(cast, city, settings, django_capture_on_commit_callbacks):
    settings.RESULTS_REFRESH_FROM = 1
    scoring = build_scoring(cast, city)
    sheet = scoring.entry_a.sheets.get(scorer=scoring.scorer, kind="onsite")
    with django_capture_on_commit_callbacks(execute=True):
        fill(sheet, scoring.scorer)
    assert result_store.refresh_soon(round_id=scoring.round.pk) == []
    assert not RoundResult.objects.exists()


def test_closing_a_large_rounds_scoring_stores_its_results(cast, city, settings, django_capture_on_commit_callbacks):
    settings.RESULTS_REFRESH_FROM = 2
    scoring = build_scoring(cast, city)
    for entry in (scoring.entry_a, scoring.entry_b):
        for scorer in (scoring.scorer, scoring.scorer2):
            sheet = entry.sheets.get(scorer=scorer, kind="onsite")
            fill(sheet, scorer)
            services.sheet_submit(sheet=sheet, by=scorer)
    with django_capture_on_commit_callbacks(execute=True):
        services.round_close_scoring(round=scoring.round, by=cast.staff)
    assert _current(scoring.round)
    assert RoundResult.objects.filter(round=scoring.round).count() == 2


def test_the_job_stores_old_rows_once(scored):
    assert result_store.refresh(scored.round.pk) is True  # never stored: stored now
    assert result_store.refresh(scored.round.pk) is False  # current: nothing to do
    assert_current(scored.round)


def test_the_job_leaves_a_round_being_scored_alone(scoring):
    assert result_store.refresh(scoring.round.pk) is False
    assert not RoundResult.objects.exists()


def test_with_the_broker_down_the_change_still_succeeds(scored, cast, settings, monkeypatch, caplog):
    from kombu.exceptions import OperationalError

    from evaluations import tasks

    def down(*args, **kwargs):
        raise OperationalError("broker down")

    monkeypatch.setattr(tasks.refresh_results, "delay", down)
    settings.RESULTS_REFRESH_FROM = 2
    result_store.current_state(scored.round)
    _change(scored, cast)
    assert result_store.refresh_soon(round_id=scored.round.pk) == [scored.round.pk]
    assert "next page view computes them" in caplog.text
    assert_current(scored.round)  # the page view computes it


def test_reopening_a_sheet_refreshes_but_filling_it_in_again_does_not(
    scored, cast, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """Autosave of a reopened sheet (which counts in no result until it is submitted again) queues nothing; the
    reopening and the new submission do."""
    from evaluations import tasks
    from evaluations.publication import sheet_reopen

    queued = []
    monkeypatch.setattr(tasks.refresh_results, "delay", queued.append)
    settings.RESULTS_REFRESH_FROM = 2
    result_store.current_state(scored.round)
    with django_capture_on_commit_callbacks(execute=True):
        sheet_reopen(sheet=scored.sheet, by=cast.staff, reason="异议成立")
    assert queued == [scored.round.pk]
    scored.sheet.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        fill(scored.sheet, scored.scorer, {"SY-01": {"score": "2"}})
    assert queued == [scored.round.pk]  # nothing more
    with django_capture_on_commit_callbacks(execute=True):
        services.sheet_submit(sheet=scored.sheet, by=scored.scorer)
    assert queued == [scored.round.pk, scored.round.pk]
