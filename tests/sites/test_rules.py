"""Every allowed and every forbidden state change, by hand and by a round (table-driven over rules.py)."""

from itertools import product

import pytest

from sites.choices import SiteState as S
from sites.rules import TransitionNotAllowed, find_transition, manual_targets, round_outcome, target_summary

MANUAL = {
    (S.NOMINATED, S.CANDIDATE),
    (S.NOMINATED, S.NOT_PASSED),
    (S.CANDIDATE, S.NOT_PASSED),
    (S.FORMAL, S.ELIMINATED),
    (S.IMPROVING, S.ELIMINATED),
    (S.NOT_PASSED, S.NOMINATED),
}
BY_ROUND = {
    (S.NOMINATED, S.CANDIDATE),
    (S.CANDIDATE, S.FORMAL),
    (S.CANDIDATE, S.NOT_PASSED),
    (S.FORMAL, S.IMPROVING),
    (S.FORMAL, S.ELIMINATED),
    (S.IMPROVING, S.IMPROVING),
    (S.IMPROVING, S.ELIMINATED),
}
PAIRS = list(product(S.values, S.values))


@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_manual_transitions(source, target):
    if (source, target) in MANUAL:
        assert find_transition(source, target, manual=True).manual
    else:
        with pytest.raises(TransitionNotAllowed) as error:
            find_transition(source, target, manual=True)
        assert str(S(source).label) in str(error.value) and str(S(target).label) in str(error.value)


@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_round_transitions(source, target):
    if (source, target) in BY_ROUND:
        assert find_transition(source, target, manual=False).by_round
    else:
        with pytest.raises(TransitionNotAllowed):
            find_transition(source, target, manual=False)


def test_round_only_changes_say_so_when_tried_by_hand():
    with pytest.raises(TransitionNotAllowed, match="只能由考评结果决定"):
        find_transition(S.CANDIDATE, S.FORMAL, manual=True)
    with pytest.raises(TransitionNotAllowed, match="只能由工作人员手工办理"):
        find_transition(S.NOT_PASSED, S.NOMINATED, manual=False)
    with pytest.raises(TransitionNotAllowed, match="不允许从“已淘汰”变更为“正式示范点”"):
        find_transition(S.ELIMINATED, S.FORMAL, manual=True)


@pytest.mark.parametrize(
    ("source", "passed", "target"),
    [
        (S.CANDIDATE, True, S.FORMAL),
        (S.CANDIDATE, False, S.NOT_PASSED),
        (S.FORMAL, True, S.IMPROVING),
        (S.FORMAL, False, S.ELIMINATED),
        (S.IMPROVING, True, S.IMPROVING),
        (S.IMPROVING, False, S.ELIMINATED),
    ],
)
def test_annual_rules(source, passed, target):
    assert round_outcome(source, passed).target == target


@pytest.mark.parametrize("source", [S.NOMINATED, S.NOT_PASSED, S.ELIMINATED])
def test_sites_outside_evaluation_have_no_outcome(source):
    with pytest.raises(TransitionNotAllowed):
        round_outcome(source, True)


def test_manual_targets_offer_only_manual_acts():
    assert {t.target for t in manual_targets(S.NOMINATED)} == {S.CANDIDATE, S.NOT_PASSED}
    assert manual_targets(S.ELIMINATED) == []


def test_target_totals_count_each_domain_only_up_to_its_target():
    summary = target_summary(
        ["rural", "community", "organ", "school"],
        {"rural": (20, 10), "community": (6, 3), "school": (3, 0)},
        {"rural": (30, 15), "community": (2, 0), "organ": (4, 1)},
    )
    assert [row.domain for row in summary.rows] == ["rural", "community", "school"]
    assert [row.domain for row in summary.untargeted] == ["organ"]  # sites but no target: apart
    assert (summary.creating.target, summary.creating.counted, summary.creating.shortfall) == (29, 22, 7)
    assert summary.creating.actual == 32 and summary.creating.percent == 76
    assert (summary.named.target, summary.named.counted, summary.named.shortfall) == (13, 10, 3)
    rural, community, school = summary.rows
    assert (rural.creating.surplus, rural.creating.shortfall, community.creating.shortfall) == (10, 0, 4)
    assert school.named.has_target is False and school.named.surplus == 0
