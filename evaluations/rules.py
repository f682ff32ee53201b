"""Pure rules of rounds and score sheets (DOMAIN.md §5, §8). No ORM: plain values in, plain values out.

The services ask these; the next issue adds aggregation, pass rules and ranking here.
"""

import gc
import math
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from functools import cache
from typing import NamedTuple

from sites.choices import SiteState
from standards.choices import ScoringKind
from standards.rules import allowed_scores

from .choices import RoundStatus, SheetStatus, Stage

CENT = Decimal("0.01")

# The state a site is in decides what a round does for it.
STAGE_OF_STATE = {
    SiteState.NOMINATED: Stage.ACCEPTANCE,  # the round opening starts its creation (nominated → candidate)
    SiteState.CANDIDATE: Stage.ACCEPTANCE,
    SiteState.FORMAL: Stage.REVIEW,
    SiteState.IMPROVING: Stage.INSPECTION,
}

# The round's steps in order; each is one service (services.round_open, round_start_scoring, round_close_scoring).
NEXT_STATUS = {
    RoundStatus.DRAFT: RoundStatus.SELF_ASSESSMENT,
    RoundStatus.SELF_ASSESSMENT: RoundStatus.SCORING,
    RoundStatus.SCORING: RoundStatus.SCORED,
}


def stage_for_state(state: str) -> str | None:
    """The stage a site in `state` takes in a round, or None when a site in that state is not evaluated."""
    return STAGE_OF_STATE.get(state)


def step_problem(current: str, target: str) -> str | None:
    """Why a round may not go from `current` to `target` (None: it is the next step)."""
    if NEXT_STATUS.get(current) == target:
        return None
    current_label, target_label = RoundStatus(current).label, RoundStatus(target).label
    return f"考评轮次不能从“{current_label}”变为“{target_label}”"


# --- conflict of interest ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ScorerFacts:
    name: str
    organization_id: int | None
    organization_name: str
    region_paths: tuple[tuple[str, str], ...]  # (path, label) of the scorer's own region nodes


@dataclass(frozen=True)
class SiteFacts:
    name: str
    organization_id: int | None
    region_path: str


def conflict_reason(scorer: ScorerFacts, site: SiteFacts) -> str | None:
    """Why `scorer` may not score `site` (DOMAIN.md §8), or None.

    A scorer may not score a site of their own unit, nor one whose region lies inside their own region node
    (their organization's region, and the region they oversee if any)."""
    if scorer.organization_id and scorer.organization_id == site.organization_id:
        return f"{scorer.name} 与“{site.name}”同属 {scorer.organization_name}，须回避"
    for path, label in scorer.region_paths:
        if path and site.region_path.startswith(path):
            return f"“{site.name}”位于 {scorer.name} 所在的 {label} 范围内，须回避"
    return None


# --- entries ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemFacts:
    """What an entry needs to know of an item."""

    id: int
    code: str
    kind: str
    max_score: Decimal
    levels: tuple = ()  # ({"label":…, "fraction":…}, …) for items scored by level
    is_veto: bool = False
    is_required: bool = False

    @property
    def must_decide(self) -> bool:
        return self.is_veto or self.is_required


@dataclass(frozen=True)
class Entry:
    """A normalized entry: what is stored for one item."""

    score: Decimal | None
    present: bool | None = None
    level: str = ""


class EntryRefused(ValueError):
    """An entry an item does not accept; the message says why, in Chinese."""


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def normalize_entry(item: ItemFacts, *, score=None, present=None, level: str = "", clear: bool = False) -> Entry:
    """The entry to store for an input, by the item's scoring kind: a score in the allowed steps, a present/absent
    decision (score max or 0), or a level (score max × its fraction). `clear` unscores the item."""
    if clear:
        return Entry(None, None, "")
    if item.kind == ScoringKind.PRESENCE:
        if present is None and score is not None:
            try:
                present = _money(score) == _money(item.max_score) and _money(score) > 0
            except (InvalidOperation, ValueError, TypeError) as error:
                raise EntryRefused(f"{item.code}：得分不是数字") from error
        if present is None:
            raise EntryRefused(f"{item.code}：请选择“有”或“无”")
        present = _truthy(present)
        return Entry(_money(item.max_score) if present else Decimal("0.00"), present, "")
    if item.kind == ScoringKind.LEVELS:
        levels = {str(each["label"]): each for each in item.levels}
        if level:
            if level not in levels:
                raise EntryRefused(f"{item.code}：没有“{level}”这个等次（可选：{'、'.join(levels)}）")
            return Entry(_money(Decimal(str(item.max_score)) * Decimal(str(levels[level]["fraction"]))), None, level)
        if score is None:
            raise EntryRefused(f"{item.code}：请选择等次")
        value = _parse(item, score)
        for label, each in levels.items():
            if _money(Decimal(str(item.max_score)) * Decimal(str(each["fraction"]))) == value:
                return Entry(value, None, label)
        if value == 0:
            return Entry(value, None, "")
        raise EntryRefused(f"{item.code}：{value} 分不对应任何等次")
    if score is None or score == "":
        raise EntryRefused(f"{item.code}：请填写得分")
    value = _parse(item, score)
    if value not in allowed_scores(item.kind, item.max_score):
        raise EntryRefused(f"{item.code}：得分须在 0 到 {_fmt(item.max_score)} 之间，以 0.5 分为单位")
    return Entry(value, None, "")


