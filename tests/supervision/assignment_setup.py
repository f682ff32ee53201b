"""What the assignments tests start from: three sites of the shared city, the cast's leader in the group of site A
(a village branch in district A), a town site in district A and a site in district B."""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sites.models import CreationGroupMember
from supervision.assignments import assignment_create, assignment_publish
from supervision.services import rectifications_create
from tests.archives.samples import executable_bytes, pdf_bytes
from tests.factories import SiteFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 18, minute: int = 0, second: int = 0, month: int = 11) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, second, tzinfo=SHANGHAI)


@dataclass
class Sites:
    a: object  # rural, village in district A, candidate; the cast's leader is in its group
    a_town: object  # rural, town in district A, formal
    b: object  # two_new, town in district B, candidate


def build_sites(city, cast) -> Sites:
    a = SiteFactory(organization=city.org_a, name="甲村示范点")
    CreationGroupMember.objects.create(site=a, name="刘芳", user=cast.leader)
    a_town = SiteFactory(organization=city.org_a_town, name="甲镇示范点", state="formal")
    b = SiteFactory(organization=city.org_b, name="乙镇示范点")
    return Sites(a=a, a_town=a_town, b=b)


def pdf(name="报告.pdf"):
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def disguised_exe(name="报告.pdf"):
    return SimpleUploadedFile(name, executable_bytes(), content_type="application/pdf")


def published_task(by, *, sites, due_at, published_at, title="报送党建工作总结", **extra):
    """A task listed to `sites`, published at `published_at` (no reminders sent yet)."""
    assignment = assignment_create(by=by, title=title, due_at=due_at, target_kind="sites", sites=sites, **extra)
    return assignment_publish(assignment=assignment, by=by, now=published_at)


def task_and_items(by, sites) -> list:
    """A task published now to `sites`, due in five days, and an open rectification item at each: a standing and an
    item per site, for the tests of who reads which (the districts copied onto them, the scope's narrowing)."""
    now = timezone.now()
    published_task(by, sites=sites, due_at=now + datetime.timedelta(days=5), published_at=now)
    for site in sites:
        rectifications_create(site=site, by=by, items=[{"title": "台账不全"}])
    return sites
