"""Sites in the admin go through the same data scope as the pages: rows, change pages, choices, autocomplete."""

import pytest
from django.urls import reverse

from accounts.choices import DataScope
from accounts.roles import Role
from sites.models import CreationGroupMember, Narrator, Site, StateChange, Subsidy, TourStop, Zone, ZoneSite
from tests.factories import PartyOrganizationFactory, SiteFactory, UserFactory


@pytest.fixture
def regional(city):
    """Organization-department staff whose data scope is district A: in the admin, but not city-wide."""
    return UserFactory(username="t-regional", scope=DataScope.REGION, region=city.district_a, roles=[Role.STAFF])


@pytest.fixture
def site_a(city):
    return SiteFactory(name="甲村示范点", organization=city.org_a)


@pytest.fixture
def site_b(city):
    return SiteFactory(name="乙镇示范点", organization=city.org_b)


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def form_data(response) -> dict:
    """What the admin change page would post back unchanged: its form and every inline formset."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value == "" or hasattr(value, "storage") or value is False:
                continue
            if isinstance(value, list | tuple):
                data[form.add_prefix(name)] = [getattr(v, "pk", v) for v in value]
            else:
                data[form.add_prefix(name)] = "on" if value is True else getattr(value, "pk", value)
    return data


def test_region_staff_see_only_their_regions_sites(client, regional, site_a, site_b):
    client.force_login(regional)
    changelist = client.get(url(Site, "changelist"))
    assert list(changelist.context["cl"].result_list) == [site_a]
    assert client.get(url(Site, "change", site_a.pk)).status_code == 200
    for view in ("change", "delete", "history"):
        response = client.get(url(Site, view, site_b.pk))
        assert response.status_code == 302 and response.url == reverse("admin:index"), view


def test_region_staff_cannot_move_a_site_out_of_their_region(client, regional, site_a, city):
    client.force_login(regional)
    data = form_data(client.get(url(Site, "change", site_a.pk)))
    data["organization"] = city.org_b.pk
    response = client.post(url(Site, "change", site_a.pk), data)
    assert response.status_code == 200 and "organization" in response.context["adminform"].form.errors
    site_a.refresh_from_db()
    assert site_a.organization == city.org_a and site_a.region == city.village_a


def test_region_staff_may_move_a_site_within_their_region_and_its_region_follows(client, regional, site_a, city):
    client.force_login(regional)
    data = form_data(client.get(url(Site, "change", site_a.pk)))
    data["organization"] = city.org_a_town.pk
    assert client.post(url(Site, "change", site_a.pk), data).status_code == 302
    site_a.refresh_from_db()
    assert site_a.organization == city.org_a_town and site_a.region == city.town_a


def test_city_staff_see_and_may_choose_everything(client, cast, site_a, site_b, city):
    client.force_login(cast.staff)
    assert set(client.get(url(Site, "changelist")).context["cl"].result_list) == {site_a, site_b}
    elsewhere = PartyOrganizationFactory(name="乙镇社区党支部", region=city.town_b, domain="community")
    data = form_data(client.get(url(Site, "change", site_a.pk)))
    data["organization"] = elsewhere.pk
    assert client.post(url(Site, "change", site_a.pk), data).status_code == 302
    site_a.refresh_from_db()
    assert site_a.organization == elsewhere and site_a.region == city.town_b and site_a.domain == "community"


def test_the_organization_search_offers_only_organizations_in_scope(client, regional, city):
    client.force_login(regional)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "sites", "model_name": "site", "field_name": "organization", "term": ""},
    )
    names = {result["text"] for result in response.json()["results"]}
    assert names == {"甲村党支部（甲区 · 甲镇 · 甲村）", "甲镇党委（甲区 · 甲镇）"}


def test_an_existing_value_outside_the_scope_is_kept_not_dropped(client, regional, city):
    """A region-scoped user may see a site assigned to them in another region: saving it changes nothing."""
    site = SiteFactory(name="乙镇联系点", organization=city.org_b)
    site.liaisons.add(regional)
    client.force_login(regional)
    data = form_data(client.get(url(Site, "change", site.pk)))
    assert data["organization"] == city.org_b.pk
    assert client.post(url(Site, "change", site.pk), data).status_code == 302
    site.refresh_from_db()
    assert site.organization == city.org_b


RECORDS = {
    StateChange: lambda site: StateChange.objects.create(site=site, to_state="candidate", action="测试"),
    CreationGroupMember: lambda site: CreationGroupMember.objects.create(site=site, name=f"{site.name}组长"),
    Narrator: lambda site: Narrator.objects.create(site=site, name=f"{site.name}解说员"),
    TourStop: lambda site: TourStop.objects.create(site=site, title=f"{site.name}一站"),
    Subsidy: lambda site: Subsidy.objects.create(site=site, year=2026, amount=1000),
    ZoneSite: lambda site: ZoneSite.objects.create(zone=Zone.objects.get_or_create(name="示范带")[0], site=site),
}


@pytest.mark.parametrize("model", RECORDS, ids=lambda model: model.__name__)
def test_region_staff_see_only_records_of_their_sites(client, regional, site_a, site_b, model):
    own, other = RECORDS[model](site_a), RECORDS[model](site_b)
    client.force_login(regional)
    assert list(client.get(url(model, "changelist")).context["cl"].result_list) == [own]
    assert client.get(url(model, "change", other.pk)).status_code == 302


def test_a_zone_shows_and_offers_only_sites_in_scope(client, regional, site_a, site_b):
    zone = Zone.objects.create(name="示范带")
    ZoneSite.objects.create(zone=zone, site=site_a, order=1)
    ZoneSite.objects.create(zone=zone, site=site_b, order=2)
    client.force_login(regional)
    response = client.get(url(Zone, "change", zone.pk))
    [inline] = response.context["inline_admin_formsets"]
    assert [form.instance.site for form in inline.formset.initial_forms] == [site_a]
    data = form_data(response)
    data.update({"memberships-TOTAL_FORMS": 2, "memberships-1-site": site_b.pk, "memberships-1-order": 3})
    response = client.post(url(Zone, "change", zone.pk), data)
    assert response.status_code == 403  # zones are kept on their own page, read-only here
    assert zone.memberships.count() == 2


@pytest.mark.parametrize("model", ["batch", "zone", "zonesite", "target"])
def test_what_has_its_own_page_is_only_read_in_the_admin(client, cast, model):
    """Changes go through the pages' services (scope, audit trail), never around them."""
    client.force_login(cast.admin)
    listing = client.get(f"/admin/sites/{model}/")
    assert listing.status_code == 200 and "审计记录" in listing.content.decode()
    assert client.get(f"/admin/sites/{model}/add/").status_code == 403


def test_the_site_changelist_costs_the_same_queries_for_one_site_and_many(client, cast, city):
    """An organization reads with its region (“杨柳村党支部（…杨柳村）”): selected with it, not once per row."""
    from tests.utils import queries_for

    SiteFactory(organization=city.org_a)
    client.force_login(cast.admin)
    one = queries_for(client, url(Site, "changelist"))
    for n in range(30):
        SiteFactory(organization=PartyOrganizationFactory(region=city.village_a if n % 2 else city.town_a))
    assert queries_for(client, url(Site, "changelist")) == one
