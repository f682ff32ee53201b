"""One factory per model (house style rule 6)."""

import factory
from django.contrib.auth.models import Group

from accounts.choices import DataScope, Domain, OrganizationKind, RegionKind
from accounts.models import PartyOrganization, Region, User
from core.models import JobHeartbeat

PASSWORD = "Test-pass-2026"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"区划{n}")
    kind = RegionKind.CITY
    parent = None


class PartyOrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyOrganization

    name = factory.Sequence(lambda n: f"第{n}党支部")
    kind = OrganizationKind.BRANCH
    domain = Domain.RURAL
    region = factory.SubFactory(RegionFactory)
    secretary = "张书记"
    member_count = 20


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    scope = DataScope.ASSIGNED
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.set(Group.objects.filter(name__in=extracted))
            self.is_staff = self.is_superuser or bool({"admin", "staff"} & set(extracted))
        if create:
            self.save()


class JobHeartbeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobHeartbeat

    source = JobHeartbeat.Source.BEAT


class StandardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "standards.Standard"

    name = factory.Sequence(lambda n: f"测试标准{n}")
    year = 2026
    total_score = 10


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "standards.Section"

    standard = factory.SubFactory(StandardFactory)
    code = factory.Sequence(lambda n: f"S{n}")
    title = factory.Sequence(lambda n: f"板块{n}")
    max_score = 10
    order = factory.Sequence(lambda n: n)


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "standards.Item"

    section = factory.SubFactory(SectionFactory)
    standard = factory.SelfAttribute("section.standard")
    code = factory.Sequence(lambda n: f"IT-{n:03d}")
    title = factory.Sequence(lambda n: f"评分项{n}")
    guide = "按实际情况评分"
    max_score = 5
    kind = "points"
    order = factory.Sequence(lambda n: n)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "sites.Site"

    organization = factory.SubFactory(PartyOrganizationFactory)
    name = factory.Sequence(lambda n: f"示范点{n}")
    domain = factory.SelfAttribute("organization.domain")
    region = factory.SelfAttribute("organization.region")
    nomination_year = 2026
    state = "candidate"


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluations.Round"

    name = factory.Sequence(lambda n: f"测试考评{n}")
    year = 2026
    standard = factory.SubFactory(StandardFactory, status="published")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluations.Team"

    round = factory.SubFactory(RoundFactory)
    name = factory.Sequence(lambda n: f"第{n}验收组")


class RoundSiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluations.RoundSite"

    round = factory.SubFactory(RoundFactory)
    site = factory.SubFactory(SiteFactory)
    stage = "acceptance"


class ScoreSheetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluations.ScoreSheet"

    entry = factory.SubFactory(RoundSiteFactory)
    scorer = factory.SubFactory(UserFactory, roles=["scorer"])
    kind = "onsite"


# --- supervision


def _in_days(days: int):
    import datetime

    from django.utils import timezone

    return timezone.now() + datetime.timedelta(days=days)


def _in_local_days(days: int):
    import datetime

    from django.utils import timezone

    return timezone.localdate() + datetime.timedelta(days=days)


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "supervision.Assignment"

    title = factory.Sequence(lambda n: f"工作任务{n}")
    due_at = factory.LazyFunction(lambda: _in_days(10))
    status = "published"
    published_at = factory.LazyFunction(lambda: _in_days(0))


class AssignmentSiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "supervision.AssignmentSite"
        skip_postgeneration_save = True

    assignment = factory.SubFactory(AssignmentFactory)
    site = factory.SubFactory(SiteFactory)
    status = "pending"
    # The site's district, as the services copy it (supervision.districts).
    district_id = factory.LazyAttribute(lambda target: _district_id(target.site))
    # And its owing signature (supervision.owing), as the services keep it.
    owing = factory.PostGeneration(lambda target, create, extracted, **kwargs: _owing(target, create))


class RectificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "supervision.Rectification"
        skip_postgeneration_save = True

    site = factory.SubFactory(SiteFactory)
    title = factory.Sequence(lambda n: f"整改事项{n}")
    due_on = factory.LazyFunction(lambda: _in_local_days(10))
    status = "open"
    district_id = factory.LazyAttribute(lambda item: _district_id(item.site))
    owing = factory.PostGeneration(lambda item, create, extracted, **kwargs: _owing(item, create))


def _district_id(site):
    from supervision.districts import district_id_of

    return district_id_of(site.region)


def _owing(row, create):
    from supervision.owing import owing_refresh

    if create:
        owing_refresh(site_ids=[row.site_id])
