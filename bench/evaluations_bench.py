"""Benchmark of the evaluations pages (issue 9): the score sheet at 60 items, the autosave round trip, the
progress page of a round of 2,000 sites × 5 scorers — against a page of the Django admin measured in the same
run, because machines are noisy and the ratio says more than the milliseconds.

Usage (from the project folder, with the project's virtualenv):

    .venv/bin/python bench/evaluations_bench.py                      # SQLite, in a temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dsm_bench \\
        .venv/bin/python bench/evaluations_bench.py                  # PostgreSQL (database name must hold "bench")
    .venv/bin/python bench/evaluations_bench.py --sites 500 --repeat 20 --keep

Options: --sites N (2000), --scorers N per site (5), --filled F share of sheets with entries (0.2), --repeat N
timed runs per measurement (50), --keep (leave the database for a look afterwards).

The script makes a database of its own (SQLite: a temporary file; PostgreSQL: the database DATABASE_URL names,
created here and dropped afterwards — an existing one of that name is dropped first, hence the "bench" rule),
migrates it, loads the defaults (roles and permissions), writes its data in bulk (bench/evaluations_data.py)
and measures, with the project's settings (DJANGO_SETTINGS_MODULE, default config.settings.local: DEBUG off,
the real middleware):

- the score sheet page (evaluations:sheet) as its scorer: a sheet of 60 items, about half scored, with evidence;
- the autosave round trip (evaluations:sheet_sync): one change, as the phone posts it (JSON {"changes": [...]});
  the target is p95 under 50 ms of server time;
- the progress page (evaluations:progress), first page, as staff (the whole round) and as a team leader;
- services.sheet_apply_changes with one change, called directly: the core of the autosave;
- (issue 12) the progress page's last page, its scorers and sheets tabs, the teams list, the bulk assignment page
  (first and last page), the round's sites, a site's sheets side by side, and the scorer's own list — each
  page's target p95 ≤ 150 ms and ≤ 20 queries, flat in the number of sites;
- the baseline: the Django admin's changelist of score sheets if registered, else of sites (Django's own code
  on the same data and machine).

Times are server time in this process (Django's test Client: middleware, view, templates, database; no network),
warm (five unmeasured runs first); queries are counted on one more run. A page that does not answer 200 is
reported as such (the views of a branch may not be there yet) and the run goes on.
"""

import argparse
import io
import json
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # the sibling module, importable through the path above when run as a script


def main() -> None:
    parser = argparse.ArgumentParser(description="考评页面性能基准测试")
    parser.add_argument("--sites", type=int, default=2000, help="参评示范点数（默认 2000）")
    parser.add_argument("--scorers", type=int, default=5, help="每个示范点的评分人员数（默认 5）")
    parser.add_argument("--filled", type=float, default=0.2, help="已有评分的评分表比例（默认 0.2）")
    parser.add_argument("--repeat", type=int, default=50, help="每项计时次数（默认 50）")
    parser.add_argument("--keep", action="store_true", help="结束后保留数据库")
    args = parser.parse_args()
    if args.sites < 2 or args.scorers < 1 or not 0 <= args.filled <= 1 or args.repeat < 1:
        parser.error("--sites ≥ 2，--scorers ≥ 1，0 ≤ --filled ≤ 1，--repeat ≥ 1")

    common.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    print("准备数据库…", flush=True)
    with common.bench_database(keep=args.keep) as database:
        print(f"  create and migrate {database}: {time.perf_counter() - started:.1f} s", flush=True)
        with common.stopwatch("load_defaults"):
            call_command("load_defaults", stdout=io.StringIO())
        import evaluations_data

        build_start = time.perf_counter()
        data = evaluations_data.build(
            sites=args.sites,
            scorers=args.scorers,
            filled=args.filled,
            timed=common.stopwatch,
        )
        with common.stopwatch("VACUUM ANALYZE (what autovacuum does after a bulk load)"):
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        building = time.perf_counter() - build_start
        print(f"准备共 {time.perf_counter() - started:.1f} 秒，其中写入数据 {building:.1f} 秒", flush=True)
        results, baseline = run(data, args.repeat)
        print()
        print(_summary(data))
        print(common.table(results, baseline))
        print()
        print("“× baseline”：p50 相对于 Django 管理后台列表页（同一台机器、同一次运行）。自动保存目标：p95 < 50 ms。")


