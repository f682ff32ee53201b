"""Sites services against the database: nomination, the one state-change path and its history, audit."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.models import AuditEntry
from sites import services
from sites.choices import SiteState
from sites.models import Batch, Site, StateChange
from tests.factories import PartyOrganizationFactory, SiteFactory, StandardFactory, UserFactory


@pytest.fixture
def staff(db):
    return UserFactory(username="clerk", full_name="办事员")


def test_nominating_takes_domain_and_region_from_the_organization_and_starts_history(city, staff):
    site = services.site_nominate(organization=city.org_a, year=2026, by=staff, reason="区县推荐")
    assert (site.domain, site.region, site.state) == (city.org_a.domain, city.org_a.region, SiteState.NOMINATED)
    change = site.state_changes.get()
    assert (change.from_state, change.to_state, change.by, change.reason) == ("", "nominated", staff, "区县推荐")


def test_an_organization_is_nominated_once_a_year(city, staff):
    services.site_nominate(organization=city.org_a, year=2026, by=staff, reason="推荐")
    with pytest.raises(ValidationError):
        services.site_nominate(organization=city.org_a, year=2026, by=staff, reason="再推荐")


def test_nominating_needs_a_reason(city, staff):
    with pytest.raises(ValidationError, match="推荐理由"):
        services.site_nominate(organization=city.org_a, year=2026, by=staff, reason=" ")
    assert not Site.objects.exists()


def test_import_is_all_or_nothing_even_when_a_late_row_fails(city, staff):
    from sites.imports import ImportRow

    def row(number, organization, name):
        return ImportRow(
            number,
            {
                "示范点名称": name,
                "_organization": organization,
                "_domain": organization.domain,
                "_level": "city",
                "_state": "nominated",
                "_year": 2026,
                "联系电话": "bad phone!" if number == 3 else "",
            },
        )

    with pytest.raises(ValidationError, match="第 3 行"):
        services.sites_import(rows=[row(2, city.org_a, "一"), row(3, city.org_b, "二")], by=staff)
    assert not Site.objects.exists() and not StateChange.objects.exists()


def test_transition_writes_history_with_who_when_why(city, staff):
    site = SiteFactory(organization=city.org_a, state=SiteState.NOMINATED)
    change = services.site_transition(site=site, to_state=SiteState.CANDIDATE, by=staff, reason="启动创建")
    site.refresh_from_db()
    assert site.state == SiteState.CANDIDATE
    assert (change.from_state, change.to_state, change.action, change.by, change.reason) == (
        "nominated",
        "candidate",
        "启动创建",
        staff,
        "启动创建",
    )
    assert change.at is not None
    assert AuditEntry.objects.filter(action="site_transition", object_id=str(site.pk), reason="启动创建").exists()


def test_manual_change_needs_a_reason(city, staff):
    site = SiteFactory(organization=city.org_a, state=SiteState.FORMAL)
    with pytest.raises(ValidationError, match="必须填写原因"):
        services.site_transition(site=site, to_state=SiteState.ELIMINATED, by=staff, reason="  ")
    assert Site.objects.get(pk=site.pk).state == SiteState.FORMAL
    assert not StateChange.objects.exists()


def test_forbidden_change_is_refused_with_a_message_and_changes_nothing(city, staff):
    site = SiteFactory(organization=city.org_a, state=SiteState.CANDIDATE)
    with pytest.raises(ValidationError, match="只能由考评结果决定"):
        services.site_transition(site=site, to_state=SiteState.FORMAL, by=staff, reason="想直接授牌")
    assert Site.objects.get(pk=site.pk).state == SiteState.CANDIDATE and not StateChange.objects.exists()


def test_a_round_records_itself_as_the_cause(city, staff):
    site = SiteFactory(organization=city.org_a, state=SiteState.CANDIDATE)
    round_like = StandardFactory(name="2026年度验收")  # any model instance stands for the round here
    change = services.site_transition(site=site, to_state=SiteState.FORMAL, by=staff, manual=False, cause=round_like)
    assert change.cause == round_like and "2026年度验收" in change.cause_label


def test_profile_changes_are_audited_field_by_field(city, staff):
    site = SiteFactory(organization=city.org_a, brand_name="旧品牌")
    services.site_update(
        site=site, by=staff, allowed=["brand_name", "highlights"], brand_name="新品牌", highlights="亮点"
    )
    entry = AuditEntry.objects.get(action="site_update", object_id=str(site.pk))
    assert entry.actor == staff
    assert entry.changes == {"brand_name": ["旧品牌", "新品牌"], "highlights": ["", "亮点"]}


def test_fields_outside_the_allowed_set_are_refused(city, staff):
    site = SiteFactory(organization=city.org_a)
    with pytest.raises(ValidationError, match="无权修改"):
        services.site_update(site=site, by=staff, allowed=["brand_name"], level="district")
    with pytest.raises(ValidationError, match="办理状态变更"):
        services.site_update(site=site, by=staff, allowed=["state"], state="formal")
    assert Site.objects.get(pk=site.pk).state == "candidate"


def test_changing_the_organization_moves_region_and_domain(city, staff):
    site = SiteFactory(organization=city.org_a)
    services.site_update(site=site, by=staff, allowed=["organization"], organization=city.org_b)
    site.refresh_from_db()
    assert site.region == city.org_b.region and site.domain == city.org_b.domain


def test_supervisors_and_subsidies_and_batches(city, staff):
    site = SiteFactory(organization=city.org_a, state=SiteState.FORMAL)
    instructor = UserFactory(username="guide", full_name="指导员")
    services.site_set_supervisors(site=site, by=staff, instructors=[instructor], liaisons=[])
    assert list(site.instructors.all()) == [instructor]
    services.subsidy_add(site=site, by=staff, year=2026, amount=Decimal("50000"))
    assert site.subsidies.get().amount == Decimal("50000")
    with pytest.raises(ValidationError):
        services.subsidy_add(site=site, by=staff, year=2026, amount=Decimal("0"))
    batch = Batch.objects.create(name="2026年第一批", named_on="2026-12-20")
    assert services.batch_name_sites(batch=batch, sites=[site], by=staff) == 1
    site.refresh_from_db()
    assert site.batch == batch
    candidate = SiteFactory(organization=PartyOrganizationFactory(region=city.village_a))
    with pytest.raises(ValidationError, match="还不是正式示范点"):
        services.batch_name_sites(batch=batch, sites=[candidate], by=staff)
    actions = set(AuditEntry.objects.filter(object_id=str(site.pk)).values_list("action", flat=True))
    assert {"site_update", "subsidy_add"} <= actions
