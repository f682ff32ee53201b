"""The shared cast: a small city with two districts, and one user per role plus an outsider.

House style rule 5: every view is tested with each role's user. `cast` is that set of users.
"""

from dataclasses import dataclass

import pytest
from django.conf import settings

from accounts.choices import DataScope, Domain, OrganizationKind, RegionKind
from accounts.roles import Role
from tests.factories import PartyOrganizationFactory, RegionFactory, UserFactory


def pytest_configure(config):
    # pytest-django prefers DJANGO_SETTINGS_MODULE from the shell over pyproject.toml; dev settings would
    # run tasks for real and show debug pages, so refuse rather than test the wrong thing.
    if settings.SETTINGS_MODULE != "config.settings.test":
        raise pytest.UsageError(f"tests need config.settings.test, not {settings.SETTINGS_MODULE} (use make test)")


@dataclass
class City:
    city: object
    district_a: object
    district_b: object
    town_a: object
    village_a: object
    town_b: object
    org_city: object  # a municipal organ, directly under the city's 市直 node
    org_a: object  # a village branch in district A
    org_a_town: object  # a town committee in district A
    org_b: object  # a branch in district B


@pytest.fixture
def city(db) -> City:
    root = RegionFactory(name="测试市", kind=RegionKind.CITY)
    municipal = RegionFactory(name="市直", kind=RegionKind.MUNICIPAL, parent=root)
    district_a = RegionFactory(name="甲区", kind=RegionKind.DISTRICT, parent=root)
    district_b = RegionFactory(name="乙县", kind=RegionKind.DISTRICT, parent=root)
    town_a = RegionFactory(name="甲镇", kind=RegionKind.TOWN, parent=district_a)
    village_a = RegionFactory(name="甲村", kind=RegionKind.VILLAGE, parent=town_a)
    town_b = RegionFactory(name="乙镇", kind=RegionKind.TOWN, parent=district_b)
    return City(
        city=root,
        district_a=district_a,
        district_b=district_b,
        town_a=town_a,
        village_a=village_a,
        town_b=town_b,
        org_city=PartyOrganizationFactory(
            name="市财政局机关党委", domain=Domain.ORGAN, region=municipal, kind=OrganizationKind.COMMITTEE
        ),
        org_a=PartyOrganizationFactory(name="甲村党支部", domain=Domain.RURAL, region=village_a),
        org_a_town=PartyOrganizationFactory(
            name="甲镇党委", domain=Domain.RURAL, region=town_a, kind=OrganizationKind.COMMITTEE
        ),
        org_b=PartyOrganizationFactory(name="乙镇企业党支部", domain=Domain.TWO_NEW, region=town_b),
    )


@dataclass
class Cast:
    admin: object
    staff: object
    district: object
    instructor: object
    leader: object
    scorer: object
    teamlead: object
    viewer: object
    outsider: object  # district staff of the other district: must see nothing of district A
    nobody: object  # active, but no role and an assigned scope with nothing assigned

    def by_role(self):
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@pytest.fixture
def cast(city) -> Cast:
    return Cast(
        admin=UserFactory(username="t-admin", is_superuser=True, scope=DataScope.CITY, roles=[Role.ADMIN]),
        staff=UserFactory(username="t-staff", scope=DataScope.CITY, roles=[Role.STAFF]),
        district=UserFactory(
            username="t-district", scope=DataScope.REGION, region=city.district_a, roles=[Role.DISTRICT]
        ),
        instructor=UserFactory(username="t-instructor", roles=[Role.INSTRUCTOR]),
        leader=UserFactory(username="t-leader", organization=city.org_a, roles=[Role.LEADER]),
        scorer=UserFactory(username="t-scorer", organization=city.org_b, roles=[Role.SCORER]),
        teamlead=UserFactory(username="t-teamlead", roles=[Role.TEAMLEAD]),
        viewer=UserFactory(username="t-viewer", scope=DataScope.CITY, roles=[Role.VIEWER]),
        outsider=UserFactory(
            username="t-outsider", scope=DataScope.REGION, region=city.district_b, roles=[Role.DISTRICT]
        ),
        nobody=UserFactory(username="t-nobody"),
    )
