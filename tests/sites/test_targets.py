"""The targets page: each user looks at their own area's plan, totals never let one domain hide another."""

import pytest

from accounts.choices import DataScope, Domain
from accounts.roles import Role
from core.models import AuditEntry
from sites.choices import SiteState
from sites.models import Target
from tests.factories import PartyOrganizationFactory, SiteFactory, UserFactory
from tests.utils import queries_for, unchanged_post_data

YEAR = 2026


@pytest.fixture
def sites(city):
    """Two rural sites in district A (one named), an enterprise in district B, an organ of the city."""
    return {
        "a": SiteFactory(organization=city.org_a, state=SiteState.FORMAL),
        "a_town": SiteFactory(organization=city.org_a_town, state=SiteState.CANDIDATE),
        "b": SiteFactory(organization=city.org_b, state=SiteState.CANDIDATE),
        "organ": SiteFactory(organization=city.org_city, state=SiteState.IMPROVING),
    }


@pytest.fixture
def district_staff(city):
    """Organization-department staff of district A: staff permissions, district A's data only."""
    return UserFactory(username="t-district-staff", scope=DataScope.REGION, region=city.district_a, roles=[Role.STAFF])


def row(response, domain):
    return next(r for r in response.context["summary"].rows if r.domain == domain)


def test_district_users_see_their_districts_targets_and_counts(client, cast, city, sites):
    Target.objects.create(year=YEAR, domain=Domain.RURAL, creating_units=20, named_sites=10)
    Target.objects.create(year=YEAR, domain=Domain.RURAL, region=city.district_a, creating_units=3, named_sites=2)
    Target.objects.create(year=YEAR, domain=Domain.TWO_NEW, region=city.district_b, creating_units=2, named_sites=1)
    client.force_login(cast.district)
    response = client.get("/sites/targets/", {"year": YEAR})
    rural = row(response, Domain.RURAL)
    assert (rural.creating.target, rural.creating.actual, rural.named.target, rural.named.actual) == (3, 2, 2, 1)
    assert response.context["district"] == city.district_a
    assert "2026 年创建目标 · 甲区" in response.content.decode()
    # Another district's plan is not theirs to look at, whatever they ask for.
    response = client.get("/sites/targets/", {"year": YEAR, "district": city.district_b.pk})
    assert response.context["district"] == city.district_a
    client.force_login(cast.outsider)
    response = client.get("/sites/targets/", {"year": YEAR})
    assert [r.domain for r in response.context["summary"].rows] == [Domain.TWO_NEW]
    assert row(response, Domain.TWO_NEW).creating.actual == 1


@pytest.mark.parametrize("role", ["staff", "viewer", "admin"])
def test_city_users_see_the_citys_targets_and_may_switch_to_a_district(client, cast, city, sites, role):
    Target.objects.create(year=YEAR, domain=Domain.RURAL, creating_units=20, named_sites=10)
    Target.objects.create(year=YEAR, domain=Domain.RURAL, region=city.district_a, creating_units=3, named_sites=2)
    client.force_login(getattr(cast, role))
    response = client.get("/sites/targets/", {"year": YEAR})
    assert response.context["district"] is None and row(response, Domain.RURAL).creating.target == 20
    assert 'data-picker-url="/sites/targets/districts/"' in response.content.decode()  # searched, not listed
    found = client.get("/sites/targets/districts/", {"q": city.district_a.name}).json()["results"]
    assert {"value": str(city.district_a.pk), "text": city.district_a.name} in found
    response = client.get("/sites/targets/", {"year": YEAR, "district": city.district_a.pk})
    assert response.context["district"] == city.district_a
    assert f'<option value="{city.district_a.pk}" selected>' in response.content.decode()
    assert row(response, Domain.RURAL).creating.target == 3
    response = client.get("/sites/targets/", {"year": YEAR, "district": city.town_a.pk})  # not a district
    assert response.context["district"] is None


def test_a_surplus_in_one_domain_never_hides_a_shortfall_in_another(client, cast, city, sites):
    Target.objects.create(year=YEAR, domain=Domain.RURAL, creating_units=1, named_sites=1)  # 2 sites: 1 over
    Target.objects.create(year=YEAR, domain=Domain.COMMUNITY, creating_units=2, named_sites=1)  # none: 2 short
    client.force_login(cast.staff)
    response = client.get("/sites/targets/", {"year": YEAR})
    summary = response.context["summary"]
    assert (summary.creating.target, summary.creating.counted, summary.creating.shortfall) == (3, 1, 2)
    assert (summary.named.target, summary.named.counted, summary.named.shortfall) == (2, 1, 1)
    # The organ and the enterprise have sites but no target: shown apart, in no total.
    assert {r.domain for r in summary.untargeted} == {Domain.ORGAN, Domain.TWO_NEW}
    html = response.content.decode()
    assert "1 / 3" in html and "差 2" in html and "超额 1" in html
    assert "有示范点但未设目标的领域" in html


