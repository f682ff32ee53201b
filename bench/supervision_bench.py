"""Benchmark of the supervision board (督办看板, issue 11): 10,000 sites × a few tasks, and its Excel export.

Usage (from the project folder, with the project's virtualenv):

    .venv/bin/python bench/supervision_bench.py                          # SQLite, in a temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_board \\
        .venv/bin/python bench/supervision_bench.py                      # PostgreSQL (database name must hold "bench")
    .venv/bin/python bench/supervision_bench.py --sites 2000 --tasks 3 --repeat 20 --keep

Options: --sites N (10000), --tasks N published tasks sent to every site (4), --villages N (0: the small city's
40 villages; N: N villages under the ten districts, the sites spread over them — a province's region tree),
--repeat N timed runs per page (30), --keep (leave the database for a look afterwards), --reuse (measure the
database kept by an earlier --keep run, without building it again), --only WORD (measure only the pages whose
label contains WORD).

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
    parser.add_argument("--villages", type=int, default=0, help="村（社区）数，示范点分布其中（默认 0：40 个）")
    parser.add_argument("--keep", action="store_true", help="结束后保留数据库")
    parser.add_argument("--reuse", action="store_true", help="直接测量 --keep 保留的数据库，不重建")
    parser.add_argument("--only", default="", help="只测量名称含此文字的页面")
    args = parser.parse_args()
    if args.sites < 2 or args.tasks < 1 or args.repeat < 1:
        parser.error("--sites ≥ 2，--tasks ≥ 1，--repeat ≥ 1")

    common.setup()
    from django.core.management import call_command

    if args.reuse:
        report(run(existing_people(), repeat=args.repeat, only=args.only))
        return
    started = time.perf_counter()
    print("准备数据库…", flush=True)
    with common.bench_database(keep=args.keep) as database:
        print(f"  create and migrate {database}: {time.perf_counter() - started:.1f} s", flush=True)
        with common.stopwatch("load_defaults"):
            call_command("load_defaults", stdout=io.StringIO())
        people = build(sites=args.sites, tasks=args.tasks, villages=args.villages, timed=common.stopwatch)
        with common.stopwatch("VACUUM ANALYZE (what autovacuum does after a bulk load)"):
            analyze()
        print(f"准备共 {time.perf_counter() - started:.1f} 秒", flush=True)
        report(run(people, repeat=args.repeat, only=args.only))


def report(results) -> None:
    print()
    print(summary())
    print(common.table(results))
    print()
    for result in results:
        if result.p95 is None or result.label.startswith("export"):
            continue
        verdict = "ok" if result.p95 <= 0.150 and (result.queries or 0) <= 20 else "MISS"
        figures = f"p95 {result.p95 * 1000:.1f} ms, {result.queries} queries"
        print(f"{verdict:>4}  {result.label}: {figures} (target ≤ 150 ms, ≤ 20 queries)")


def existing_people() -> dict:
    from accounts.models import User

    usernames = {"staff": "bench-staff", "district": "bench-district", "leader": "bench-leader"}
    return {key: User.objects.get(username=name) for key, name in usernames.items()}


# --- data ---------------------------------------------------------------------------------------------------


def build(*, sites: int, tasks: int, villages: int = 0, timed=None) -> dict:
    """The sites, tasks, standings and rectification items (see the module's docstring); returns the users the
    pages are measured as: {"staff": …, "district": …}."""
    from contextlib import nullcontext

    from django.db import transaction

    timed = timed or (lambda label: nullcontext())
    with transaction.atomic():
        return _build(sites=sites, tasks=tasks, villages=villages, timed=timed)


def _build(*, sites: int, tasks: int, villages: int, timed) -> dict:
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
    if villages:
        with timed(f"{villages} villages, the sites spread over them"):
            _villages(villages)
    district = Region.objects.filter(kind=RegionKind.DISTRICT).order_by("path").first()
    people["district"] = User.objects.create(
        username="bench-district", full_name="区县联络员", password=password, scope=DataScope.REGION, region=district
    )
    people["district"].groups.add(Group.objects.get(name=Role.DISTRICT))
    people["leader"] = User.objects.create(
        username="bench-leader", full_name="示范点负责人", password=password, scope=DataScope.ASSIGNED
    )
    people["leader"].groups.add(Group.objects.get(name=Role.LEADER))
    from sites.models import CreationGroupMember

    CreationGroupMember.objects.create(site_id=site_ids[0], user=people["leader"], name="示范点负责人")

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
    with timed("the rows' districts"):
        from supervision.districts import districts_refill

        districts_refill()  # what the services write on each row
        from supervision.owing import owing_refresh

        owing_refresh()  # each site's owing signature, as the services keep it
        from supervision.models import Assignment
        from supervision.task_tally import recount

        recount(list(Assignment.objects.exclude(status="draft").values_list("pk", flat=True)))  # each task's numbers
    with timed("visits, experiences, notices and tours"):
        _community(site_ids, people, district)
    return people


def _villages(count: int) -> None:
    """`count` villages under the ten districts (bulk: their paths and labels set in SQL), the sites spread over
    them round-robin."""
    from django.db import connection

    from accounts.choices import RegionKind
    from accounts.models import Region
    from sites.models import Site

    districts = list(Region.objects.filter(kind=RegionKind.DISTRICT).order_by("path"))
    Region.objects.bulk_create(
        [
            Region(name=f"基准村{n + 1:05d}", kind=RegionKind.VILLAGE, parent=districts[n % len(districts)], depth=2)
            for n in range(count)
        ],
        batch_size=BATCH,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_region SET path = (SELECT p.path FROM accounts_region p WHERE p.id = "
            "accounts_region.parent_id) || id || '/', label = (SELECT p.label FROM accounts_region p WHERE p.id = "
            "accounts_region.parent_id) || name WHERE path = ''"
        )
    village_ids = list(Region.objects.filter(kind=RegionKind.VILLAGE).order_by("id").values_list("id", flat=True))
    site_ids = list(Site.objects.order_by("id").values_list("id", flat=True))
    by_village: dict[int, list[int]] = {}
    for index, site_id in enumerate(site_ids):
        by_village.setdefault(village_ids[index % len(village_ids)], []).append(site_id)
    for village_id, ids in by_village.items():
        Site.objects.filter(pk__in=ids).update(region_id=village_id)


def _community(site_ids: list[int], people: dict, district) -> None:
    """A guidance visit on every tenth site (the open rectification items hang on them), an experience and a notice
    for every fiftieth, and a study tour for every hundredth (three stops each)."""
    from django.utils import timezone

    from supervision.models import Experience, GuidanceVisit, Notice, Rectification, StudyTour, StudyTourStop

    today = timezone.localdate()
    visits = GuidanceVisit.objects.bulk_create(
        [
            GuidanceVisit(
                site_id=site_id,
                visited_on=today - timedelta(days=index % 300),
                participants="指导员",
                findings="台账不全",
                recorded_by=people["staff"],
            )
            for index, site_id in enumerate(site_ids[::10])
        ],
        batch_size=BATCH,
    )
    by_site = {visit.site_id: visit.pk for visit in visits}
    items = list(Rectification.objects.filter(site_id__in=list(by_site)).only("pk", "site_id"))
    for item in items:
        item.visit_id = by_site[item.site_id]
    Rectification.objects.bulk_update(items, ["visit"], batch_size=BATCH)
    year = today.year
    Experience.objects.bulk_create(
        [
            Experience(title=f"典型经验{n}", summary="摘要", year=year, district=district, submitted_by=people["staff"])
            for n in range(len(site_ids[::50]))
        ],
        batch_size=BATCH,
    )
    Notice.objects.bulk_create(
        [
            Notice(issued_on=today - timedelta(days=index % 300), reason="通报事由", site_id=site_id)
            for index, site_id in enumerate(site_ids[::50])
        ],
        batch_size=BATCH,
    )
    tours = StudyTour.objects.bulk_create(
        [
            StudyTour(title=f"观摩活动{index}", held_on=today - timedelta(days=index % 300), participants="各区县")
            for index, _site_id in enumerate(site_ids[::100])
        ],
        batch_size=BATCH,
    )
    StudyTourStop.objects.bulk_create(
        [
            StudyTourStop(tour=tour, site_id=site_ids[(index * 100 + stop * 7) % len(site_ids)], order=stop)
            for index, tour in enumerate(tours)
            for stop in range(3)
        ],
        batch_size=BATCH,
    )


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def summary() -> str:
    from accounts.models import Region
    from sites.models import Site
    from supervision.models import Assignment, AssignmentSite, Rectification

    return (
        f"{Site.objects.count()} 个示范点，{Region.objects.count()} 个区划，{Assignment.objects.count()} 项任务"
        f"（含 1 项草稿），{AssignmentSite.objects.count()} 条任务对象，{Rectification.objects.count()} 条整改事项"
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


def _write_board(user):
    """Write the whole board's workbook for `user` as the export's background job does (exports.board_job_build)."""

    def run():
        import tempfile

        from supervision import board, exports

        filterset, targets, items, moment = exports.board_filtered(user, "")
        per_task = board.counts_per_task(user, filterset)
        with tempfile.TemporaryFile() as handle:
            exports.write_board(
                handle, user=user, targets=targets, rectifications=items, moment=moment, per_task=per_task
            )
        return None

    return run


def run(people: dict, *, repeat: int, only: str = "") -> list:
    from django.test import Client
    from django.urls import reverse

    from supervision.models import Assignment

    def url(name, *args):
        return reverse(f"supervision:{name}", args=args)

    clients = {}
    for key, user in people.items():
        clients[key] = Client()
        clients[key].force_login(user)
    task = Assignment.objects.filter(status="published").order_by("due_at").first()
    last = {"page": 10**6}
    pages = [
        ("board, staff (all sites)", "staff", url("board"), None),
        ("board, district staff (one district)", "district", url("board"), None),
        ("board, staff, red only", "staff", url("board"), {"light": "red"}),
        ("board sites, staff", "staff", url("board"), {"tab": "sites"}),
        ("board sites, staff, last page", "staff", url("board"), {"tab": "sites", **last}),
        ("board sites, district, last page", "district", url("board"), {"tab": "sites", **last}),
        ("board districts, staff", "staff", url("board"), {"tab": "districts"}),
        ("board districts, district", "district", url("board"), {"tab": "districts"}),
        ("tasks list, staff", "staff", url("assignments"), None),
        ("task's sites, staff", "staff", url("assignment_detail", task.pk), None),
        ("task's sites, staff, last page", "staff", url("assignment_detail", task.pk), last),
        ("task's sites, district, last page", "district", url("assignment_detail", task.pk), last),
        ("my tasks, leader", "leader", url("my_tasks"), None),
        ("my tasks, district, last page", "district", url("my_tasks"), last),
        ("visits, staff", "staff", url("visits"), None),
        ("visits, staff, last page", "staff", url("visits"), last),
        ("visits, district, last page", "district", url("visits"), last),
        ("rectifications, staff", "staff", url("rectifications"), None),
        ("rectifications, staff, overdue tab", "staff", url("rectifications"), {"state": "overdue"}),
        ("rectifications, staff, last page", "staff", url("rectifications"), last),
        ("rectifications, district, last page", "district", url("rectifications"), last),
        ("experiences, staff", "staff", url("experiences"), None),
        ("notices, staff", "staff", url("notices"), None),
        ("notices, staff, last page", "staff", url("notices"), last),
        ("tours, staff", "staff", url("tours"), None),
    ]
    results = []
    for label, who, address, params in pages:
        if only and only not in label:
            continue
        print(f"测量：{label}", flush=True)
        results.append(common.measure(label, _get(clients[who], address, params), repeat=repeat, warmup=2))
    if not only or only in "export":
        print("测量：export", flush=True)
        # The workbook itself (a board this long is a background job: the request only starts it).
        results.append(
            common.measure(
                "export, staff (all sites)",
                _write_board(people["staff"]),
                repeat=max(3, repeat // 10),
                warmup=1,
            )
        )
    return results


if __name__ == "__main__":
    main()