def level_choices(max_score, levels) -> list[tuple[str, Decimal]]:
    """Each level of an item with the score it gives (max × its fraction), in the item's order."""
    return [
        (str(level["label"]), _money(Decimal(str(max_score)) * Decimal(str(level["fraction"])))) for level in levels
    ]


def _parse(item: ItemFacts, score) -> Decimal:
    try:
        return _money(score)
    except (InvalidOperation, ValueError, TypeError) as error:
        raise EntryRefused(f"{item.code}：得分“{score}”不是数字") from error


def _truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "有", "是", "具备", "√", "✓"}
    return bool(value)


def _fmt(value) -> str:
    return f"{Decimal(str(value)).normalize():f}"


def sheet_total(scores) -> Decimal:
    """A sheet's total: the sum of its item scores (unscored items count nothing)."""
    return _money(sum((Decimal(str(s)) for s in scores if s is not None), Decimal("0")))


def section_totals(rows) -> dict[str, str]:
    """A sheet's ScoreSheet.section_totals from its entries' (section id, score) pairs: section id as text (a JSON
    key) → the sum of its scores, as text, for every section with an entry (an entry without a score adds 0)."""
    sums: dict[str, Decimal] = {}
    for section_id, score in rows:
        key = str(section_id)
        sums[key] = sums.get(key, ZERO) + (ZERO if score is None else _decimal(score))
    return {key: str(_money(value)) for key, value in sums.items()}


def submit_problems(items: list[ItemFacts], entries: dict[int, Entry]) -> list[str]:
    """Why a sheet may not be submitted: items not scored, veto or required items not decided."""
    problems = []
    unscored = [item.code for item in items if entries.get(item.id) is None or entries[item.id].score is None]
    if unscored:
        problems.append(
            f"还有 {len(unscored)} 项未评分：{'、'.join(unscored[:10])}{'等' if len(unscored) > 10 else ''}"
        )
    undecided = [
        item.code
        for item in items
        if item.must_decide and (entries.get(item.id) is None or entries[item.id].present is None)
    ]
    if undecided:
        problems.append(f"一票否决项和必须具备项须判定“有/无”：{'、'.join(undecided)}")
    return problems


# --- sync ---------------------------------------------------------------------------------------------

APPLY, STALE, EARLY = "apply", "stale", "early"


def change_verdict(current_version: int, base_version: int) -> str:
    """What to do with a change made on `base_version` of an item now at `current_version`.

    apply: it was made on what the server has. stale: someone changed the item since (refused, shown to the
    scorer). early: it was made on top of a change that has not arrived yet (delivery out of order): not applied
    now, the phone sends it again after the earlier one."""
    if base_version == current_version:
        return APPLY
    return STALE if base_version < current_version else EARLY


# --- progress and policy ------------------------------------------------------------------------------


def sheet_state_counts(statuses) -> dict[str, int]:
    counts = dict.fromkeys(SheetStatus.values, 0)
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return counts


def grade_bands_problem(bands) -> str | None:
    """Why a list of grade bands is unusable: each needs a label and a minimum in [0, 100], falling."""
    if bands in (None, []):
        return None
    if not isinstance(bands, list):
        return "等次划分格式不正确"
    minima = []
    for band in bands:
        if not isinstance(band, dict) or not str(band.get("label", "")).strip():
            return "每个等次都需要名称"
        try:
            minimum = Decimal(str(band.get("min")))
        except (InvalidOperation, ValueError):
            return f"等次“{band.get('label')}”的分数线不是数字"
        if not 0 <= minimum <= 100:
            return f"等次“{band.get('label')}”的分数线须在 0 到 100 之间"
        minima.append(minimum)
    if minima != sorted(minima, reverse=True) or len(set(minima)) != len(minima):
        return "等次须从高到低排列，分数线各不相同"
    return None


