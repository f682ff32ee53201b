"""Pure rules of standards: which scores an item allows, and whether a standard may be published.

No ORM here: these take plain values so they can be tested exhaustively and reused by evaluations.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from accounts.choices import Domain

from .choices import ScoringKind

STEP = Decimal("0.5")
CENT = Decimal("0.01")


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def allowed_scores(kind: str, max_score, levels=None) -> list[Decimal]:
    """Every score an item of this kind and maximum accepts, ascending."""
    maximum = _money(max_score)
    if kind == ScoringKind.PRESENCE:
        return sorted({Decimal("0.00"), maximum})
    if kind == ScoringKind.LEVELS:
        return sorted({_money(maximum * Decimal(str(level["fraction"]))) for level in levels or []} | {Decimal("0.00")})
    steps = int(maximum / STEP)
    return [_money(STEP * i) for i in range(steps + 1)]


def is_allowed_score(kind: str, max_score, value, levels=None) -> bool:
    try:
        return _money(value) in allowed_scores(kind, max_score, levels)
    except (ArithmeticError, ValueError, TypeError):
        return False


def levels_problem(levels) -> str | None:
    """Why a list of levels is unusable, or None. Levels must have labels and fractions in (0, 1], falling."""
    if not isinstance(levels, list) or not levels:
        return "至少需要一个等次"
    fractions = []
    for level in levels:
        if not isinstance(level, dict) or not str(level.get("label", "")).strip():
            return "每个等次都需要名称"
        try:
            fraction = float(level.get("fraction"))
        except (TypeError, ValueError):
            return f"等次“{level.get('label')}”的比例不是数字"
        if not 0 < fraction <= 1:
            return f"等次“{level.get('label')}”的比例须在 0 到 1 之间"
        fractions.append(fraction)
    if fractions != sorted(fractions, reverse=True) or len(set(fractions)) != len(fractions):
        return "等次须从高到低排列，比例各不相同"
    return None


def max_score_problem(kind: str, max_score) -> str | None:
    """Why a maximum does not fit the scoring kind, or None."""
    value = Decimal(str(max_score))
    if value < 0:
        return "分值不能为负数"
    if kind == ScoringKind.POINTS and value % STEP:
        return "按分值评分的项目，分值须为 0.5 的整数倍"
    if kind == ScoringKind.LEVELS and value == 0:
        return "按等次评分的项目分值须大于 0"
    return None


@dataclass
class SectionFacts:
    """What publishing needs to know of a section."""

    title: str
    max_score: Decimal
    item_maxima: list[Decimal]
    domain: str = ""  # "" for a section every domain has


def publish_problems(total, sections: list[SectionFacts], domains: list[str]) -> list[str]:
    """Why a standard may not be published: empty sections, item sums off their section, or a domain whose
    applicable sections do not add up to the declared total. Empty list: it may be published."""
    problems = []
    total = Decimal(str(total))
    if not sections:
        return ["标准还没有任何板块"]
    for section in sections:
        if not section.item_maxima:
            problems.append(f"板块“{section.title}”还没有评分项")
        elif sum(section.item_maxima, Decimal(0)) != section.max_score:
            problems.append(
                f"板块“{section.title}”各项分值合计 {_fmt(sum(section.item_maxima, Decimal(0)))} 分，"
                f"与板块分值 {_fmt(section.max_score)} 分不符"
            )
    universal = sum((s.max_score for s in sections if not s.domain), Decimal(0))
    domain_totals = {}
    for section in sections:
        if section.domain:
            domain_totals[section.domain] = domain_totals.get(section.domain, Decimal(0)) + section.max_score
    for domain in domains or [""]:
        applicable = universal + domain_totals.get(domain, Decimal(0))
        if applicable != total:
            label = f"“{Domain(domain).label}”领域" if domain else "通用板块"
            problems.append(f"{label}适用板块合计 {_fmt(applicable)} 分，与标准总分 {_fmt(total)} 分不符")
    return problems


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"


@dataclass(frozen=True)
class DomainTotal:
    """What a site of one domain can score: the sections every domain has, plus its own domain's sections."""

    domain: str
    general: Decimal
    own: Decimal

    @property
    def total(self) -> Decimal:
        return self.general + self.own


def domain_totals(sections, domains) -> list[DomainTotal]:
    """Per domain, its maximum total from `sections` given as (section domain or "", max score) pairs.

    A sheet printed with every domain's section has no total of its own: summing all sections gives a number
    (e.g. 163) that no site can score, so the sheet states each domain's total instead."""
    general = sum((Decimal(str(score)) for domain, score in sections if not domain), Decimal("0"))
    own = {code: Decimal("0") for code in domains}
    for domain, score in sections:
        if domain in own:
            own[domain] += Decimal(str(score))
    return [DomainTotal(code, general, own[code]) for code in domains]
