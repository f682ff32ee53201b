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

from django.utils.translation import gettext_noop

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
    Transition(S.NOMINATED, S.CANDIDATE, gettext_noop("启动创建"), manual=True, by_round=True),
    Transition(S.NOMINATED, S.NOT_PASSED, gettext_noop("撤销推荐"), manual=True, by_round=False),
    Transition(S.CANDIDATE, S.FORMAL, gettext_noop("验收通过、授牌"), manual=False, by_round=True),
    Transition(S.CANDIDATE, S.NOT_PASSED, gettext_noop("验收未通过"), manual=False, by_round=True),
    Transition(S.CANDIDATE, S.NOT_PASSED, gettext_noop("撤销创建资格"), manual=True, by_round=False),
    Transition(S.FORMAL, S.IMPROVING, gettext_noop("复评通过，进入全面提升阶段"), manual=False, by_round=True),
    Transition(S.FORMAL, S.ELIMINATED, gettext_noop("复评未通过，淘汰摘牌"), manual=False, by_round=True),
    Transition(S.FORMAL, S.ELIMINATED, gettext_noop("摘牌"), manual=True, by_round=False),
    Transition(S.IMPROVING, S.IMPROVING, gettext_noop("年检通过"), manual=False, by_round=True),
    Transition(S.IMPROVING, S.ELIMINATED, gettext_noop("年检未通过，淘汰摘牌"), manual=False, by_round=True),
    Transition(S.IMPROVING, S.ELIMINATED, gettext_noop("摘牌"), manual=True, by_round=False),
    Transition(S.NOT_PASSED, S.NOMINATED, gettext_noop("重新推荐"), manual=True, by_round=False),
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


@dataclass(frozen=True)
class Measure:
    """One figure of a year's plan against what happened: creating units, or named sites, of one domain.

    `counted` is what counts towards the plan: never more than the target, so that over-achievement in one
    domain cannot make up for a shortfall in another once the domains are added up."""

    target: int
    actual: int

    @property
    def has_target(self) -> bool:
        return self.target > 0

    @property
    def counted(self) -> int:
        return min(self.actual, self.target)

    @property
    def shortfall(self) -> int:
        return max(self.target - self.actual, 0)

    @property
    def surplus(self) -> int:
        return max(self.actual - self.target, 0) if self.has_target else 0

    @property
    def percent(self) -> int | None:
        return round(100 * self.counted / self.target) if self.has_target else None


@dataclass(frozen=True)
class DomainProgress:
    domain: str
    creating: Measure
    named: Measure

    @property
    def has_target(self) -> bool:
        return self.creating.has_target or self.named.has_target


@dataclass(frozen=True)
class Total:
    """The sum over the domains that have a target: targets, what counts (capped per domain), what is missing.
    `actual` (uncapped) is there to be shown beside it, never to be compared with the target."""

    target: int
    counted: int
    shortfall: int
    actual: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.counted / self.target) if self.target else None


def _total(measures: list[Measure]) -> Total:
    measures = [m for m in measures if m.has_target]
    return Total(
        target=sum(m.target for m in measures),
        counted=sum(m.counted for m in measures),
        shortfall=sum(m.shortfall for m in measures),
        actual=sum(m.actual for m in measures),
    )


@dataclass(frozen=True)
class TargetSummary:
    rows: list[DomainProgress]  # domains with a target, in the order of `domains`
    untargeted: list[DomainProgress]  # domains with sites but no target: shown apart, never in the totals
    creating: Total
    named: Total


def target_summary(domains, targets: dict, actual: dict) -> TargetSummary:
    """The plan of a year against what happened, domain by domain.

    domains: the domain codes in display order; targets: {domain: (creating units, named sites)};
    actual: {domain: (creating units, named sites)}. A domain with a target of 0 for a figure has no target
    for it: its sites are shown, but they count towards no total."""
    rows, untargeted = [], []
    for code in domains:
        target_creating, target_named = targets.get(code, (0, 0))
        creating, named = actual.get(code, (0, 0))
        progress = DomainProgress(code, Measure(target_creating, creating), Measure(target_named, named))
        if progress.has_target:
            rows.append(progress)
        elif creating or named:
            untargeted.append(progress)
    return TargetSummary(
        rows=rows,
        untargeted=untargeted,
        creating=_total([row.creating for row in rows]),
        named=_total([row.named for row in rows]),
    )