# --- results (DOMAIN.md §5) ----------------------------------------------------------------------------
#
# Everything below is pure: the selector (evaluations/results.py) gathers the facts from the database in a few
# aggregate queries and hands them here. Scores are Decimals kept to two decimals, rounded half up.

ZERO, HUNDRED = Decimal("0"), Decimal("100")
FAILED_GRADE = "不合格"
TRIM_FROM = 5  # with this many sheets or more, drop one highest and one lowest total

# Which state a site is in when it takes each stage, so that a result's outcome is the same years later
# whatever the site's state is now.
SOURCE_STATE_OF_STAGE = {
    Stage.ACCEPTANCE: SiteState.CANDIDATE,
    Stage.REVIEW: SiteState.FORMAL,
    Stage.INSPECTION: SiteState.IMPROVING,
}


def round_half_up(value) -> Decimal:
    """Two decimals, rounded half up (86.125 → 86.13; half away from zero for a negative), whatever the input's
    type: a float is read by its shortest form (86.115 → 86.12, never its binary 86.11499…), a Fraction exactly."""
    if type(value) is Decimal:  # the common case, a million times in a country's round: no round trip via text
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    if isinstance(value, Fraction):
        cents = math.floor(abs(value) * 100 + Fraction(1, 2))
        return (Decimal(-cents if value < 0 else cents) / 100).quantize(CENT)
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


class SheetScore(NamedTuple):
    """One submitted on-site sheet as the results see it. A named tuple: a country's round makes 500,000 of them,
    and a frozen dataclass took a third of the time it took to read them."""

    id: int
    scorer: str
    total: Decimal
    ten_haves: Decimal = ZERO  # the sheet's 十有 subtotal
    scorer_id: int | None = None


@dataclass(frozen=True)
class Vote:
    """The sheets' decisions on one veto or required item: how many marked it absent of how many decided."""

    code: str
    title: str
    is_veto: bool
    absent: int
    sheets: int

    @property
    def failed(self) -> bool:
        """More than half of the sheets marked it absent (exactly half is not a failure)."""
        return self.absent * 2 > self.sheets


@dataclass(frozen=True)
class Policy:
    pass_threshold: Decimal = Decimal("85")
    grade_bands: tuple = (("优秀", Decimal("90")), ("合格", Decimal("85")))  # (label, minimum), falling
    aggregation: str = "trimmed"
    disagreement_threshold: Decimal = Decimal("8")
    bonus_cap: Decimal = Decimal("5")

    @classmethod
    def of(cls, source) -> "Policy":
        """The policy of a round (or of any object with the same attributes, e.g. a form's cleaned data)."""
        get = source.get if isinstance(source, dict) else lambda name: getattr(source, name)
        # No bands set (the field may be left blank) means the defaults of DOMAIN.md §5, not "every site 不合格".
        bands = tuple((str(b["label"]), Decimal(str(b["min"]))) for b in (get("grade_bands") or [])) or (
            cls.grade_bands
        )
        return cls(
            pass_threshold=Decimal(str(get("pass_threshold"))),
            grade_bands=bands,
            aggregation=str(get("aggregation")),
            disagreement_threshold=Decimal(str(get("disagreement_threshold"))),
            bonus_cap=Decimal(str(get("bonus_cap"))),
        )


@dataclass(frozen=True)
class ResultInput:
    """What one site's result is computed from."""

    entry_id: int
    site_name: str
    domain: str
    stage: str
    sheets: tuple  # SheetScore of every submitted on-site sheet
    votes: tuple = ()  # Vote of every veto and required item
    deductions: Decimal = ZERO  # sum of the active deduction lines
    bonus: Decimal = ZERO  # sum of the active bonus lines, before the cap
    site_id: int | None = None
    region: str = ""


