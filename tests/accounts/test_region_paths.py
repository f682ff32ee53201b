"""One way to find regions by the path people type, shared by the site and user imports."""

import pytest

from accounts.choices import RegionKind
from accounts.region_paths import one_region, path_parts, regions_matching
from tests.factories import RegionFactory


@pytest.mark.parametrize(
    "text",
    [
        "甲区 · 甲镇 · 甲村",
        "甲区/甲镇/甲村",
        "甲区－甲镇－甲村",
        "甲区>甲镇>甲村",
        "测试市 甲区 甲镇 甲村",
        "甲镇·甲村",
    ],
)
def test_a_path_however_written_names_its_region(city, text):
    RegionFactory(name="甲村", kind=RegionKind.VILLAGE, parent=city.town_b)  # a twin in the other district
    assert one_region(text, regions_matching([text])) == (city.village_a, "")


def test_a_bare_name_of_twins_is_ambiguous_and_says_how_to_tell_them_apart(city):
    RegionFactory(name="甲村", kind=RegionKind.VILLAGE, parent=city.town_b)
    region, problem = one_region("甲村", regions_matching(["甲村"]))
    assert region is None and "2 个同名区划" in problem and "甲区 · 甲镇 · 甲村" in problem


def test_an_unknown_path_says_so(city):
    region, problem = one_region("丙区 · 丙镇", regions_matching(["丙区 · 丙镇"]))
    assert region is None and "系统中没有区划" in problem
    assert path_parts("  ") == []
