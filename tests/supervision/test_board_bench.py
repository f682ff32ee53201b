"""The board benchmark's data are what the board reads, and its loop runs end to end (bench/supervision_bench.py,
here with 40 sites)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import supervision_bench  # bench/ holds scripts, not a package: importable through the path above

from supervision.models import Assignment, AssignmentSite, Rectification


def test_the_bench_builds_tasks_for_every_site_and_measures_the_board(db):
    people = supervision_bench.build(sites=40, tasks=3)
    assert Assignment.objects.filter(status="published").count() == 3
    assert AssignmentSite.objects.count() == 40 * 4  # three published tasks and a draft
    assert Rectification.objects.count() == 4
    statuses = set(AssignmentSite.objects.values_list("status", flat=True))
    assert statuses == {"pending", "submitted", "returned", "accepted"}

    results = supervision_bench.run(people, repeat=1)
    # Every supervision list and detail page the bench measures (the board's tabs, their last pages, a district
    # user's) answers, and the export.
    assert len(results) >= 25 and results[-1].label.startswith("export")
    assert [result.status for result in results] == ["ok"] * len(results)
    assert all(result.times and result.queries for result in results)
    assert "board, staff (all sites)" in results[0].label