class Changes:
    """One change at a time to one item, each made on the version the last answer gave, as the phone sends them;
    the score goes back and forth between two allowed values so that every change really changes something."""

    def __init__(self, sheet, item):
        from evaluations.models import ItemScore

        self.sheet, self.item = sheet, item
        row = ItemScore.objects.filter(sheet=sheet, item=item).values_list("score", "version").first()
        self.score, self.version = (str(row[0]) if row[0] is not None else None, row[1]) if row else (None, 0)

    def next(self) -> dict:
        value = "2.0" if self.score is not None and Decimal(self.score) == Decimal("1.5") else "1.5"
        return {"client_id": str(uuid.uuid4()), "seq": 1, "item": self.item.pk, "base": self.version, "score": value}

    def answered(self, outcome: str | None, state: dict, message: str | None = None) -> str | None:
        """Keep the server's answer for the next change; None if it was applied, else what happened."""
        if outcome != "applied":
            return f"outcome {outcome}: {message or ''}".strip()
        self.score, self.version = state.get("score"), state.get("version", self.version + 1)
        return None


def run(data, repeat: int):
    from django.contrib import admin
    from django.test import Client
    from django.urls import reverse

    from evaluations import services
    from evaluations.models import ScoreSheet

    scorer, staff, teamlead, admin_user = Client(), Client(), Client(), Client()
    scorer.force_login(data.scorer)
    staff.force_login(data.staff)
    teamlead.force_login(data.teamlead)
    admin_user.force_login(data.admin)
    points = [item for item in data.items if item.kind == "points"]

    def get(client, url):
        def go():
            response = client.get(url)
            return None if response.status_code == 200 else f"HTTP {response.status_code}"

        return go

    def sync():
        change = phone.next()
        url = reverse("evaluations:sheet_sync", args=[data.sheet.pk])
        response = scorer.post(url, json.dumps({"changes": [change]}), content_type="application/json")
        if response.status_code != 200:
            return f"HTTP {response.status_code}"
        results = response.json().get("results") or [{}]
        return phone.answered(results[0].get("outcome"), results[0].get("state") or {}, results[0].get("message"))

    def service():
        result = services.sheet_apply_changes(sheet=direct.sheet, by=data.scorer, changes=[direct.next()])[0]
        return direct.answered(result.outcome, result.state, result.message)

    phone = Changes(ScoreSheet.objects.get(pk=data.sheet.pk), points[0])
    direct = Changes(ScoreSheet.objects.get(pk=data.service_sheet.pk), points[1])
    if ScoreSheet in admin.site._registry:
        baseline = ("baseline: admin changelist ScoreSheet", "admin:evaluations_scoresheet_changelist")
    else:
        baseline = ("baseline: admin changelist Site", "admin:sites_site_changelist")

    round_pk = data.round.pk
    progress = reverse("evaluations:progress", args=[round_pk])
    assign = reverse("evaluations:assign", args=[round_pk])
    last = max(1, -(-data.round.entries.count() // 50))
    measurements = [
        ("sheet page, 60 items", get(scorer, reverse("evaluations:sheet", args=[data.sheet.pk]))),
        ("autosave round trip, 1 change", sync),
        ("sync service, 1 change (direct)", service),
        ("progress page, staff, first page", get(staff, progress)),
        ("progress page, team leader", get(teamlead, progress)),
        ("progress page, staff, last page", get(staff, f"{progress}?page={last}")),
        ("progress page, staff, scorers tab", get(staff, f"{progress}?view=scorers")),
        ("progress page, staff, sheets tab", get(staff, f"{progress}?view=sheets")),
        ("teams list, staff", get(staff, reverse("evaluations:teams", args=[round_pk]))),
        ("assignment page, staff, first page", get(staff, assign)),
        ("assignment page, staff, last page", get(staff, f"{assign}?page={last}")),
        ("round sites, staff", get(staff, reverse("evaluations:round_sites", args=[round_pk]))),
        ("a site's sheets side by side, staff", get(staff, reverse("evaluations:entry", args=[data.sheet.entry_id]))),
        ("my sheets, scorer", get(scorer, reverse("evaluations:my_sheets"))),
        (baseline[0], get(admin_user, reverse(baseline[1]))),
    ]
    results = []
    for label, go in measurements:
        print(f"测量：{label}", flush=True)
        results.append(common.measure(label, go, repeat=repeat))
    return results, results[-1]


def _summary(data) -> str:
    from evaluations.models import ItemScore, RoundSite, ScoreSheet

    sheets = ScoreSheet.objects.filter(entry__round=data.round)
    return (
        f"{RoundSite.objects.filter(round=data.round).count()} 个参评示范点，{sheets.count()} 份评分表，"
        f"{ItemScore.objects.filter(sheet__entry__round=data.round).count()} 条评分，评分标准 {len(data.items)} 项"
    )


if __name__ == "__main__":
    main()