@dataclass(frozen=True)
class SiteResult:
    entry_id: int
    site_name: str
    domain: str
    stage: str
    sheet_count: int
    mean: Decimal | None
    median: Decimal | None
    onsite: Decimal | None  # by the round's method, rounded
    counted: tuple  # ids of the sheets that count
    dropped: tuple  # ids of the sheets dropped by trimming
    ten_haves: Decimal  # mean 十有 subtotal over the sheets that count
    disagreement: Decimal  # standard deviation of the sheet totals
    disagreement_flag: bool
    deductions: Decimal
    bonus_raw: Decimal
    bonus: Decimal  # capped
    final: Decimal | None
    veto_failed: tuple  # Votes of failed veto items
    required_failed: tuple  # Votes of failed required items
    passed: bool
    reasons: tuple  # why it failed, in Chinese ("" when passed)
    grade: str
    outcome: str  # the state the site goes to
    outcome_label: str  # the transition's name
    rank: int | None = None  # overall; None: no rank ("—")
    domain_rank: int | None = None
    site_id: int | None = None
    region: str = ""

    @property
    def failing_rule(self) -> str:
        return self.reasons[0] if self.reasons else ""

    @property
    def ranked(self) -> bool:
        return not self.veto_failed and self.final is not None


def _decimal(value) -> Decimal:
    """A score as a Decimal: a Decimal as it is, anything else read by its text (85 → 85, 86.115 → 86.115)."""
    return value if type(value) is Decimal else Decimal(str(value))


def counting_sheets(sheets, method: str) -> tuple[list, list]:
    """The sheets that count and those dropped: trimming drops one lowest and one highest total when there are
    five or more sheets (ties broken by sheet id so the choice is reproducible); other methods drop none."""
    ordered = sorted(sheets, key=lambda s: (_decimal(s.total), s.id))
    if method == "trimmed" and len(ordered) >= TRIM_FROM:
        return ordered[1:-1], [ordered[0], ordered[-1]]
    return ordered, []


def mean(values) -> Decimal | None:
    values = [_decimal(v) for v in values]
    return mean_of_total(sum(values, ZERO), len(values)) if values else None


def mean_of_total(total, count: int) -> Decimal:
    """The mean of `count` values that add up to `total`, rounded as `mean` rounds (a sum made elsewhere)."""
    return round_half_up(_decimal(total) / count)


def median(values) -> Decimal | None:
    return _sorted_median(sorted(_decimal(v) for v in values))


def _sorted_median(values) -> Decimal | None:
    """The median of Decimals already in ascending order."""
    if not values:
        return None
    middle = len(values) // 2
    if len(values) % 2:
        return round_half_up(values[middle])
    return round_half_up((values[middle - 1] + values[middle]) / 2)


def onsite_score(totals, method: str) -> Decimal | None:
    """A site's on-site score from its sheet totals by the round's method, rounded half up to two decimals."""
    totals = [_decimal(t) for t in totals]
    if method == "median":
        return median(totals)
    if method == "trimmed" and len(totals) >= TRIM_FROM:
        totals = sorted(totals)[1:-1]
    return mean(totals)


def spread(totals) -> Decimal:
    """Population standard deviation of the sheet totals (0 for a single sheet), to two decimals."""
    totals = [_decimal(t) for t in totals]
    if len(totals) < 2:
        return Decimal("0.00")
    average = sum(totals, ZERO) / len(totals)
    variance = sum(((t - average) ** 2 for t in totals), ZERO) / len(totals)
    return round_half_up(variance.sqrt())


def final_score(onsite, deductions, bonus, cap) -> Decimal:
    """On-site (rounded first) − deductions + bonus (capped), clamped to [0, 100]."""
    capped = min(_decimal(bonus), _decimal(cap))
    value = round_half_up(onsite) - _decimal(deductions) + capped
    return round_half_up(min(max(value, ZERO), HUNDRED))


def grade_for(final, bands, *, failed_on_item: bool) -> str:
    """The grade band of a final score; 不合格 for a site failed on a veto or required item whatever its score."""
    if failed_on_item or final is None:
        return FAILED_GRADE
    for label, minimum in bands:
        if _decimal(final) >= _decimal(minimum):
            return label
    return FAILED_GRADE


def _vote_text(vote: Vote) -> str:
    return f"{vote.code} {vote.title}（{vote.absent}/{vote.sheets} 份评分表判定为“无”）"


@cache
def _outcome(stage: str, passed: bool):
    """The transition a result leads to, by the stage the site took and whether it passed (six cases)."""
    from sites.rules import round_outcome  # pure; imported here to keep the top of the module light

    return round_outcome(SOURCE_STATE_OF_STAGE[stage], passed)


