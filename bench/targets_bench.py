"""The targets & coverage page (/sites/targets/), measured on an existing database (seed_demo --sites N, and
bench/country_tree.py for a country's region tree): as staff (the city, and one district) and as a district user.

    DATABASE_URL=postgres://…/dsm_bench_x python bench/targets_bench.py --repeat 30
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import measure, setup, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from accounts.models import Region
    from sites.models import Site

    User = get_user_model()
    year = Site.objects.order_by("-nomination_year").values_list("nomination_year", flat=True).first()
    district = Region.objects.filter(depth=1).order_by("path").first()
    print(f"{Site.objects.count()} sites, {Region.objects.count()} regions, year {year}")
    results = []
    for username, params in (
        ("staff", {"year": year}),
        ("staff", {"year": year, "district": district.pk}),
        ("district", {"year": year}),
    ):
        client = Client()
        client.force_login(User.objects.get(username=username))

        def run(client=client, params=params):
            response = client.get("/sites/targets/", params)
            return None if response.status_code == 200 else f"HTTP {response.status_code}"

        label = f"targets {username}" + (" district" if "district" in params else "")
        results.append(measure(label, run, repeat=args.repeat))
        size = len(client.get("/sites/targets/", params).content)
        print(f"  {label}: {size} bytes of HTML")
    print(table(results))


if __name__ == "__main__":
    main()
