"""A Party organization's page and its edit and create pages: per role, within scope, in Chinese, audited."""

import re

import pytest

from accounts.choices import DataScope, Domain, OrganizationKind
from accounts.models import PartyOrganization
from accounts.roles import Role
from core.models import AuditEntry
from tests.factories import SiteFactory, UserFactory
from tests.utils import queries_for, unchanged_post_data

ROLES = ["admin", "staff", "district", "instructor", "leader", "scorer", "teamlead", "viewer", "outsider", "nobody"]


@pytest.fixture
def regional_staff(city):
    return UserFactory(username="t-staff-a", scope=DataScope.REGION, region=city.district_a, roles=[Role.STAFF])


def detail(organization):
    return f"/accounts/organizations/{organization.pk}/"


def edit(organization):
    return f"/accounts/organizations/{organization.pk}/edit/"


def form_data(**overrides):
    data = {"kind": OrganizationKind.BRANCH, "domain": Domain.RURAL, "member_count": 12, "is_active": "on"}
    return data | overrides


@pytest.mark.parametrize(
    ("role", "org_a", "org_b"),
    [
        ("admin", 200, 200),
        ("staff", 200, 200),
        ("district", 200, 404),
        ("instructor", 404, 404),
        ("leader", 200, 404),  # their own organization
        ("scorer", 404, 200),
        ("teamlead", 404, 404),
        ("viewer", 200, 200),
        ("outsider", 404, 200),
        ("nobody", 403, 403),
    ],
)
def test_who_sees_an_organization(client, cast, city, role, org_a, org_b):
    client.force_login(getattr(cast, role))
    assert client.get(detail(city.org_a)).status_code == org_a
    assert client.get(detail(city.org_b)).status_code == org_b


@pytest.mark.parametrize("role", ROLES)
def test_who_may_edit_and_create(client, cast, city, role):
    client.force_login(getattr(cast, role))
    may = role in {"admin", "staff"}
    status = client.get(edit(city.org_a)).status_code
    assert status == 200 if may else status in (403, 404)
    assert client.get("/accounts/organizations/new/").status_code == (200 if may else 403)
    page = client.get(detail(city.org_a))
    if page.status_code == 200:
        assert (edit(city.org_a) in page.content.decode()) is may


def test_the_list_links_each_row_to_its_page(client, cast, city):
    client.force_login(cast.district)
    html = client.get("/accounts/organizations/").content.decode()
    assert f'href="{detail(city.org_a)}"' in html


def test_the_page_shows_the_organization_its_users_and_its_sites(client, cast, city):
    child = PartyOrganization.objects.create(
        name="甲村第一党小组",
        kind=OrganizationKind.BRANCH,
        domain=Domain.RURAL,
        region=city.village_a,
        parent=city.org_a,
    )
    SiteFactory(name="甲村示范点", organization=city.org_a)
    client.force_login(cast.staff)
    html = client.get(detail(city.org_a)).content.decode()
    for text in ("甲村党支部", "党支部", "农村（村）", "甲区 · 甲镇 · 甲村", "张书记", "20", "t-leader", "甲村示范点"):
        assert text in html, text
    child_html = client.get(detail(child)).content.decode()
    assert f'href="{detail(city.org_a)}"' in child_html  # the parent links to its page


def test_users_of_an_organization_are_shown_only_to_those_who_see_users(client, cast, city):
    client.force_login(cast.viewer)
    html = client.get(detail(city.org_a)).content.decode()
    assert "t-leader" not in html and "本组织的用户" not in html


def test_region_scoped_staff_neither_see_nor_move_outside_their_subtree(client, cast, city, regional_staff):
    client.force_login(regional_staff)
    assert client.get(edit(city.org_b)).status_code == 404
    assert client.get(edit(city.org_city)).status_code == 404
    form = client.get(edit(city.org_a)).context["form"]
    data = unchanged_post_data(form) | {"region": city.town_b.pk}
    response = client.post(edit(city.org_a), data)
    assert response.status_code == 200 and "region" in response.context["form"].errors
    city.org_a.refresh_from_db()
    assert city.org_a.region == city.village_a
    response = client.post("/accounts/organizations/new/", form_data(name="乙镇新支部", region=city.town_b.pk))
    assert "region" in response.context["form"].errors and not PartyOrganization.objects.filter(name="乙镇新支部")


