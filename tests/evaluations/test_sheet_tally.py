"""The round's sheets counted by status are kept between changes (evaluations.sheet_tally): after every kind of
change to a sheet they must equal a fresh count, and while nothing changes they are read, not counted."""

from collections import Counter

import pytest

from evaluations import services
from evaluations.models import ScoreSheet
from evaluations.publication import sheet_reopen
from evaluations.sheet_tally import round_sheet_counts
from tests.evaluations.conftest import fill
from tests.factories import PartyOrganizationFactory, SiteFactory

pytestmark = pytest.mark.django_db


def fresh(round_) -> dict:
    counted = Counter(ScoreSheet.objects.filter(entry__round=round_, kind="onsite").values_list("status", flat=True))
    return {status: counted.get(status, 0) for status in ("not_started", "in_progress", "submitted", "excused")}


def assert_kept(round_):
    kept = round_sheet_counts([round_.pk])[round_.pk]
    assert {status: kept.get(status, 0) for status in fresh(round_)} == fresh(round_)
    assert sum(kept.values()) == sum(fresh(round_).values())


def test_the_kept_counts_follow_every_kind_of_sheet_change(cast, scoring):
    round_ = scoring.round
    assert_kept(round_)
    fill(scoring.sheet, scoring.scorer)  # autosave: not started → in progress
    assert_kept(round_)
    services.sheet_submit(sheet=scoring.sheet, by=scoring.scorer)
    assert_kept(round_)
    services.sheet_excuse(sheet=scoring.sheet2, by=cast.staff, reason="回避")
    assert_kept(round_)
    other = scoring.entry_b.sheets.get(scorer=scoring.scorer)
    by_code = {item.code: item for item in scoring.items}
    values = {
        by_code["SY-01"].pk: {"score": "4"},
        by_code["SY-02"].pk: {"level": "好"},
        by_code["LY-01"].pk: {"present": True},
        by_code["FJ-01"].pk: {"present": True},
    }
    services.sheet_key_in(sheet=other, by=cast.staff, values=values)  # a bulk write: no signal
    assert_kept(round_)
    # a site added during scoring: its sheets are made in bulk when it is assigned to a team
    added = SiteFactory(organization=PartyOrganizationFactory(region=scoring.site_b.region), state="formal")
    services.round_add_sites(round=round_, sites=[added], by=cast.staff)
    entry = round_.entries.get(site=added)
    services.assign_sites(round=round_, team=scoring.team, entries=[entry], by=cast.staff)
    assert_kept(round_)
    assert fresh(round_)["not_started"] >= 2


def test_a_reopened_sheet_counts_as_not_done(cast, scored):
    assert_kept(scored.round)
    sheet_reopen(sheet=scored.sheet, by=cast.staff, reason="异议成立")
    assert_kept(scored.round)
    assert round_sheet_counts([scored.round.pk])[scored.round.pk]["submitted"] == 3


def test_kept_counts_are_read_in_one_query_until_a_sheet_changes(cast, scoring, django_assert_num_queries):
    round_sheet_counts([scoring.round.pk])
    with django_assert_num_queries(1):
        first = round_sheet_counts([scoring.round.pk])
    fill(scoring.sheet, scoring.scorer)
    with django_assert_num_queries(3):
        after = round_sheet_counts([scoring.round.pk])
    assert after != first and after == round_sheet_counts([scoring.round.pk])
