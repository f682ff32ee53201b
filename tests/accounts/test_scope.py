"""Data scope: each role's selector shows exactly its part of the city."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.selectors import organizations_visible_to, regions_visible_to


def names(queryset):
    return set(queryset.values_list("name", flat=True))


ALL_ORGS = {"市财政局机关党委", "甲村党支部", "甲镇党委", "乙镇企业党支部"}


@pytest.mark.parametrize("role", ["admin", "staff", "viewer"])
def test_city_scoped_roles_see_every_organization(cast, role):
    assert names(organizations_visible_to(getattr(cast, role))) == ALL_ORGS


def test_district_user_sees_only_their_subtree(cast):
    assert names(organizations_visible_to(cast.district)) == {"甲村党支部", "甲镇党委"}


def test_outsider_from_another_district_sees_nothing_of_it(cast, city):
    visible = organizations_visible_to(cast.outsider)
    assert names(visible) == {"乙镇企业党支部"}
    assert not visible.filter(region__path__startswith=city.district_a.path).exists()
    assert not regions_visible_to(cast.outsider).filter(pk__in=[city.district_a.pk, city.village_a.pk]).exists()


def test_district_user_sees_regions_of_their_subtree_only(cast, city):
    assert names(regions_visible_to(cast.district)) == {"甲区", "甲镇", "甲村"}


def test_site_leader_sees_only_their_own_organization(cast):
    assert names(organizations_visible_to(cast.leader)) == {"甲村党支部"}


def test_scorer_sees_only_their_own_unit_here(cast):
    # Assigned sites come with the evaluations issue; of organizations, a scorer sees their own unit.
    assert names(organizations_visible_to(cast.scorer)) == {"乙镇企业党支部"}


@pytest.mark.parametrize("role", ["instructor", "teamlead", "nobody"])
def test_assigned_scope_without_assignments_sees_nothing(cast, role):
    assert not organizations_visible_to(getattr(cast, role)).exists()


def test_anonymous_and_inactive_users_see_nothing(cast):
    assert not organizations_visible_to(AnonymousUser()).exists()
    cast.staff.is_active = False
    assert not organizations_visible_to(cast.staff).exists()
    assert not regions_visible_to(cast.staff).exists()


def test_moving_a_town_moves_its_villages_into_the_other_scope(cast, city):
    city.town_a.parent = city.district_b
    city.town_a.save()
    assert names(organizations_visible_to(cast.district)) == set()
    assert names(organizations_visible_to(cast.outsider)) == {"甲村党支部", "甲镇党委", "乙镇企业党支部"}


def test_selector_queries_are_constant(cast, city, django_assert_num_queries):
    # The scope check reads the user's region and resolves its subtree to ids once (kept on the user object for
    # the request); the list is one query, and a second list costs only itself.
    user = type(cast.district).objects.get(pk=cast.district.pk)
    with django_assert_num_queries(3):
        list(organizations_visible_to(user))
    with django_assert_num_queries(1):
        list(organizations_visible_to(user))
