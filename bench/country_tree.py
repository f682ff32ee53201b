"""Grow an existing (seeded) database to a country-sized region tree, for the benchmarks of pages that count per
district: `districts` district-level nodes under the city, each with towns and villages, one active Party
organization per village, and the existing sites spread over those villages (their organization moved along).

Bulk inserts with the materialized path and label set here (Region.save() is not called). Usage:

    DATABASE_URL=postgres://…/dsm_bench_x python bench/country_tree.py --districts 2800 --villages 70
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup, stopwatch


def grow(districts: int, towns: int, villages: int) -> int:
    from django.db import connection, transaction

    from accounts.choices import Domain, OrganizationKind, RegionKind
    from accounts.models import PartyOrganization, Region

    city = Region.objects.get(depth=0)
    domains = list(Domain.values)
    with transaction.atomic():
        new_districts = Region.objects.bulk_create(
            Region(name=f"第{d}区", kind=RegionKind.DISTRICT, parent=city, depth=1, path="", label=f"第{d}区")
            for d in range(districts)
        )
        for district in new_districts:
            district.path = f"{city.path}{district.pk}/"
        Region.objects.bulk_update(new_districts, ["path"], batch_size=2000)
        town_rows = Region.objects.bulk_create(
            (
                Region(
                    name=f"第{t}镇",
                    kind=RegionKind.TOWN,
                    parent=district,
                    depth=2,
                    label=f"{district.label} · 第{t}镇",
                    path=district.path,  # completed below
                )
                for district in new_districts
                for t in range(towns)
            ),
            batch_size=5000,
        )
        for town in town_rows:
            town.path = f"{town.path}{town.pk}/"
        Region.objects.bulk_update(town_rows, ["path"], batch_size=5000)
        village_rows = Region.objects.bulk_create(
            (
                Region(
                    name=f"第{v}村",
                    kind=RegionKind.VILLAGE,
                    parent=town,
                    depth=3,
                    label=f"{town.label} · 第{v}村",
                    path=town.path,
                )
                for town in town_rows
                for v in range(villages)
            ),
            batch_size=5000,
        )
        for village in village_rows:
            village.path = f"{village.path}{village.pk}/"
        Region.objects.bulk_update(village_rows, ["path"], batch_size=5000)
        PartyOrganization.objects.bulk_create(
            (
                PartyOrganization(
                    name=f"{village.name}党支部",
                    kind=OrganizationKind.BRANCH,
                    domain=domains[i % len(domains)],
                    region=village,
                )
                for i, village in enumerate(village_rows)
            ),
            batch_size=5000,
        )
        # Spread the sites over the new villages: site n goes to the n-th new organization (wrapping around).
        with connection.cursor() as cursor:
            cursor.execute(
                """
                WITH orgs AS (
                    SELECT id, region_id, domain, row_number() OVER (ORDER BY id) - 1 AS n
                    FROM accounts_partyorganization WHERE region_id >= %s
                ), total AS (SELECT count(*) AS c FROM orgs),
                numbered AS (SELECT id, nomination_year, row_number() OVER (ORDER BY id) - 1 AS n FROM sites_site)
                UPDATE sites_site s SET organization_id = orgs.id, region_id = orgs.region_id, domain = orgs.domain
                FROM numbered, total, orgs
                WHERE numbered.id = s.id AND orgs.n = numbered.n %% total.c
                """,
                [village_rows[0].pk],
            )
            cursor.execute("ANALYZE")
    return Region.objects.count()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=2800)
    parser.add_argument("--towns", type=int, default=5)
    parser.add_argument("--villages", type=int, default=14)
    args = parser.parse_args()
    setup()
    with stopwatch("regions"):
        print(grow(args.districts, args.towns, args.villages), "regions")
