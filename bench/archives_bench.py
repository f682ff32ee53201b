"""Benchmark of the archives pages (issue 12): a site's materials, the review inbox, the regional ledgers.

Usage (from the project folder, with the project's virtualenv):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dsm_bench_archives \\
        .venv/bin/python bench/archives_bench.py --sites 10000 --materials 10

Options: --sites N (10000), --materials N per site (10), --repeat N timed runs per page (30), --keep.

Data (in bulk): `sites` sites in bench/evaluations_data.py's small city, `materials` materials a site with one
file version each (60 % accepted, 25 % submitted, 15 % returned; one in fifty in the trash), a finished citywide,
district and site ledger requested yesterday. Measured warm, server time in this process, as city staff and as
a district's staff: a site's materials (first and last site), the review inbox (first and last page), the
regional ledgers page. Target: p95 ≤ 150 ms, ≤ 20 queries, the same at 10,000 and 30,000 sites.
"""

import argparse
import io
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # the sibling module

BATCH = 5000


def main() -> None:
    parser = argparse.ArgumentParser(description="材料库性能基准测试")
    parser.add_argument("--sites", type=int, default=10000)
    parser.add_argument("--materials", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    common.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    with common.bench_database(keep=args.keep) as database:
        print(f"  create and migrate {database}: {time.perf_counter() - started:.1f} s", flush=True)
        with common.stopwatch("load_defaults"):
            call_command("load_defaults", stdout=io.StringIO())
        with common.stopwatch(f"{args.sites} sites × {args.materials} materials"):
            people = build(sites=args.sites, materials=args.materials)
        with common.stopwatch("VACUUM ANALYZE"):
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        results = run(people, repeat=args.repeat)
        print()
        print(common.table(results))
        slow = [r.label for r in results if r.p95 is None or r.p95 > 0.150 or (r.queries or 99) > 20]
        print("\nall pages p95 ≤ 150 ms and ≤ 20 queries" if not slow else f"\nSLOW: {slow}")


def build(*, sites: int, materials: int) -> dict:
    from django.db import transaction

    with transaction.atomic():
        return _build(sites=sites, materials=materials)


def _build(*, sites: int, materials: int) -> dict:
    import evaluations_data as data
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts.choices import DataScope, RegionKind
    from accounts.models import Region, User
    from accounts.roles import Role
    from archives.models import Ledger, Material, MaterialVersion

    password = make_password(None)
    people = data._people(password)
    site_ids = data._sites(sites)
    district = Region.objects.filter(kind=RegionKind.DISTRICT).order_by("path").first()
    people["district"] = User.objects.create(
        username="bench-district", full_name="区县联络员", password=password, scope=DataScope.REGION, region=district
    )
    people["district"].groups.add(Group.objects.get(name=Role.DISTRICT))
    now = timezone.now()
    states = ["accepted"] * 12 + ["submitted"] * 5 + ["returned"] * 3
    pending = []
    number = 0

    def flush():
        created = Material.objects.bulk_create(pending)
        MaterialVersion.objects.bulk_create(
            [
                MaterialVersion(
                    material=material,
                    number=1,
                    file=f"archives/{material.site_id}/{material.pk}/bench.pdf",
                    original_name="材料.pdf",
                    kind="pdf",
                    content_type="application/pdf",
                    size=1000,
                    sha256="0" * 64,
                    processed=True,
                )
                for material in created
            ]
        )
        pending.clear()

    for site_id in site_ids:
        for n in range(materials):
            number += 1
            state = states[number % len(states)]
            pending.append(
                Material(
                    site_id=site_id,
                    category="creation_plan" if n % 3 else "activity_photos",
                    title=f"创建材料{number:07d}",
                    year=now.year,
                    state=state,
                    review_reason="请补充" if state == "returned" else "",
                    deleted_at=now - timedelta(days=3) if number % 50 == 0 else None,
                )
            )
            if len(pending) >= BATCH:
                flush()
    flush()
    from django.db import connection

    if connection.vendor == "postgresql":  # created_at spread over a year (auto_now_add set them all to now)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE archives_material SET created_at = now() - (id % 365 + 2) * interval '1 day', "
                "updated_at = now() - (id % 365 + 2) * interval '1 day'"
            )
            cursor.execute("UPDATE archives_materialversion SET uploaded_at = now() - interval '2 days'")
            cursor.execute(  # yesterday's work: a few hundred materials changed since the ledgers
                "UPDATE archives_material SET updated_at = now() WHERE id % 500 = 0"
            )
    yesterday = now - timedelta(days=1)
    for site, region in ((None, None), (None, district), (site_ids[0], None)):
        ledger = Ledger.objects.create(site_id=site, region=region, requested_by=people["staff"], status="done")
        Ledger.objects.filter(pk=ledger.pk).update(requested_at=yesterday)
    from sites.models import Site

    in_district = (
        Site.objects.filter(region__path__startswith=district.path).order_by("pk").values_list("pk", flat=True)
    )
    people["site_ids"] = (site_ids[0], site_ids[-1], in_district.first())
    return people


def run(people: dict, *, repeat: int) -> list:
    from django.test import Client

    staff, district = Client(), Client()
    staff.force_login(people["staff"])
    district.force_login(people["district"])
    first, last, theirs = people["site_ids"]

    def get(client, url, params=None):
        def go():
            response = client.get(url, params or {})
            return None if response.status_code == 200 else f"HTTP {response.status_code}"

        return go

    results = []
    for label, client, url, params in (
        ("a site's materials (first site), staff", staff, f"/archives/sites/{first}/", None),
        ("a site's materials (last site), staff", staff, f"/archives/sites/{last}/", None),
        ("a site's materials, district", district, f"/archives/sites/{theirs}/", None),
        ("a site's photos, staff", staff, f"/archives/sites/{last}/photos/", None),
        ("a site's trash, staff", staff, f"/archives/sites/{last}/trash/", None),
        ("review inbox, staff", staff, "/archives/review/", None),
        ("review inbox, last page, staff", staff, "/archives/review/", {"page": 10**6}),
        ("review inbox, district", district, "/archives/review/", None),
        ("review inbox, search 创建材料00012", staff, "/archives/review/", {"q": "创建材料00012"}),
        ("regional ledgers, staff", staff, "/archives/ledgers/", None),
    ):
        print(f"测量：{label}", flush=True)
        results.append(common.measure(label, get(client, url, params), repeat=repeat, warmup=2))
    return results


if __name__ == "__main__":
    main()
