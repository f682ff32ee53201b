"""Zones, belts and batches are kept in the app: listed for readers, created and changed by staff in scope."""

import pytest

from accounts.choices import DataScope
from accounts.roles import Role
from core.models import AuditEntry
from sites.choices import SiteState, ZoneKind
from sites.models import Batch, Site, Zone, ZoneSite
from tests.factories import PartyOrganizationFactory, SiteFactory, UserFactory
from tests.utils import queries_for, unchanged_post_data

READERS = ["district", "instructor", "leader", "scorer", "teamlead", "viewer", "outsider"]


@pytest.fixture
def sites(city):
    return {
        "a": SiteFactory(name="甲村示范点", organization=city.org_a, state=SiteState.FORMAL),
        "a_town": SiteFactory(name="甲镇示范点", organization=city.org_a_town, state=SiteState.IMPROVING),
        "b": SiteFactory(name="乙镇企业示范点", organization=city.org_b, state=SiteState.FORMAL),
        "organ": SiteFactory(name="财政局示范点", organization=city.org_city, state=SiteState.CANDIDATE),
    }


@pytest.fixture
def district_staff(city):
    return UserFactory(username="t-district-staff", scope=DataScope.REGION, region=city.district_a, roles=[Role.STAFF])


def route(zone) -> list[str]:
    return [m.site.name for m in zone.memberships.select_related("site").order_by("order", "id")]


# --- zones and belts -------------------------------------------------------------------------------------


def test_the_site_list_links_the_programme_pages(client, cast, sites):
    client.force_login(cast.district)
    html = client.get("/sites/").content.decode()
    assert 'href="/sites/zones/"' in html and 'href="/sites/batches/"' in html and 'href="/sites/targets/"' in html


@pytest.mark.parametrize("role", ["admin", "staff", *READERS])
def test_everyone_who_reads_sites_reads_zones_and_batches_but_only_staff_change_them(client, cast, sites, role):
    zone = Zone.objects.create(name="红色观摩带", kind=ZoneKind.BELT)
    batch = Batch.objects.create(name="2025年第一批", named_on="2025-12-20")
    client.force_login(getattr(cast, role))
    staff = role in ("admin", "staff")
    assert client.get("/sites/zones/").status_code == 200
    assert client.get("/sites/batches/").status_code == 200
    assert client.get(f"/sites/batches/{batch.pk}/").status_code == 200
    expected = 200 if staff else 403
    for url in ("/sites/zones/new/", f"/sites/zones/{zone.pk}/edit/", "/sites/batches/new/"):
        assert client.get(url).status_code == expected, url
    assert client.get(f"/sites/batches/{batch.pk}/edit/").status_code == expected
    assert ("/sites/zones/new/" in client.get("/sites/zones/").content.decode()) == staff
    client.post(f"/sites/zones/{zone.pk}/delete/")
    client.post(f"/sites/batches/{batch.pk}/delete/")
    assert Zone.objects.filter(pk=zone.pk).exists() != staff
    assert Batch.objects.filter(pk=batch.pk).exists() != staff


def test_nobody_and_anonymous_see_no_zones(client, cast):
    client.force_login(cast.nobody)
    assert client.get("/sites/zones/").status_code == 403
    assert client.get("/sites/batches/").status_code == 403
    client.logout()
    assert client.get("/sites/zones/").status_code == 302


def test_staff_create_a_belt_with_its_stops_in_order(client, cast, city, sites):
    client.force_login(cast.staff)
    data = {
        "name": "滨江红色观摩带",
        "kind": ZoneKind.BELT,
        "region": city.district_a.pk,
        "description": "半日可走完",
        "sites": [sites["organ"].pk, sites["a"].pk, sites["a_town"].pk],  # the route, in the order chosen
    }
    response = client.post("/sites/zones/new/", data)
    zone = Zone.objects.get()
    assert response.status_code == 302 and response.url == f"/sites/zones/#zone-{zone.pk}"
    assert route(zone) == ["财政局示范点", "甲村示范点", "甲镇示范点"]
    entry = AuditEntry.objects.get(action="zone_create")
    assert entry.changes["zone_sites"] == ["", "财政局示范点 → 甲村示范点 → 甲镇示范点"]
    html = client.get("/sites/zones/").content.decode()
    assert html.index("财政局示范点") < html.index("甲村示范点") < html.index("甲镇示范点")


