"""The site lifecycle as a pure transition table (DOMAIN.md §5). No ORM: the service consults it.

    nominated ──(round opens)──> candidate ──pass──> formal ──pass──> improving ──pass──> improving
                                    │fail              │fail             │fail
                                    v                  v                 v
                                not_passed         eliminated        eliminated

Besides what rounds decide, staff may act by hand, always with a reason: start a nominated unit's
creation, withdraw a nomination or a creating unit, nominate again a unit that did not pass, and withdraw
a named site's plaque (摘牌) for cause.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_noop as N

from .choices import SiteState as S


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    # What the act is called. Stored in the history as this Chinese text (the translation key) and translated
    # when shown, so the record does not depend on the language of whoever did it.
    name: str
    manual: bool  # staff may do it by hand (with a reason)
    by_round: bool  # a round's result may cause it


TRANSITIONS = [
    Transition(S.NOMINATED, S.CANDIDATE, N("启动创建"), manual=True, by_round=True),
    Transition(S.NOMINATED, S.NOT_PASSED, N("撤销推荐"), manual=True, by_round=False),
    Transition(S.CANDIDATE, S.FORMAL, N("验收通过、授牌"), manual=False, by_round=True),
    Transition(S.CANDIDATE, S.NOT_PASSED, N("验收未通过"), manual=False, by_round=True),
    Transition(S.CANDIDATE, S.NOT_PASSED, N("撤销创建资格"), manual=True, by_round=False),
    Transition(S.FORMAL, S.IMPROVING, N("复评通过，进入全面提升阶段"), manual=False, by_round=True),
    Transition(S.FORMAL, S.ELIMINATED, N("复评未通过，淘汰摘牌"), manual=False, by_round=True),
    Transition(S.FORMAL, S.ELIMINATED, N("摘牌"), manual=True, by_round=False),
    Transition(S.IMPROVING, S.IMPROVING, N("年检通过"), manual=False, by_round=True),
    Transition(S.IMPROVING, S.ELIMINATED, N("年检未通过，淘汰摘牌"), manual=False, by_round=True),
    Transition(S.IMPROVING, S.ELIMINATED, N("摘牌"), manual=True, by_round=False),
    Transition(S.NOT_PASSED, S.NOMINATED, N("重新推荐"), manual=True, by_round=False),
]


class TransitionNotAllowed(Exception):
    """A change of state the rules do not allow; the message says why, in Chinese."""


def find_transition(source: str, target: str, *, manual: bool) -> Transition:
    """The transition from `source` to `target` by hand (manual) or by a round, or TransitionNotAllowed."""
    for transition in TRANSITIONS:
        allowed = transition.manual if manual else transition.by_round
        if transition.source == source and transition.target == target and allowed:
            return transition
    source_label, target_label = S(source).label, S(target).label
    if any(t.source == source and t.target == target for t in TRANSITIONS):
        how = "只能由考评结果决定，不能手工变更" if manual else "只能由工作人员手工办理"
        raise TransitionNotAllowed(f"从“{source_label}”到“{target_label}”{how}")
    raise TransitionNotAllowed(f"不允许从“{source_label}”变更为“{target_label}”")


def manual_targets(source: str) -> list[Transition]:
    """What staff may do by hand from `source` (the choices the state-change form offers)."""
    return [t for t in TRANSITIONS if t.source == source and t.manual]


def round_outcome(source: str, passed: bool) -> Transition:
    """What a round's result does to a site in `source`: the evaluations issue calls this when finalizing."""
    outcomes = {
        (S.CANDIDATE, True): S.FORMAL,
        (S.CANDIDATE, False): S.NOT_PASSED,
        (S.FORMAL, True): S.IMPROVING,
        (S.FORMAL, False): S.ELIMINATED,
        (S.IMPROVING, True): S.IMPROVING,
        (S.IMPROVING, False): S.ELIMINATED,
    }
    if (source, passed) not in outcomes:
        raise TransitionNotAllowed(f"“{S(source).label}”状态的示范点不参加考评")
    return find_transition(source, outcomes[(source, passed)], manual=False)
