"""Pure rules of rounds and score sheets (DOMAIN.md §5, §8). No ORM: plain values in, plain values out.

The services ask these; the next issue adds aggregation, pass rules and ranking here.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

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
