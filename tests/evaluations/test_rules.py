"""Pure rules of rounds and sheets, exhaustively (no database)."""

from decimal import Decimal

import pytest

from evaluations import rules
from evaluations.choices import RoundStatus, Stage

POINTS = rules.ItemFacts(id=1, code="SY-01", kind="points", max_score=Decimal("6"))
LEVELS = rules.ItemFacts(
    id=2,
    code="SY-02",
    kind="levels",
    max_score=Decimal("6"),
    levels=({"label": "好", "fraction": 1.0}, {"label": "较好", "fraction": 0.8}, {"label": "一般", "fraction": 0.6}),
)
REQUIRED = rules.ItemFacts(id=3, code="LY-01", kind="presence", max_score=Decimal("3"), is_required=True)
VETO = rules.ItemFacts(id=4, code="FJ-01", kind="presence", max_score=Decimal("0"), is_veto=True)


@pytest.mark.parametrize(
    ("state", "stage"),
    [
        ("nominated", Stage.ACCEPTANCE),
        ("candidate", Stage.ACCEPTANCE),
        ("formal", Stage.REVIEW),
        ("improving", Stage.INSPECTION),
        ("not_passed", None),
        ("eliminated", None),
    ],
)
def test_each_state_gives_its_stage(state, stage):
    assert rules.stage_for_state(state) == stage


@pytest.mark.parametrize("current", RoundStatus.values)
@pytest.mark.parametrize("target", RoundStatus.values)
def test_only_the_next_step_is_allowed(current, target):
    allowed = {("draft", "self_assessment"), ("self_assessment", "scoring"), ("scoring", "scored")}
    problem = rules.step_problem(current, target)
    assert (problem is None) == ((current, target) in allowed)
    if problem:
        assert str(RoundStatus(current).label) in problem


SCORER = rules.ScorerFacts(
    name="孙伟", organization_id=7, organization_name="东湖区委组织部", region_paths=(("/1/5/", "东湖区"),)
)


@pytest.mark.parametrize(
    ("site", "conflict"),
    [
        (rules.SiteFacts("本单位示范点", 7, "/1/9/"), "同属"),
        (rules.SiteFacts("东湖区某村", 8, "/1/5/12/40/"), "范围内"),
        (rules.SiteFacts("东湖区本级", 8, "/1/5/"), "范围内"),
        (rules.SiteFacts("西湖区某村", 8, "/1/6/12/"), None),
        (rules.SiteFacts("路径前缀相近", 8, "/1/55/"), None),
    ],
)
def test_conflict_of_interest(site, conflict):
    reason = rules.conflict_reason(SCORER, site)
    if conflict is None:
        assert reason is None
    else:
        assert conflict in reason and site.name in reason


def test_a_scorer_without_organization_or_region_has_no_conflicts():
    nobody = rules.ScorerFacts(name="外聘专家", organization_id=None, organization_name="", region_paths=())
    assert rules.conflict_reason(nobody, rules.SiteFacts("任一示范点", None, "/1/5/")) is None


@pytest.mark.parametrize(
    ("value", "stored"),
    [("0", "0.00"), ("0.5", "0.50"), ("5.5", "5.50"), ("6", "6.00"), (6, "6.00"), ("4.50", "4.50")],
)
def test_points_accept_the_allowed_steps(value, stored):
    assert str(rules.normalize_entry(POINTS, score=value).score) == stored


@pytest.mark.parametrize("value", ["6.5", "-0.5", "4.3", "abc", "", None])
def test_points_refuse_anything_else(value):
    with pytest.raises(rules.EntryRefused):
        rules.normalize_entry(POINTS, score=value)


@pytest.mark.parametrize(("level", "score"), [("好", "6.00"), ("较好", "4.80"), ("一般", "3.60")])
def test_levels_score_a_fraction_of_the_maximum(level, score):
    entry = rules.normalize_entry(LEVELS, level=level)
    assert str(entry.score) == score and entry.level == level


