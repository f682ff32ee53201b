"""Benchmark of the supervision board (督办看板, issue 11): 10,000 sites × a few tasks, and its Excel export.

Usage (from the project folder, with the project's virtualenv):

    .venv/bin/python bench/supervision_bench.py                          # SQLite, in a temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_board \\
        .venv/bin/python bench/supervision_bench.py                      # PostgreSQL (database name must hold "bench")
    .venv/bin/python bench/supervision_bench.py --sites 2000 --tasks 3 --repeat 20 --keep

Options: --sites N (10000), --tasks N published tasks sent to every site (4), --repeat N timed runs per page (30),
--keep (leave the database for a look afterwards).

Data (written in bulk): `sites` sites in ten districts (bench/evaluations_data.py's small city), `tasks` published
tasks to every site — due two days ago, today, in two days, in ten days… — with the sites' standings spread over
pending, submitted (one in five of them late), returned and accepted, and one open rectification item on every
tenth site (half of them past their deadline). A draft task to every site is there too (the board must skip it).

Measured, warm, server time in this process (Django's test Client: middleware, view, template, database):

- the board page as city staff (every site), as a district's staff (one district), filtered to red, and its last
  page of sites: p50/p95 and queries (target: p95 ≤ 150 ms at 10,000 sites);
- the board's workbook as staff (every task, every owed answer and open item, every district).
"""

import argparse
import io
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # the sibling module, importable through the path above when run as a script

BATCH = 5000
STATUSES = ("pending", "submitted", "returned", "accepted", "pending", "submitted", "accepted", "accepted")


def main() -> None:
    parser = argparse.ArgumentParser(description="督办看板性能基准测试")
    parser.add_argument("--sites", type=int, default=10000, help="示范点数（默认 10000）")
    parser.add_argument("--tasks", type=int, default=4, help="下发到每个示范点的已发布任务数（默认 4）")
    parser.add_argument("--repeat", type=int, default=30, help="每个页面计时次数（默认 30）")
    parser.add_argument("--keep", action="store_true", help="结束后保留数据库")
    args = parser.parse_args()
    if args.sites < 2 or args.tasks < 1 or args.repeat < 1:
        parser.error("--sites ≥ 2，--tasks ≥ 1，--repeat ≥ 1")

    common.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    print("准备数据库…", flush=True)
    with common.bench_database(keep=args.keep) as database:
        print(f"  create and migrate {database}: {time.perf_counter() - started:.1f} s", flush=True)
        with common.stopwatch("load_defaults"):
            call_command("load_defaults", stdout=io.StringIO())
        people = build(sites=args.sites, tasks=args.tasks, timed=common.stopwatch)
        with common.stopwatch("VACUUM ANALYZE (what autovacuum does after a bulk load)"):
            analyze()
        print(f"准备共 {time.perf_counter() - started:.1f} 秒", flush=True)
        results = run(people, repeat=args.repeat)
        print()
        print(summary())
        print(common.table(results))
        board = results[0]
        if board.p95 is not None:
            verdict = "ok" if board.p95 <= 0.150 else "SLOW"
            figures = f"p95 {board.p95 * 1000:.1f} ms, {board.queries} queries"
            print(f"\nboard as staff: {figures} (target ≤ 150 ms): {verdict}")


# --- data ---------------------------------------------------------------------------------------------------


def build(*, sites: int, tasks: int, timed=None) -> dict:
    """The sites, tasks, standings and rectification items (see the module's docstring); returns the users the
    pages are measured as: {"staff": …, "district": …}."""
    from contextlib import nullcontext

    from django.db import transaction

    timed = timed or (lambda label: nullcontext())
    with transaction.atomic():
        return _build(sites=sites, tasks=tasks, timed=timed)