def _result_fields(facts: ResultInput, policy: Policy) -> dict:
    """One site's result as SiteResult's fields, without ranks: computed once per site of a round, so each total
    is read as a Decimal once and the result is built once, ranks included (`compute_results`)."""
    # The sheets in counting order once: their totals, in the same order, are sorted for the median and trimming.
    ordered = sorted(facts.sheets, key=lambda s: (_decimal(s.total), s.id))
    totals = [_decimal(s.total) for s in ordered]
    if policy.aggregation == "trimmed" and len(ordered) >= TRIM_FROM:
        counted, dropped = ordered[1:-1], [ordered[0], ordered[-1]]
    else:
        counted, dropped = ordered, []
    middle = _sorted_median(totals)
    if policy.aggregation == "median":
        onsite = middle
    else:
        onsite = mean(totals[1:-1] if policy.aggregation == "trimmed" and len(totals) >= TRIM_FROM else totals)
    deductions = round_half_up(facts.deductions)
    bonus_raw = round_half_up(facts.bonus)
    bonus = min(bonus_raw, round_half_up(policy.bonus_cap))
    final = final_score(onsite, deductions, bonus_raw, policy.bonus_cap) if onsite is not None else None
    veto_failed = tuple(v for v in facts.votes if v.is_veto and v.failed)
    required_failed = tuple(v for v in facts.votes if not v.is_veto and v.failed)
    reasons = []
    if final is None:
        reasons.append("没有已提交的实地评分表")
    reasons += [f"一票否决：{_vote_text(v)}" for v in veto_failed]
    reasons += [f"必须具备项缺失：{_vote_text(v)}" for v in required_failed]
    if final is not None and final < policy.pass_threshold:
        reasons.append(f"最终得分 {final} 低于合格分数线 {round_half_up(policy.pass_threshold)}")
    passed = not reasons
    transition = _outcome(facts.stage, passed)
    spread_ = spread(totals)
    return {
        "entry_id": facts.entry_id,
        "site_name": facts.site_name,
        "domain": facts.domain,
        "stage": facts.stage,
        "sheet_count": len(facts.sheets),
        "mean": mean(totals),
        "median": middle,
        "onsite": onsite,
        "counted": tuple(s.id for s in counted),
        "dropped": tuple(s.id for s in dropped),
        "ten_haves": mean([s.ten_haves for s in counted]) or Decimal("0.00"),
        "disagreement": spread_,
        "disagreement_flag": spread_ > _decimal(policy.disagreement_threshold),
        "deductions": deductions,
        "bonus_raw": bonus_raw,
        "bonus": bonus,
        "final": final,
        "veto_failed": veto_failed,
        "required_failed": required_failed,
        "passed": passed,
        "reasons": tuple(reasons),
        "grade": grade_for(final, policy.grade_bands, failed_on_item=bool(veto_failed or required_failed)),
        "outcome": transition.target,
        "outcome_label": transition.name,
        "site_id": facts.site_id,
        "region": facts.region,
    }


def site_result(facts: ResultInput, policy: Policy) -> SiteResult:
    """One site's result, without ranks (see `rank_results`)."""
    return SiteResult(**_result_fields(facts, policy))


def listing_key(result: SiteResult):
    """The listing order: final score descending, then the 十有 subtotal descending, then fewer deductions,
    then the name."""
    final = result.final if result.final is not None else Decimal("-1")
    return (-final, -result.ten_haves, result.deductions, result.site_name, result.entry_id)


def shared_ranks(results) -> dict[int, int]:
    """Rank by final score with ties sharing a rank and the next rank skipped (1, 2, 2, 4); entry id → rank.
    Only ranked results (no veto failure, a score) are given one."""
    finals = sorted((r.final for r in results if r.ranked), reverse=True)
    first_place = {}
    for position, final in enumerate(finals, start=1):
        first_place.setdefault(final, position)
    return {r.entry_id: first_place[r.final] for r in results if r.ranked}


def order_results(results) -> list:
    """Ranked sites in listing order, then those without a rank (veto failed, no score) in the same order."""
    ranked = sorted((r for r in results if r.ranked), key=listing_key)
    unranked = sorted((r for r in results if not r.ranked), key=listing_key)
    return ranked + unranked