def test_a_level_given_as_its_score_is_recognised():
    assert rules.normalize_entry(LEVELS, score="4.8").level == "较好"


@pytest.mark.parametrize("kwargs", [{"level": "极好"}, {"score": "5"}, {}])
def test_levels_refuse_unknown_levels_and_scores(kwargs):
    with pytest.raises(rules.EntryRefused):
        rules.normalize_entry(LEVELS, **kwargs)


@pytest.mark.parametrize(
    ("present", "score"), [(True, "3.00"), (False, "0.00"), ("有", "3.00"), ("无", "0.00"), ("1", "3.00")]
)
def test_presence_scores_all_or_nothing(present, score):
    entry = rules.normalize_entry(REQUIRED, present=present)
    assert str(entry.score) == score and entry.present is (score != "0.00")


def test_a_veto_item_keeps_its_decision_though_it_is_worth_nothing():
    met, failed = rules.normalize_entry(VETO, present=True), rules.normalize_entry(VETO, present=False)
    assert (met.score, met.present) == (Decimal("0.00"), True)
    assert (failed.score, failed.present) == (Decimal("0.00"), False)


def test_presence_needs_a_decision():
    with pytest.raises(rules.EntryRefused):
        rules.normalize_entry(VETO)


def test_clearing_unscores_any_item():
    for item in (POINTS, LEVELS, REQUIRED, VETO):
        assert rules.normalize_entry(item, clear=True) == rules.Entry(None, None, "")


def test_sheet_total_ignores_unscored_items_and_rounds_half_up():
    assert rules.sheet_total([Decimal("4.5"), None, Decimal("3.125")]) == Decimal("7.63")
    assert rules.sheet_total([]) == Decimal("0.00")


def test_submit_lists_unscored_and_undecided_items():
    items = [POINTS, LEVELS, REQUIRED, VETO]
    problems = rules.submit_problems(items, {1: rules.Entry(Decimal("6"))})
    assert problems[0].startswith("还有 3 项未评分")
    assert "LY-01" in problems[1] and "FJ-01" in problems[1]


def test_a_complete_sheet_may_be_submitted():
    entries = {
        1: rules.Entry(Decimal("6")),
        2: rules.Entry(Decimal("4.8"), None, "较好"),
        3: rules.Entry(Decimal("3"), True),
        4: rules.Entry(Decimal("0"), False),
    }
    assert rules.submit_problems([POINTS, LEVELS, REQUIRED, VETO], entries) == []


def test_more_than_ten_unscored_items_are_summarised():
    items = [rules.ItemFacts(id=i, code=f"X-{i:02d}", kind="points", max_score=Decimal("1")) for i in range(12)]
    problem = rules.submit_problems(items, {})[0]
    assert "12 项" in problem and problem.endswith("等") and "X-10" not in problem


@pytest.mark.parametrize(
    ("current", "base", "verdict"),
    [(0, 0, "apply"), (3, 3, "apply"), (3, 2, "stale"), (3, 0, "stale"), (3, 4, "early"), (0, 1, "early")],
)
def test_change_verdict(current, base, verdict):
    assert rules.change_verdict(current, base) == verdict


@pytest.mark.parametrize(
    ("bands", "ok"),
    [
        ([], True),
        ([{"label": "优秀", "min": "90"}, {"label": "合格", "min": "85"}], True),
        ([{"label": "合格", "min": "85"}, {"label": "优秀", "min": "90"}], False),
        ([{"label": "", "min": "90"}], False),
        ([{"label": "优秀", "min": "abc"}], False),
        ([{"label": "优秀", "min": "101"}], False),
        ([{"label": "甲", "min": "90"}, {"label": "乙", "min": "90"}], False),
        ("优秀", False),
    ],
)
def test_grade_bands(bands, ok):
    assert (rules.grade_bands_problem(bands) is None) == ok
