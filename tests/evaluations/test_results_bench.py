"""The results benchmark's data are a closed round the results can be computed for, and its loop runs end to end
(bench/results_bench.py, here with 20 sites)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import results_bench  # bench/ holds scripts, not a package: importable through the path above

from evaluations import results
from evaluations.choices import RoundStatus, SheetStatus
from evaluations.models import ItemScore, ScoreSheet


def test_the_bench_builds_a_closed_round_and_measures_it(db):
    round_ = results_bench.build(sites=20, scorers=5)
    assert round_.status == RoundStatus.SCORED
    sheets = ScoreSheet.objects.filter(entry__round=round_)
    assert sheets.count() == 100 and not sheets.exclude(status=SheetStatus.SUBMITTED).exists()
    assert ItemScore.objects.filter(sheet__entry__round=round_).count() == 100 * 60
    computed = results.round_results(round_)
    assert len(computed) == 20 and len({r.domain for r in computed}) == len(results_bench.DOMAINS)
    assert all(r.sheet_count == 5 and r.onsite is not None for r in computed)

    report = results_bench.run(round_, repeat=1)
    labels = [result.label for result in report.results]
    assert labels[0] == "results.round_results" and "workbook writing: raw openpyxl" in labels
    assert all(result.status == "ok" and result.times for result in report.results)
    assert report.results[0].queries == 5 and report.speed > 0 and report.memory > 0
    assert "of raw speed" in report.text
