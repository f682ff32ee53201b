"""Each sheet keeps its section subtotals (ScoreSheet.section_totals) beside its total, so that the radar and the
ranking workbook never sum a round's item scores: whatever writes the scores keeps them equal to that sum."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps

from evaluations import rules, services
from evaluations.models import ItemScore, ScoreSheet
from evaluations.rankings import sheet_section_subtotals
from tests.evaluations.conftest import fill

pytestmark = pytest.mark.django_db


def summed(sheet) -> dict[str, str]:
    """The subtotals as the item scores make them, summed here in Python (not by the code under test)."""
    sums: dict[str, Decimal] = {}
    for section_id, score in ItemScore.objects.filter(sheet=sheet).values_list("item__section_id", "score"):
        sums[str(section_id)] = sums.get(str(section_id), Decimal("0")) + (score or Decimal("0"))
    return {key: f"{value:.2f}" for key, value in sums.items()}


def test_the_rule_sums_each_sections_scores_and_counts_an_unscored_entry_as_nothing():
    rows = [(1, Decimal("4.5")), (2, Decimal("3")), (1, Decimal("2.25")), (3, None), (2, "0.5")]
    assert rules.section_totals(rows) == {"1": "6.75", "2": "3.50", "3": "0.00"}
    assert rules.section_totals([]) == {}


def test_autosave_keeps_the_subtotals_as_the_scores_change(scoring):
    sheet = scoring.sheet
    fill(sheet, scoring.scorer, {"SY-01": {"score": "4.5"}})
    sheet.refresh_from_db()
    assert sheet.section_totals == summed(sheet) and sheet.section_totals
    fill(sheet, scoring.scorer)  # every item, SY-01 changed again
    fill(sheet, scoring.scorer, {"SY-01": {"score": "2"}})
    sheet.refresh_from_db()
    assert sheet.section_totals == summed(sheet)
    assert len(sheet.section_totals) == len({item.section_id for item in scoring.items})
    # and the 十有 subtotal and the total are the same scores
    assert sum(Decimal(value) for value in sheet.section_totals.values()) == sheet.total


def test_a_keyed_in_paper_sheet_keeps_its_subtotals(cast, scoring):
    by_code = {item.code: item for item in scoring.items}
    values = {
        by_code["SY-01"].pk: {"score": "4"},
        by_code["SY-02"].pk: {"level": "好"},
        by_code["LY-01"].pk: {"present": True},
        by_code["FJ-01"].pk: {"present": False},
    }
    services.sheet_key_in(sheet=scoring.sheet, by=cast.staff, values=values)
    sheet = ScoreSheet.objects.get(pk=scoring.sheet.pk)
    assert sheet.section_totals == summed(sheet) and sheet.section_totals


def test_the_rankings_read_kept_subtotals_and_sum_only_sheets_without(scored):
    sheets = list(ScoreSheet.objects.filter(entry__round=scored.round, status="submitted"))
    expected = {sheet.pk: {int(k): Decimal(v) for k, v in summed(sheet).items()} for sheet in sheets}
    assert sheet_section_subtotals(scored.round) == expected
    # A sheet written past the services keeps none: its subtotals are summed from its item scores.
    ScoreSheet.objects.filter(pk=sheets[0].pk).update(section_totals=None)
    assert sheet_section_subtotals(scored.round) == expected


def test_the_migration_fills_every_existing_sheet(scoring):
    fill(scoring.sheet, scoring.scorer)  # one sheet scored, the others not yet
    migration = importlib.import_module("evaluations.migrations.0006_sheet_section_totals")
    expected = {sheet.pk: summed(sheet) for sheet in ScoreSheet.objects.all()}
    ScoreSheet.objects.update(section_totals=None)
    migration.fill_section_totals(django_apps, None)
    assert {sheet.pk: sheet.section_totals for sheet in ScoreSheet.objects.all()} == expected
    assert expected[scoring.sheet.pk] and expected[scoring.sheet2.pk] == {}  # a sheet never scored keeps nothing


def test_the_round_section_averages_are_the_means_over_the_counted_sheets_on_every_database(scored):
    """round_section_averages (on PostgreSQL summed in the database from the kept subtotals) equals section_averages
    over sheet_section_subtotals: for the counted sheets only (a result counting fewer of its sheets, as trimming
    does), with a sheet that keeps no subtotals, and for a result with no sheet that counts."""
    import dataclasses

    from evaluations.rankings import round_section_averages, section_averages
    from evaluations.results import round_results

    round_ = scored.round
    results = round_results(round_)
    assert any(len(result.counted) > 1 for result in results)
    fewer = [dataclasses.replace(result, counted=result.counted[1:]) for result in results]
    none = [dataclasses.replace(results[0], counted=())]
    for each in (results, fewer, none):
        expected = section_averages(each, sheet_section_subtotals(round_))
        assert round_section_averages(each, round_) == expected
    assert any(section_averages(results, sheet_section_subtotals(round_)).values())
    ScoreSheet.objects.filter(pk=results[0].counted[0]).update(section_totals=None)
    for each in (results, fewer):
        assert round_section_averages(each, round_) == section_averages(each, sheet_section_subtotals(round_))
