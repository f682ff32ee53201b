"""The district copied onto each standing and rectification item (supervision.districts) stays what the site's
region path says after every kind of change: a task published, an item raised, a site moved to another
organization, an organization moved, a region moved in the tree, and the migration's fill of existing rows."""

import importlib

import pytest
from django.apps import apps

from accounts.services import organization_update
from sites.services import site_update
from supervision.districts import district_id_of
from supervision.models import AssignmentSite, Rectification
from tests.factories import PartyOrganizationFactory, RegionFactory, SiteFactory
from tests.supervision.assignment_setup import task_and_items

pytestmark = pytest.mark.django_db


def _stored_equals_path():
    """Every row's stored district against the one its site's region path names, and how many rows there are."""
    rows = 0
    for model in (AssignmentSite, Rectification):
        for row in model.objects.select_related("site__region"):
            assert row.district_id == district_id_of(row.site.region), (model.__name__, row.pk)
            rows += 1
    return rows


@pytest.fixture
def board_rows(city, cast):
    """A published task to a village site in district A, a town site in district B and a site at the city level,
    each with an open rectification item."""
    sites = [
        SiteFactory(organization=city.org_a),
        SiteFactory(organization=city.org_b),
        SiteFactory(region=city.city, organization__region=city.city),
    ]
    return task_and_items(cast.staff, sites)


def test_a_published_task_and_a_raised_item_carry_their_sites_districts(city, board_rows):
    assert _stored_equals_path() == 6
    districts = set(AssignmentSite.objects.values_list("district_id", flat=True))
    assert districts == {city.district_a.pk, city.district_b.pk, None}  # the city-level site has none


def test_a_site_moved_to_another_organization_moves_its_rows(city, cast, board_rows):
    site = board_rows[0]
    elsewhere = PartyOrganizationFactory(name="乙镇第二党支部", domain=site.domain, region=city.town_b)
    site_update(site=site, by=cast.staff, allowed=["organization"], organization=elsewhere)
    assert _stored_equals_path() == 6
    assert set(site.assignment_targets.values_list("district_id", flat=True)) == {city.district_b.pk}
    assert set(site.rectifications.values_list("district_id", flat=True)) == {city.district_b.pk}


def test_an_organization_moved_to_another_district_moves_its_sites_rows(city, cast, board_rows):
    organization_update(by=cast.admin, organization=city.org_a, region=city.town_b)
    assert _stored_equals_path() == 6
    assert set(board_rows[0].assignment_targets.values_list("district_id", flat=True)) == {city.district_b.pk}


def test_a_region_moved_under_another_district_moves_the_rows_below_it(city, board_rows):
    town = city.town_a  # the village of site 0 is under it
    town.parent = city.district_b
    town.save()
    assert _stored_equals_path() == 6
    assert set(board_rows[0].rectifications.values_list("district_id", flat=True)) == {city.district_b.pk}


def test_a_new_district_above_a_town_takes_its_rows(city, board_rows):
    # A town moved to a district created later: the district is whatever depth-1 node is above now.
    new_district = RegionFactory(name="丙区", kind="district", parent=city.city)
    city.town_b.parent = new_district
    city.town_b.save()
    assert _stored_equals_path() == 6
    assert set(board_rows[1].assignment_targets.values_list("district_id", flat=True)) == {new_district.pk}


def test_the_migration_fills_the_rows_it_finds(city, board_rows):
    AssignmentSite.objects.update(district=None)
    Rectification.objects.update(district=None)
    migration = importlib.import_module("supervision.migrations.0005_standing_district")
    migration.fill_districts(apps, None)
    assert _stored_equals_path() == 6


def test_a_row_created_on_its_own_takes_its_sites_district(city, cast, board_rows):
    """Outside the services (which fill it in bulk), a standing or an item created by itself still carries its
    district, so no district's pages and tab leave it out."""
    village, _town_b, city_level = board_rows
    task = AssignmentSite.objects.filter(site=village).get().assignment
    other = SiteFactory(organization=PartyOrganizationFactory(name="甲村第二党支部", region=city.village_a))
    standing = AssignmentSite.objects.create(assignment=task, site=other)
    item = Rectification.objects.create(site=other, title="台账不全")
    at_city = Rectification.objects.create(site=city_level, title="台账不全")
    assert (standing.district_id, item.district_id, at_city.district_id) == (city.district_a.pk,) * 2 + (None,)
    assert _stored_equals_path() == 9
