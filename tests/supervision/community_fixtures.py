"""Shared set-up of the community tests (experiences, notices, tours, pairings): one site in each district of the
cast's city, the cast's leader on the district-A site."""

from dataclasses import dataclass

import pytest

from sites.models import CreationGroupMember
from tests.factories import SiteFactory


@dataclass
class Places:
    site_a: object  # in district A, led by cast.leader
    site_a2: object  # another site in district A (the org_a_town committee)
    site_b: object  # in district B


@pytest.fixture
def places(city, cast) -> Places:
    site_a = SiteFactory(organization=city.org_a, name="甲村示范点")
    CreationGroupMember.objects.create(site=site_a, name="刘组长", user=cast.leader, role="leader")
    site_a2 = SiteFactory(organization=city.org_a_town, name="甲镇示范点")
    site_b = SiteFactory(organization=city.org_b, name="乙镇示范点")
    return Places(site_a=site_a, site_a2=site_a2, site_b=site_b)
