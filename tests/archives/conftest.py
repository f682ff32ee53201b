import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sites.choices import GroupRole
from sites.models import CreationGroupMember
from standards import defaults
from tests.factories import PartyOrganizationFactory, SiteFactory


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def standard(db):
    return defaults.build_evaluation_standard(2026)


@pytest.fixture
def site(city, cast):
    """The leader's site in district A, with the instructor and the district user as its supervisors."""
    site = SiteFactory(name="甲村示范点", organization=city.org_a)
    CreationGroupMember.objects.create(site=site, role=GroupRole.LEADER, name="组长", user=cast.leader)
    site.instructors.add(cast.instructor)
    return site


@pytest.fixture
def other_site(city):
    return SiteFactory(name="乙镇示范点", organization=PartyOrganizationFactory(region=city.town_b))


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)