def test_the_page_says_how_enterprise_targets_are_split(client, cast, sites):
    for domain, creating in ((Domain.SOE, 3), (Domain.TWO_NEW, 10), (Domain.PARK, 2)):
        Target.objects.create(year=YEAR, domain=domain, creating_units=creating, named_sites=1)
    client.force_login(cast.staff)
    html = client.get("/sites/targets/", {"year": YEAR}).content.decode()
    assert "2026 年企业目标合计 15 家：国有企业 3、“两新”组织 10、园区 2。" in html
    assert "分列为国有企业、“两新”组织、园区三个领域" in html


def test_targets_page_query_count_is_constant(client, cast, city):
    Target.objects.create(year=YEAR, domain=Domain.RURAL, creating_units=20, named_sites=10)
    SiteFactory(organization=city.org_a)
    for role in ("staff", "district"):
        client.force_login(getattr(cast, role))
        baseline = queries_for(client, "/sites/targets/", year=YEAR)
        for _n in range(50):
            SiteFactory(organization=PartyOrganizationFactory(region=city.village_a))
        assert queries_for(client, "/sites/targets/", year=YEAR) == baseline


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("staff", 200),
        ("district", 403),
        ("viewer", 403),
        ("instructor", 403),
        ("leader", 403),
        ("scorer", 403),
        ("teamlead", 403),
        ("outsider", 403),
        ("nobody", 403),
    ],
)
def test_only_staff_edit_targets(client, cast, role, status):
    client.force_login(getattr(cast, role))
    assert client.get("/sites/targets/edit/").status_code == status
    page = client.get("/sites/targets/").content.decode()
    assert ("/sites/targets/edit/" in page) == (status == 200)


def test_staff_edit_a_years_grid_validated_and_audited(client, cast, city):
    Target.objects.create(year=YEAR, domain=Domain.RURAL, creating_units=20, named_sites=10)
    client.force_login(cast.staff)
    data = {"rural-creating": 22, "rural-named": 10, "soe-creating": 3, "soe-named": 2}
    response = client.post(f"/sites/targets/edit/?year={YEAR}", data)
    assert response.status_code == 302 and response.url == f"/sites/targets/?year={YEAR}"
    assert set(Target.objects.values_list("domain", "creating_units", "named_sites")) == {
        ("rural", 22, 10),
        ("soe", 3, 2),
    }
    entries = AuditEntry.objects.filter(action="target_update")
    assert entries.count() == 2
    assert entries.get(object_repr__contains="农村").changes == {"creating_units": [20, 22]}

    html = client.post(f"/sites/targets/edit/?year={YEAR}", {"rural-creating": 5, "rural-named": 6}).content.decode()
    assert "命名示范点目标不能多于创建单位目标" in html
    assert Target.objects.get(domain="rural").creating_units == 22

    form = client.get(f"/sites/targets/edit/?year={YEAR}").context["form"]
    client.post(f"/sites/targets/edit/?year={YEAR}", unchanged_post_data(form))
    assert AuditEntry.objects.filter(action="target_update").count() == 2  # nothing changed, nothing recorded

    client.post(f"/sites/targets/edit/?year={YEAR}", {"rural-creating": 22, "rural-named": 10})  # soe blank
    assert not Target.objects.filter(domain="soe").exists()


def test_city_staff_set_a_districts_targets_beside_the_citys(client, cast, city):
    Target.objects.create(year=YEAR, domain=Domain.RURAL, creating_units=20, named_sites=10)
    client.force_login(cast.staff)
    url = f"/sites/targets/edit/?year={YEAR}&district={city.district_a.pk}"
    assert "20 / 10" in client.get(url).content.decode()  # the city's target, for reference
    client.post(url, {"rural-creating": 4, "rural-named": 2})
    target = Target.objects.get(region=city.district_a)
    assert (target.domain, target.creating_units, target.named_sites) == ("rural", 4, 2)
    assert Target.objects.get(region__isnull=True).creating_units == 20


def test_district_staff_edit_only_their_own_districts_targets(client, city, district_staff):
    client.force_login(district_staff)
    response = client.get(f"/sites/targets/edit/?year={YEAR}&district={city.district_b.pk}")
    assert response.context["district"] == city.district_a
    client.post(f"/sites/targets/edit/?year={YEAR}", {"rural-creating": 4, "rural-named": 2})
    assert Target.objects.get().region == city.district_a