def _ranks(results) -> tuple[dict[int, int], dict[int, int]]:
    """(overall, within the domain) ranks of `results`: entry id → rank, ranked results only."""
    by_domain: dict[str, list] = {}
    for result in results:
        by_domain.setdefault(result.domain, []).append(result)
    in_domain = {}
    for group in by_domain.values():
        in_domain.update(shared_ranks(group))
    return shared_ranks(results), in_domain


def rank_results(results) -> list:
    """Every result with its overall rank and its rank within its domain, in the overall listing order."""
    from dataclasses import replace

    overall, in_domain = _ranks(results)
    return order_results(
        [replace(r, rank=overall.get(r.entry_id), domain_rank=in_domain.get(r.entry_id)) for r in results]
    )


class _Unranked:
    """A result's fields before its ranks, with what ranking reads (final, ranked, domain, entry_id)."""

    __slots__ = ("domain", "entry_id", "fields", "final", "ranked")

    def __init__(self, fields: dict):
        self.fields = fields
        self.final = fields["final"]
        self.domain = fields["domain"]
        self.entry_id = fields["entry_id"]
        self.ranked = not fields["veto_failed"] and fields["final"] is not None


def compute_results(inputs, policy: Policy) -> list:
    """Every site's result, ranked overall and within its domain, in listing order. The same as ranking each
    `site_result` (`rank_results`), with every result built once: a 100,000-site round must take seconds."""
    with without_cyclic_gc():
        unranked = [_Unranked(_result_fields(facts, policy)) for facts in inputs]
        overall, in_domain = _ranks(unranked)
        return order_results(
            [
                SiteResult(**each.fields, rank=overall.get(each.entry_id), domain_rank=in_domain.get(each.entry_id))
                for each in unranked
            ]
        )


@contextmanager
def without_cyclic_gc():
    """Pause the cyclic garbage collector while a round's results are built. They are millions of small acyclic
    objects (decimals, tuples, results): allocating them set off a full collection over the whole heap again and
    again, a quarter of the time at 100,000 sites. Reference counting still frees everything; the collector
    resumes after (unless it was already off)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --- what-if ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flip:
    """A site whose outcome, grade or rank would change under another policy (before, after side by side)."""

    entry_id: int
    site_name: str
    before: SiteResult
    after: SiteResult

    @property
    def changes(self) -> tuple:
        names = []
        if self.before.passed != self.after.passed or self.before.outcome != self.after.outcome:
            names.append("outcome")
        if self.before.grade != self.after.grade:
            names.append("grade")
        if self.before.rank != self.after.rank or self.before.domain_rank != self.after.domain_rank:
            names.append("rank")
        return tuple(names)


def policy_flips(before, after) -> list:
    """The sites whose outcome, grade or rank (overall or in domain) differ between two computations of the same
    round, in the order of `after`."""
    old = {r.entry_id: r for r in before}
    flips = []
    for result in after:
        flip = Flip(result.entry_id, result.site_name, old[result.entry_id], result)
        if flip.changes:
            flips.append(flip)
    return flips


# --- calibration ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calibration:
    scorer_id: int
    scorer: str
    sites: int  # sites scored together with at least one co-scorer
    deviation: Decimal | None  # mean of (own total − mean of the co-scorers' totals) over those sites
    harshest: Decimal | None
    kindest: Decimal | None


def scorer_calibration(sheets_by_site) -> list:
    """Each scorer's mean deviation from their co-scorers on the same sites: `sheets_by_site` is an iterable of
    lists of SheetScore (one list per site). A diagnostic only; it never changes a result. Harshest first.

    Computed in exact fractions and rounded once: a mean of co-scorers' means (thirds, sixths…) carried in
    Decimals could land a hair below an exact half cent and round the wrong way."""
    deviations: dict[int, list] = {}
    names = {}
    for sheets in sheets_by_site:
        if len(sheets) < 2:
            continue
        total = sum((Fraction(str(s.total)) for s in sheets), Fraction(0))
        for sheet in sheets:
            own = Fraction(str(sheet.total))
            deviations.setdefault(sheet.scorer_id, []).append(own - (total - own) / (len(sheets) - 1))
            names[sheet.scorer_id] = sheet.scorer
    rows = [
        Calibration(
            scorer_id=scorer_id,
            scorer=names[scorer_id],
            sites=len(values),
            deviation=round_half_up(sum(values, Fraction(0)) / len(values)),
            harshest=round_half_up(min(values)),
            kindest=round_half_up(max(values)),
        )
        for scorer_id, values in deviations.items()
    ]
    return sorted(rows, key=lambda row: (row.deviation, row.scorer))
