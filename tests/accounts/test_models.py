"""Region tree, organizations and users: integrity rules."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from accounts.choices import DataScope, RegionKind
from accounts.models import Region
from tests.factories import PartyOrganizationFactory, RegionFactory, UserFactory


def test_region_path_and_depth_follow_the_tree(city):
    assert city.city.path == f"/{city.city.pk}/"
    assert city.village_a.path == f"/{city.city.pk}/{city.district_a.pk}/{city.town_a.pk}/{city.village_a.pk}/"
    assert [city.city.depth, city.district_a.depth, city.town_a.depth, city.village_a.depth] == [0, 1, 2, 3]
    assert city.village_a.is_within(city.district_a)
    assert not city.village_a.is_within(city.district_b)


def test_moving_a_region_rewrites_paths_below_it(city):
    city.town_a.parent = city.district_b
    city.town_a.save()
    village = Region.objects.get(pk=city.village_a.pk)
    assert village.path == f"{city.district_b.path}{city.town_a.pk}/{village.pk}/"
    assert village.depth == 3


def test_a_region_is_shown_with_its_path_from_the_district_down(city):
    assert str(city.city) == "测试市"
    assert str(city.district_a) == "甲区"
    assert str(city.village_a) == "甲区 · 甲镇 · 甲村"
    assert str(city.org_a) == "甲村党支部（甲区 · 甲镇 · 甲村）"


def test_same_named_villages_are_told_apart(city):
    other_town = RegionFactory(name="乙二镇", kind=RegionKind.TOWN, parent=city.district_b)
    twin = RegionFactory(name="甲村", kind=RegionKind.VILLAGE, parent=other_town)
    assert str(twin) != str(city.village_a)
    assert str(twin) == "乙县 · 乙二镇 · 甲村"


def test_renaming_or_moving_a_region_relabels_everything_below_it(city):
    city.town_a.name = "甲新镇"
    city.town_a.save()
    assert Region.objects.get(pk=city.village_a.pk).label == "甲区 · 甲新镇 · 甲村"
    city.town_a.parent = city.district_b
    city.town_a.save()
    assert Region.objects.get(pk=city.village_a.pk).label == "乙县 · 甲新镇 · 甲村"


@pytest.mark.parametrize(
    ("kind", "parent_name", "ok"),
    [
        (RegionKind.DISTRICT, "city", True),
        (RegionKind.MUNICIPAL, "city", True),
        (RegionKind.TOWN, "district_a", True),
        (RegionKind.VILLAGE, "town_a", True),
        (RegionKind.VILLAGE, "district_a", False),
        (RegionKind.TOWN, "city", False),
        (RegionKind.CITY, "city", False),
    ],
)
def test_region_kind_must_fit_its_parent(city, kind, parent_name, ok):
    region = Region(name="新区划", kind=kind, parent=getattr(city, parent_name))
    if ok:
        region.full_clean()
    else:
        with pytest.raises(ValidationError) as error:
            region.full_clean()
        assert "parent" in error.value.message_dict


def test_region_cannot_be_moved_under_its_own_child(city):
    city.district_a.parent = city.town_a
    city.district_a.kind = RegionKind.TOWN
    with pytest.raises(ValidationError):
        city.district_a.full_clean()


def test_region_names_are_unique_under_one_parent(city):
    with pytest.raises(IntegrityError):
        RegionFactory(name="甲镇", kind=RegionKind.TOWN, parent=city.district_a)


def test_organization_names_are_unique_in_a_region(city):
    with pytest.raises(IntegrityError):
        PartyOrganizationFactory(name="甲村党支部", region=city.village_a)


def test_region_scope_requires_a_region(db):
    user = UserFactory.build(username="u1", scope=DataScope.REGION, region=None)
    with pytest.raises(ValidationError) as error:
        user.full_clean()
    assert "region" in error.value.message_dict
    with pytest.raises(IntegrityError):
        UserFactory(username="u2", scope=DataScope.REGION, region=None)


def test_user_display_name_prefers_full_name(db):
    user = UserFactory(username="zhang", full_name="张三")
    assert str(user) == "张三（zhang）"
    assert user.get_full_name() == "张三"
