"""The site list's evidence-completeness column and filter, contributed by archives (sites cannot import it)."""

import pytest
from django.utils import timezone

from archives import services
from archives.selectors import completeness, evidence_percents
from sites.models import Site
from standards import defaults
from standards.selectors import applicable_items
from tests.archives import samples
from tests.archives.conftest import upload
from tests.factories import PartyOrganizationFactory, SiteFactory
from tests.utils import queries_for

THIS_YEAR = timezone.localdate().year


@pytest.fixture
def this_year(db):
    return defaults.build_evaluation_standard(THIS_YEAR)


def evidence(site, by, items, *, accept=True, name="佐证"):
    material = services.material_upload(
        site=site,
        by=by,
        category="other",
        year=THIS_YEAR,
        items=items,
        files=[upload(f"{name}.pdf", samples.pdf_bytes())],
    ).materials[0]
    if accept:
        services.material_review(material=material, by=by, accept=True)
    return material


@pytest.fixture
def four_sites(city, cast, this_year):
    """Rural sites in district A at 0 %, under 50 %, between 50 and 99 %, and 100 % of this year's items."""
    items = applicable_items(this_year, "rural")

    def rural(name):
        return SiteFactory(name=name, organization=PartyOrganizationFactory(region=city.village_a, domain="rural"))

    none, low, most, full = rural("零分示范点"), rural("起步示范点"), rural("过半示范点"), rural("齐全示范点")
    evidence(none, cast.staff, items[:3], accept=False)  # submitted only: not yet evidence
    evidence(low, cast.staff, items[:2])
    evidence(most, cast.staff, items[: len(items) // 2 + 1])
    evidence(full, cast.staff, items)
    return {"none": none, "low": low, "most": most, "full": full, "items": items}


def test_percents_are_what_each_sites_completeness_says(four_sites, this_year):
    sites = [four_sites[key] for key in ("none", "low", "most", "full")]
    percents = evidence_percents(Site.objects.filter(pk__in=[site.pk for site in sites]))
    assert {site.pk: completeness(site, this_year).percent for site in sites} == percents
    assert percents[four_sites["none"].pk] == 0 and percents[four_sites["full"].pk] == 100


def test_evidence_counts_by_item_code_across_versions_and_not_from_the_trash(city, cast, this_year):
    older = defaults.build_evaluation_standard(THIS_YEAR - 1)
    site = SiteFactory(organization=city.org_a)
    older_item = older.items.get(code="SY-01")
    evidence(site, cast.staff, [older_item])  # linked to last year's SY-01: counts for this year's SY-01
    total = len(applicable_items(this_year, site.domain))
    assert evidence_percents([site]) == {site.pk: 100 // total}
    trashed = evidence(site, cast.staff, list(this_year.items.filter(code__startswith="LGY")))
    services.material_delete(material=trashed, by=cast.staff)
    assert evidence_percents([site]) == {site.pk: 100 // total}


def test_no_standard_no_percent(city, cast):
    site = SiteFactory(organization=city.org_a)
    assert evidence_percents([site]) == {site.pk: None}


def test_staff_see_the_column_and_the_filter(client, cast, four_sites):
    client.force_login(cast.staff)
    html = client.get("/sites/").content.decode()
    assert "佐证完整度" in html and 'name="evidence"' in html
    full = four_sites["full"]
    assert f'href="/archives/sites/{full.pk}/#completeness"' in html
    assert 'value="100" max="100" aria-hidden="true"></progress> 100%' in html


@pytest.mark.parametrize("role", ["viewer", "scorer"])
def test_those_who_may_not_read_materials_see_neither(client, cast, four_sites, role):
    client.force_login(getattr(cast, role))
    html = client.get("/sites/").content.decode()
    assert "佐证完整度" not in html and 'name="evidence"' not in html
    # …and the parameter does nothing for them.
    assert client.get("/sites/", {"evidence": "full"}).context["page_obj"].paginator.count == (
        client.get("/sites/").context["page_obj"].paginator.count
    )


@pytest.mark.parametrize(
    ("band", "expected"),
    [("none", {"零分示范点"}), ("low", {"起步示范点"}), ("most", {"过半示范点"}), ("full", {"齐全示范点"})],
)
def test_filter_by_band(client, cast, four_sites, band, expected):
    client.force_login(cast.district)
    names = {site.name for site in client.get("/sites/", {"evidence": band}).context["page_obj"].object_list}
    assert names == expected


def test_the_band_filter_goes_into_the_export_too(client, cast, four_sites):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(cast.staff)
    response = client.get("/sites/export.xlsx", {"evidence": "full"})
    rows = list(
        load_workbook(BytesIO(b"".join(response.streaming_content))).active.iter_rows(min_row=2, values_only=True)
    )
    assert [row[0] for row in rows] == ["齐全示范点"]


@pytest.mark.parametrize("role", ["staff", "district"])
def test_site_list_with_the_column_keeps_a_constant_query_count(client, cast, city, this_year, role):
    items = applicable_items(this_year, "rural")[:4]

    def a_site_with_evidence(n):
        site = SiteFactory(organization=PartyOrganizationFactory(region=city.village_a, domain="rural"))
        evidence(site, cast.staff, items, name=str(n))

    a_site_with_evidence(0)
    client.force_login(getattr(cast, role))
    baseline = queries_for(client, "/sites/")
    filtered = queries_for(client, "/sites/", evidence="most")
    for n in range(1, 50):
        a_site_with_evidence(n)
    assert queries_for(client, "/sites/") == baseline
    assert queries_for(client, "/sites/", evidence="most") == filtered
