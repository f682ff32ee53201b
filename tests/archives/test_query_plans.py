"""PostgreSQL's plans for the archives' query shapes (issue 12): each page's real query, captured while the page is
served, is EXPLAINed over a few thousand materials (ANALYZEd) and must use the index meant for it, not read the
whole materials table. Skipped on SQLite, run in the PostgreSQL CI pass."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from archives.models import Ledger, Material, MaterialVersion
from tests.factories import PartyOrganizationFactory, SiteFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN of PostgreSQL's plans")

SITES, PER_SITE = 60, 100  # 6,000 materials: enough for the planner to prefer an index to reading them all


@pytest.fixture
def archive(city, cast):
    sites = [
        SiteFactory(organization=PartyOrganizationFactory(region=city.village_a), region=city.village_a)
        for _ in range(SITES)
    ]
    now = timezone.now()
    materials = Material.objects.bulk_create(
        [
            Material(
                site=site,
                category="creation_plan",
                title=f"材料{n}",
                year=2026,
                state="submitted" if n % 4 == 0 else "accepted",  # 1,500 waiting: a page is a small part
                deleted_at=now if n % 50 == 1 else None,
            )
            for site in sites
            for n in range(PER_SITE)
        ]
    )
    MaterialVersion.objects.bulk_create(
        [
            MaterialVersion(
                material=m, number=1, file="x.pdf", original_name="x.pdf", kind="pdf", content_type="a", size=1
            )
            for m in materials
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE archives_material SET created_at = now() - (id % 365) * interval '1 day'")
        cursor.execute("UPDATE archives_material SET updated_at = now() - interval '30 days'")
        cursor.execute("UPDATE archives_materialversion SET uploaded_at = now() - interval '30 days'")
        cursor.execute("ANALYZE archives_material")
        cursor.execute("ANALYZE archives_materialversion")
        cursor.execute("ANALYZE sites_site")
    return sites


def plan_of(client, url, marker: str) -> str:
    """EXPLAIN of the query of GET `url` whose SQL contains `marker`."""
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    found = [query["sql"] for query in context.captured_queries if marker in query["sql"]]
    assert found, f"no query with {marker!r}"
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + found[0])
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_review_inbox_reads_its_partial_index_oldest_first(client, cast, archive):
    client.force_login(cast.staff)
    plan = plan_of(client, "/archives/review/", 'ORDER BY "archives_material"."created_at" ASC')
    assert "material_review_inbox" in plan, plan
    assert "Seq Scan on archives_material" not in plan, plan


def test_a_sites_materials_are_read_through_the_site_index(client, cast, archive):
    client.force_login(cast.staff)
    plan = plan_of(client, f"/archives/sites/{archive[-1].pk}/", '"archives_material"."category" ASC')
    assert "Seq Scan on archives_material" not in plan, plan
    assert re.search(r"using archives_ma\w*site_id\w* on archives_material", plan), plan


def test_a_ledgers_changes_are_counted_from_the_changed_rows_only(client, cast, archive):
    yesterday = timezone.now() - timedelta(days=1)
    for site, region in ((None, None), (archive[0], None)):
        ledger = Ledger.objects.create(site=site, region=region, requested_by=cast.staff, status="done")
        Ledger.objects.filter(pk=ledger.pk).update(requested_at=yesterday)
    client.force_login(cast.staff)
    plan = plan_of(client, "/archives/ledgers/", "COUNT(")
    assert "Seq Scan on archives_material " not in plan + " ", plan
    assert "material_updated_at" in plan and "material_reviewed_at" in plan and "version_uploaded_at" in plan, plan


def test_a_district_users_inbox_takes_its_region_by_id_not_by_path(client, cast, archive):
    """The district's sites are `region_id IN (the scope's subtree ids)`: the region's path compared across a join
    made PostgreSQL read every region of a country (200,000) for the inbox's count and the menu badge's."""
    client.force_login(cast.district)
    with CaptureQueriesContext(connection) as context:
        assert client.get("/archives/review/").status_code == 200
    counts = [q["sql"] for q in context.captured_queries if "COUNT(" in q["sql"] and '"archives_material"' in q["sql"]]
    assert len(counts) == 2, counts  # the paginator's and the menu badge's
    for sql in counts:
        with connection.cursor() as cursor:
            # A few rows here: ask whether an index can answer at all (the badge now shares the menu's one query,
            # whose other parts make a sequential scan cheapest on a test database).
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "accounts_region" not in plan, plan
        assert "Seq Scan on archives_material" not in plan, plan


def test_a_district_users_inbox_count_looks_up_each_of_their_sites(client, cast, archive):
    """A district's waiting materials are counted off the per-site partial index, one lookup per site of the
    district, instead of reading every waiting material of the city through the inbox's ordered index."""
    client.force_login(cast.district)
    plan = plan_of(client, "/archives/review/", 'SELECT COUNT(*) AS "__count" FROM "archives_material"')
    assert "material_pending_by_site" in plan, plan
    assert "Seq Scan on archives_material" not in plan, plan


def test_a_district_users_inbox_page_walks_the_ordered_index(client, cast, archive):
    """The page of a district user's inbox is read oldest first off the inbox's index, stopping at the page's
    end, with no sort of the district's waiting materials: the scope is the region's ids alone."""
    client.force_login(cast.district)
    plan = plan_of(client, "/archives/review/", 'ORDER BY "archives_material"."created_at" ASC')
    assert "material_review_inbox" in plan, plan
    assert "sites_site_liaisons" not in plan and "sites_site_instructors" not in plan, plan