def _build(*, sites: int, tasks: int, timed) -> dict:
    import evaluations_data as data
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts.choices import DataScope, RegionKind
    from accounts.models import Region, User
    from accounts.roles import Role
    from supervision.models import Assignment, AssignmentSite, Rectification

    password = make_password(None)
    with timed("users"):
        people = data._people(password)
    with timed(f"{sites} sites in ten districts"):
        site_ids = data._sites(sites)
    district = Region.objects.filter(kind=RegionKind.DISTRICT).order_by("path").first()
    people["district"] = User.objects.create(
        username="bench-district", full_name="区县联络员", password=password, scope=DataScope.REGION, region=district
    )
    people["district"].groups.add(Group.objects.get(name=Role.DISTRICT))

    now = timezone.now()
    offsets = [-2, 0, 2, 10, 20, 30, 40, 50]
    with timed(f"{tasks} published tasks and a draft, {sites * (tasks + 1)} standings"):
        assignments = [
            Assignment.objects.create(
                title=f"基准工作任务{n + 1}",
                due_at=now + timedelta(days=offsets[n % len(offsets)], hours=1),
                status="published",
                published_at=now - timedelta(days=5),
                created_by=people["staff"],
            )
            for n in range(tasks)
        ]
        assignments.append(
            Assignment.objects.create(title="基准草稿任务", due_at=now - timedelta(days=9), status="draft")
        )
        pending = []
        for index, assignment in enumerate(assignments):
            for number, site_id in enumerate(site_ids):
                status = STATUSES[(number + index) % len(STATUSES)]
                answered = status in ("submitted", "accepted")
                late = answered and number % 5 == 0
                at = assignment.due_at + (timedelta(hours=3) if late else -timedelta(days=1))
                pending.append(
                    AssignmentSite(
                        assignment=assignment,
                        site_id=site_id,
                        status=status,
                        first_submitted_at=at if answered else None,
                        submitted_at=at if answered else None,
                        late=late,
                    )
                )
                if len(pending) >= BATCH:
                    AssignmentSite.objects.bulk_create(pending)
                    pending = []
        AssignmentSite.objects.bulk_create(pending)
    with timed(f"{len(site_ids[::10])} rectification items"):
        today = timezone.localdate()
        Rectification.objects.bulk_create(
            [
                Rectification(
                    site_id=site_id,
                    title="整改事项：台账不全",
                    due_on=today + timedelta(days=-3 if index % 2 else 7),
                    status="open",
                )
                for index, site_id in enumerate(site_ids[::10])
            ],
            batch_size=BATCH,
        )
    return people


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def summary() -> str:
    from sites.models import Site
    from supervision.models import Assignment, AssignmentSite, Rectification

    return (
        f"{Site.objects.count()} 个示范点，{Assignment.objects.count()} 项任务（含 1 项草稿），"
        f"{AssignmentSite.objects.count()} 条任务对象，{Rectification.objects.count()} 条整改事项"
    )


# --- measuring ----------------------------------------------------------------------------------------------


def _get(client, url, params=None):
    def run():
        response = client.get(url, params or {})
        if response.status_code != 200:
            return f"HTTP {response.status_code}"
        if hasattr(response, "streaming_content"):
            for _chunk in response.streaming_content:
                pass
        return None

    return run


def run(people: dict, *, repeat: int) -> list:
    from django.test import Client
    from django.urls import reverse

    board, export = reverse("supervision:board"), reverse("supervision:board_export")
    staff, district = Client(), Client()
    staff.force_login(people["staff"])
    district.force_login(people["district"])
    results = []
    for label, client, url, params, times in (
        ("board, staff (all sites)", staff, board, None, repeat),
        ("board, district staff (one district)", district, board, None, repeat),
        ("board, staff, red only", staff, board, {"light": "red"}, repeat),
        ("board, staff, last page of sites", staff, board, {"page": 10**6}, repeat),
        ("export, staff (all sites)", staff, export, None, max(3, repeat // 10)),
    ):
        print(f"测量：{label}", flush=True)
        results.append(common.measure(label, _get(client, url, params), repeat=times, warmup=2))
    return results


if __name__ == "__main__":
    main()