def test_staff_reorder_a_belt_by_order_numbers_and_an_unchanged_form_records_nothing(client, cast, sites):
    belt = Zone.objects.create(name="观摩带", kind=ZoneKind.BELT)
    for order, key in enumerate(("a", "a_town", "organ"), start=1):
        ZoneSite.objects.create(zone=belt, site=sites[key], order=order)
    client.force_login(cast.staff)
    url = f"/sites/zones/{belt.pk}/edit/"
    form = client.get(url).context["form"]
    assert [field.label.split("（")[0] for field in form.stops] == ["甲村示范点", "甲镇示范点", "财政局示范点"]
    data = unchanged_post_data(form)
    assert client.post(url, data).status_code == 302
    assert not AuditEntry.objects.filter(action="zone_update").exists()
    data[f"stop_{sites['organ'].pk}"] = 1
    data[f"stop_{sites['a'].pk}"] = 3
    client.post(url, data)
    assert route(belt) == ["财政局示范点", "甲镇示范点", "甲村示范点"]
    assert AuditEntry.objects.filter(action="zone_update").count() == 1
    data = unchanged_post_data(client.get(url).context["form"])
    data[f"stop_{sites['a'].pk}"] = 1  # the last stop given the first's number goes first
    client.post(url, data)
    assert route(belt) == ["甲村示范点", "财政局示范点", "甲镇示范点"]
    data = unchanged_post_data(client.get(url).context["form"])
    data["sites"] = [sites["a"].pk, sites["organ"].pk]  # one stop taken off the route
    client.post(url, data)
    assert route(belt) == ["甲村示范点", "财政局示范点"]


def test_district_staff_keep_to_their_district(client, city, sites, district_staff):
    client.force_login(district_staff)
    data = {"name": "甲区示范区", "kind": ZoneKind.ZONE, "region": city.district_b.pk, "sites": [sites["b"].pk]}
    response = client.post("/sites/zones/new/", data)
    errors = response.context["form"].errors
    assert set(errors) == {"region", "sites"} and not Zone.objects.exists()
    client.post("/sites/zones/new/", {**data, "region": "", "sites": [sites["a"].pk]})
    assert not Zone.objects.exists()  # a district's staff make their district's zones, not the city's
    client.post("/sites/zones/new/", {**data, "region": city.district_a.pk, "sites": [sites["a"].pk]})
    assert Zone.objects.get().name == "甲区示范区"

    other = Zone.objects.create(name="乙县示范区", region=city.district_b)
    city_belt = Zone.objects.create(name="全市观摩带", kind=ZoneKind.BELT)
    for zone in (other, city_belt):
        assert client.get(f"/sites/zones/{zone.pk}/edit/").status_code == 404
        client.post(f"/sites/zones/{zone.pk}/delete/")
        assert Zone.objects.filter(pk=zone.pk).exists()


def test_stops_an_editor_cannot_see_stay_on_the_belt(client, city, sites, district_staff):
    belt = Zone.objects.create(name="跨区观摩带", kind=ZoneKind.BELT, region=city.district_a)
    for order, key in enumerate(("a", "b", "a_town"), start=1):
        ZoneSite.objects.create(zone=belt, site=sites[key], order=order)
    client.force_login(district_staff)
    url = f"/sites/zones/{belt.pk}/edit/"
    data = unchanged_post_data(client.get(url).context["form"])
    assert data["sites"] == [sites["a"].pk, sites["a_town"].pk]  # district B's stop is not theirs to see
    data["sites"] = [sites["a_town"].pk]
    client.post(url, data)
    assert route(belt) == ["乙镇企业示范点", "甲镇示范点"]


def test_deleting_a_zone_asks_first_and_keeps_its_sites(client, cast, sites):
    zone = Zone.objects.create(name="示范区")
    ZoneSite.objects.create(zone=zone, site=sites["a"], order=1)
    client.force_login(cast.staff)
    assert "data-confirm" in client.get("/sites/zones/").content.decode()
    assert client.get(f"/sites/zones/{zone.pk}/delete/").status_code == 405
    client.post(f"/sites/zones/{zone.pk}/delete/")
    assert not Zone.objects.exists() and Site.objects.filter(pk=sites["a"].pk).exists()
    assert AuditEntry.objects.filter(action="zone_delete", object_repr="示范区").exists()


def test_zone_list_query_count_is_constant(client, cast, city):
    def add_zone(n):
        zone = Zone.objects.create(name=f"示范区{n}", region=city.district_a)
        ZoneSite.objects.create(
            zone=zone, site=SiteFactory(organization=PartyOrganizationFactory(region=city.village_a))
        )

    add_zone(0)
    for role in ("staff", "district"):
        client.force_login(getattr(cast, role))
        baseline = queries_for(client, "/sites/zones/")
        for n in range(1, 51):
            add_zone(f"{role}{n}")
        assert queries_for(client, "/sites/zones/") == baseline


def test_zone_form_query_count_is_constant(client, cast, city):
    belt = Zone.objects.create(name="观摩带", kind=ZoneKind.BELT)
    ZoneSite.objects.create(zone=belt, site=SiteFactory(organization=city.org_a), order=1)
    client.force_login(cast.staff)
    baseline = queries_for(client, f"/sites/zones/{belt.pk}/edit/")
    for n in range(50):
        site = SiteFactory(organization=PartyOrganizationFactory(region=city.village_a))
        ZoneSite.objects.create(zone=belt, site=site, order=n + 2)
    assert queries_for(client, f"/sites/zones/{belt.pk}/edit/") == baseline


# --- batches ---------------------------------------------------------------------------------------------


