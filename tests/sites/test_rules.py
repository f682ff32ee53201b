"""Every allowed and every forbidden state change, by hand and by a round (table-driven over rules.py)."""

from itertools import product

import pytest

from sites.choices import SiteState as S
from sites.rules import TransitionNotAllowed, find_transition, manual_targets, round_outcome

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
