"""The pure rules of standards: allowed scores per scoring kind, levels, maxima, publish checks."""

from decimal import Decimal as D
from itertools import pairwise

import pytest

from standards.choices import DEFAULT_LEVELS, ScoringKind
from standards.rules import (
    SectionFacts,
    allowed_scores,
    is_allowed_score,
    levels_problem,
    max_score_problem,
    publish_problems,
)


@pytest.mark.parametrize("maximum", [0, 0.5, 1, 3, 6, 7.5, 10])
def test_points_allow_every_half_point_from_zero_to_max(maximum):
    scores = allowed_scores(ScoringKind.POINTS, maximum)
    assert scores[0] == D("0") and scores[-1] == D(str(maximum))
    assert all(b - a == D("0.5") for a, b in pairwise(scores))
    assert len(scores) == int(maximum * 2) + 1


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (0, True),
        (0.5, True),
        (5.5, True),
        (6, True),
        (6.5, False),
        (-0.5, False),
        (2.25, False),
        ("3", True),
        ("abc", False),
        (None, False),
    ],
)
def test_points_validation(value, ok):
    assert is_allowed_score(ScoringKind.POINTS, 6, value) is ok


@pytest.mark.parametrize(("value", "ok"), [(0, True), (3, True), (1.5, False), (2.5, False)])
def test_presence_is_all_or_nothing(value, ok):
    assert allowed_scores(ScoringKind.PRESENCE, 3) == [D("0"), D("3")]
    assert is_allowed_score(ScoringKind.PRESENCE, 3, value) is ok


def test_zero_point_presence_is_pass_fail_with_one_value():
    assert allowed_scores(ScoringKind.PRESENCE, 0) == [D("0")]


def test_levels_map_to_fractions_of_max_rounded_half_up():
    assert allowed_scores(ScoringKind.LEVELS, 3, DEFAULT_LEVELS) == [D("0"), D("0.90"), D("1.80"), D("2.40"), D("3")]
    levels = [{"label": "好", "fraction": 1}, {"label": "一般", "fraction": 0.375}]
    assert allowed_scores(ScoringKind.LEVELS, 3, levels) == [D("0"), D("1.13"), D("3")]  # 1.125 → 1.13
    assert is_allowed_score(ScoringKind.LEVELS, 3, "2.4", DEFAULT_LEVELS)
    assert not is_allowed_score(ScoringKind.LEVELS, 3, 2, DEFAULT_LEVELS)


@pytest.mark.parametrize(
    ("levels", "problem"),
    [
        (DEFAULT_LEVELS, None),
        ([], "至少需要一个等次"),
        ([{"label": "", "fraction": 1}], "每个等次都需要名称"),
        ([{"label": "好", "fraction": "x"}], "不是数字"),
        ([{"label": "好", "fraction": 1.2}], "0 到 1 之间"),
        ([{"label": "好", "fraction": 0}], "0 到 1 之间"),
        ([{"label": "差", "fraction": 0.3}, {"label": "好", "fraction": 1}], "从高到低"),
        ([{"label": "好", "fraction": 1}, {"label": "也好", "fraction": 1}], "各不相同"),
        ("好", "至少需要一个等次"),
    ],
)
def test_levels_problems(levels, problem):
    found = levels_problem(levels)
    if problem is None:
        assert found is None
    else:
        assert problem in found


@pytest.mark.parametrize(
    ("kind", "maximum", "problem"),
    [
        (ScoringKind.POINTS, 6, None),
        (ScoringKind.POINTS, 2.5, None),
        (ScoringKind.POINTS, 2.3, "0.5 的整数倍"),
        (ScoringKind.POINTS, -1, "不能为负数"),
        (ScoringKind.PRESENCE, 0, None),
        (ScoringKind.PRESENCE, 2.3, None),
        (ScoringKind.LEVELS, 0, "须大于 0"),
        (ScoringKind.LEVELS, 3, None),
    ],
)
def test_max_score_fits_the_kind(kind, maximum, problem):
    found = max_score_problem(kind, maximum)
    assert (found is None) if problem is None else (problem in found)


def universal(title="十有", maximum=93, items=(60, 18, 15)):
    return SectionFacts(title=title, max_score=D(maximum), item_maxima=[D(i) for i in items])


def test_publish_ok_when_every_domain_adds_up():
    sections = [
        universal(),
        SectionFacts("农村", D(7), [D(4), D(3)], "rural"),
        SectionFacts("社区", D(7), [D(7)], "community"),
    ]
    assert publish_problems(100, sections, ["rural", "community"]) == []


def test_publish_reports_a_domain_whose_sections_do_not_add_up():
    sections = [universal(), SectionFacts("农村", D(7), [D(7)], "rural")]
    problems = publish_problems(100, sections, ["rural", "school"])
    assert problems == ["“学校”领域适用板块合计 93 分，与标准总分 100 分不符"]


def test_publish_reports_empty_sections_and_item_sums():
    sections = [universal(items=(60, 18)), SectionFacts("空板块", D(7), [])]
    problems = publish_problems(100, sections, [])
    assert "板块“空板块”还没有评分项" in problems
    assert "板块“十有”各项分值合计 78 分，与板块分值 93 分不符" in problems


def test_publish_without_domain_sections_checks_the_universal_total():
    assert publish_problems(93, [universal()], []) == []
    assert publish_problems(100, [universal()], []) == ["通用板块适用板块合计 93 分，与标准总分 100 分不符"]


def test_publish_refuses_a_standard_without_sections():
    assert publish_problems(100, [], []) == ["标准还没有任何板块"]


def test_zero_point_checklists_publish():
    assert publish_problems(0, [SectionFacts("五项条件", D(0), [D(0)] * 5)], []) == []