def test_staff_create_a_batch_and_name_sites_in_it(client, cast, sites):
    client.force_login(cast.staff)
    data = {"name": "2026年第一批", "named_on": "2026-12-20", "note": "市委常委会研究确定", "sites": [sites["a"].pk]}
    response = client.post("/sites/batches/new/", data)
    batch = Batch.objects.get()
    assert response.status_code == 302 and response.url == f"/sites/batches/{batch.pk}/"
    assert list(batch.sites.values_list("name", flat=True)) == ["甲村示范点"]
    assert AuditEntry.objects.filter(action="batch_create").exists()
    assert AuditEntry.objects.filter(action="site_update", object_id=str(sites["a"].pk)).exists()  # on the site
    html = client.get(f"/sites/batches/{batch.pk}/").content.decode()
    assert "甲村示范点" in html and "市委常委会研究确定" in html


def test_only_named_sites_are_named_in_a_batch(client, cast, sites):
    client.force_login(cast.staff)
    data = {"name": "2026年第一批", "named_on": "2026-12-20", "sites": [sites["organ"].pk]}  # a creating unit
    response = client.post("/sites/batches/new/", data)
    assert "sites" in response.context["form"].errors and not Batch.objects.exists()
    eliminated = SiteFactory(organization=PartyOrganizationFactory(region=sites["a"].region))
    Site.objects.filter(pk=eliminated.pk).update(state=SiteState.ELIMINATED)
    response = client.post("/sites/batches/new/", {**data, "sites": [eliminated.pk]})
    assert "还不是正式示范点" in response.content.decode() and not Batch.objects.exists()


def test_editing_a_batch_moves_sites_in_and_out_and_keeps_what_the_editor_cannot_see(
    client, cast, sites, district_staff
):
    batch = Batch.objects.create(name="2025年第一批", named_on="2025-12-20")
    Site.objects.filter(pk__in=[sites["a"].pk, sites["b"].pk]).update(batch=batch)
    client.force_login(district_staff)
    url = f"/sites/batches/{batch.pk}/edit/"
    assert 'name="named_on" value="2025-12-20"' in client.get(url).content.decode()  # ISO: a date input's only format
    data = unchanged_post_data(client.get(url).context["form"])
    assert data["sites"] == [sites["a"].pk]
    client.post(url, data)
    assert not AuditEntry.objects.filter(action="batch_update").exists()
    client.post(url, {**data, "sites": [sites["a_town"].pk]})
    assert set(batch.sites.values_list("name", flat=True)) == {"甲镇示范点", "乙镇企业示范点"}
    assert Site.objects.get(pk=sites["a"].pk).batch is None


def test_a_batch_with_named_sites_cannot_be_deleted(client, cast, sites):
    batch = Batch.objects.create(name="2025年第一批", named_on="2025-12-20")
    Site.objects.filter(pk=sites["a"].pk).update(batch=batch)
    client.force_login(cast.staff)
    html = client.get(f"/sites/batches/{batch.pk}/").content.decode()
    assert "已有授牌示范点的批次不能删除" in html and "data-confirm" not in html
    response = client.post(f"/sites/batches/{batch.pk}/delete/", follow=True)
    assert "已有 1 个授牌示范点，不能删除" in response.content.decode()
    assert Batch.objects.filter(pk=batch.pk).exists()
    Site.objects.filter(pk=sites["a"].pk).update(batch=None)
    assert "data-confirm" in client.get(f"/sites/batches/{batch.pk}/").content.decode()
    client.post(f"/sites/batches/{batch.pk}/delete/")
    assert not Batch.objects.exists() and AuditEntry.objects.filter(action="batch_delete").exists()


def test_batch_pages_show_only_sites_in_scope(client, cast, sites):
    batch = Batch.objects.create(name="2025年第一批", named_on="2025-12-20")
    Site.objects.filter(pk__in=[sites["a"].pk, sites["b"].pk]).update(batch=batch)
    client.force_login(cast.outsider)
    html = client.get(f"/sites/batches/{batch.pk}/").content.decode()
    assert "乙镇企业示范点" in html and "甲村示范点" not in html
    assert "另有 1 个示范点不在您的数据范围内" in html


def test_batch_pages_query_counts_are_constant(client, cast, city):
    def named_site():
        return SiteFactory(organization=PartyOrganizationFactory(region=city.village_a), state=SiteState.FORMAL)

    first = Batch.objects.create(name="第一批", named_on="2024-12-20")
    Site.objects.filter(pk=named_site().pk).update(batch=first)
    for role in ("staff", "district"):
        client.force_login(getattr(cast, role))
        list_baseline = queries_for(client, "/sites/batches/")
        detail_baseline = queries_for(client, f"/sites/batches/{first.pk}/")
        for n in range(50):
            batch = Batch.objects.create(name=f"{role}批次{n}", named_on="2025-12-20")
            Site.objects.filter(pk=named_site().pk).update(batch=batch)
            Site.objects.filter(pk=named_site().pk).update(batch=first)
        assert queries_for(client, "/sites/batches/") == list_baseline
        assert queries_for(client, f"/sites/batches/{first.pk}/") == detail_baseline
