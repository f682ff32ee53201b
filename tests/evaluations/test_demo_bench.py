"""The benchmark's data are rows the services could have written, and its loop runs end to end (bench/)."""

import sys
from decimal import Decimal
from pathlib import Path

import pytest

from evaluations import services
from evaluations.choices import SheetStatus
from evaluations.models import ItemScore, ScoreSheet
from standards.choices import StandardStatus

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import evaluations_bench  # bench/ holds scripts, not a package: importable through the path above
import evaluations_data


@pytest.fixture
def data(db):
    return evaluations_data.build(sites=6, scorers=3, filled=0.6)


def test_the_bench_data_are_valid_sheets_of_a_sixty_item_standard(data):
    assert len(data.items) == 60 and sum(item.max_score for item in data.items) == 100
    assert data.standard.status == StandardStatus.FROZEN
    assert len(services.sheet_items(data.sheet)) == 60
    sheets = ScoreSheet.objects.filter(entry__round=data.round)
    assert sheets.count() == 6 * 3
    for sheet in sheets.prefetch_related("scores"):
        scores = [score.score for score in sheet.scores.all()]
        assert sheet.total == sum(scores, Decimal("0")) and sheet.scored_count == len(scores)
        for score in sheet.scores.all():
            assert score.item.allowed_scores.count(score.score) == 1, score
        if sheet.status == SheetStatus.SUBMITTED:
            assert services.submit_problems(sheet) == [] and sheet.submitted_at
        if sheet.status == SheetStatus.EXCUSED:
            assert sheet.excuse_reason
    assert data.sheet.status == SheetStatus.IN_PROGRESS
    assert ItemScore.objects.filter(sheet=data.sheet).count() == 30
    assert data.sheet.entry.site.materials.count() == 20


def test_the_bench_measures_the_sync_service_and_reports_pages_that_do_not_answer(data):
    results, baseline = evaluations_bench.run(data, repeat=2)
    by_label = {result.label: result for result in results}
    service = by_label["sync service, 1 change (direct)"]
    assert service.status == "ok" and len(service.times) == 2 and service.queries > 0
    assert baseline is results[-1] and baseline.status == "ok"
    for result in results:
        assert result.status == "ok" or result.status.startswith("HTTP "), result
    assert "sync service" in evaluations_bench.common.table(results, baseline)