def test_a_name_is_unique_within_its_region_with_a_chinese_message(client, cast, city):
    client.force_login(cast.staff)
    response = client.post("/accounts/organizations/new/", form_data(name="甲村党支部", region=city.village_a.pk))
    errors = response.context["form"].errors["name"]
    assert errors == ["“甲区 · 甲镇 · 甲村”已有名为“甲村党支部”的党组织，同一区划内党组织名称不能重复"]
    response = client.post("/accounts/organizations/new/", form_data(name="甲村党支部", region=city.town_b.pk))
    assert response.status_code == 302  # the same name elsewhere is normal


def test_an_organization_cannot_sit_under_itself_or_its_children(client, cast, city):
    child = PartyOrganization.objects.create(
        name="甲村第一党小组",
        kind=OrganizationKind.BRANCH,
        domain=Domain.RURAL,
        region=city.village_a,
        parent=city.org_a,
    )
    client.force_login(cast.staff)
    form = client.get(edit(city.org_a)).context["form"]
    response = client.post(edit(city.org_a), unchanged_post_data(form) | {"parent": child.pk})
    assert response.context["form"].errors["parent"] == ["上级党组织不能是自身或其下级党组织"]


def test_create_and_edit_are_audited_in_words_and_an_unchanged_form_records_nothing(client, cast, city):
    client.force_login(cast.staff)
    response = client.post(
        "/accounts/organizations/new/",
        form_data(name="甲镇商会党支部", region=city.town_a.pk, parent=city.org_a_town.pk, domain=Domain.TWO_NEW),
    )
    organization = PartyOrganization.objects.get(name="甲镇商会党支部")
    assert response.url == detail(organization)
    assert AuditEntry.objects.filter(action="organization_create", object_id=str(organization.pk)).exists()
    form = client.get(edit(organization)).context["form"]
    before = AuditEntry.objects.count()
    assert client.post(edit(organization), unchanged_post_data(form)).status_code == 302
    assert AuditEntry.objects.count() == before
    client.post(edit(organization), unchanged_post_data(form) | {"secretary": "王书记", "domain": Domain.PARK})
    text = re.sub(r"<[^>]+>", "", client.get(detail(organization)).content.decode())
    assert "修改党组织" in text and "书记：（空） → 王书记" in text and "领域：“两新”组织 → 园区" in text


def test_detail_query_count_is_constant(client, cast, city):
    client.force_login(cast.staff)
    baseline = queries_for(client, detail(city.org_a))
    for number in range(20):
        UserFactory(username=f"member{number}", organization=city.org_a, roles=[Role.LEADER])
        SiteFactory(organization=city.org_a, nomination_year=2000 + number)
    assert queries_for(client, detail(city.org_a)) == baseline


def test_an_organization_that_moves_takes_its_sites_with_it(client, cast, city):
    """A site's region (and so who may see it) is its organization's: moving the organization moves its sites."""
    from sites.models import Site
    from tests.factories import SiteFactory

    site = SiteFactory(organization=city.org_a)
    client.force_login(cast.staff)
    form = client.get(f"/accounts/organizations/{city.org_a.pk}/edit/").context["form"]
    response = client.post(
        f"/accounts/organizations/{city.org_a.pk}/edit/", unchanged_post_data(form) | {"region": city.town_b.pk}
    )
    assert response.status_code == 302
    site = Site.objects.get(pk=site.pk)
    assert site.region == city.town_b
    client.force_login(cast.district)  # district A no longer sees it; district B does
    assert client.get(f"/sites/{site.pk}/").status_code == 404
    client.force_login(cast.outsider)
    assert client.get(f"/sites/{site.pk}/").status_code == 200
