"""Two villages of the same name in different towns: every supervision page tells their sites apart by the
region's full path, not its bare name."""

import datetime

from django.urls import reverse
from django.utils import timezone

from accounts.choices import RegionKind
from supervision.choices import AssignmentStatus, TargetKind
from supervision.models import Assignment, AssignmentSite
from tests.factories import PartyOrganizationFactory, RegionFactory, SiteFactory


def test_same_named_villages_are_told_apart_on_the_board_and_the_task(client, city, cast):
    sites = []
    for town in (city.town_a, city.town_b):
        village = RegionFactory(name="杨柳村", kind=RegionKind.VILLAGE, parent=town)
        organization = PartyOrganizationFactory(name="杨柳村党支部", region=village)
        sites.append(SiteFactory(organization=organization, name="杨柳村党建示范点"))
    now = timezone.now()
    task = Assignment.objects.create(
        title="报送台账",
        due_at=now - datetime.timedelta(days=1),
        status=AssignmentStatus.PUBLISHED,
        target_kind=TargetKind.SITES,
        published_at=now - datetime.timedelta(days=5),
    )
    for site in sites:
        AssignmentSite.objects.create(assignment=task, site=site)
    client.force_login(cast.staff)
    for url in (reverse("supervision:board"), reverse("supervision:assignment_detail", args=[task.pk])):
        body = client.get(url).content.decode()
        for site in sites:
            assert site.region.label in body, url
    assert sites[0].region.label != sites[1].region.label
