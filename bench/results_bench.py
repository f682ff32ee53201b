"""Benchmark of a round's results and its ranking workbook (issue 10): 10,000 sites × 5 submitted sheets × 60 items.

Usage (from the project folder, with the project's virtualenv):

    .venv/bin/python bench/results_bench.py                          # SQLite, in a temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dsm_results_bench \\
        .venv/bin/python bench/results_bench.py                      # PostgreSQL (database name must hold "bench")
    .venv/bin/python bench/results_bench.py --sites 2000 --repeat 5 --keep

Options: --sites N (10000), --scorers N submitted sheets per site (5), --repeat N timed runs per measurement (7),
--keep (leave the database for a look afterwards).

Data (written in bulk, as bench/evaluations_data.py does for the scoring pages): the 60-item standard of that
module, `sites` sites spread over seven domains, a round whose scoring is closed, every site with `scorers`
submitted on-site sheets scoring all 60 items (about 5 % of the 六个有 items marked absent, so some sites fail a
required item), a deduction line on one site in ten and a bonus line on one in twenty.

Measured, warm (an unmeasured run first):

- `results.round_results(round)`: wall time p50/p95 and queries (target ≤ 2 s at 10,000 sites);
- the rest of what the workbook needs (`rankings.ranking_data` given the results: names, sections, section
  subtotals) — its queries;
- writing the workbook given its data (`rankings.write_workbook`) against openpyxl's write-only mode writing the same
  rows (the same values, the same sheets: overall, one per domain, summary) from an in-memory list, alternately in
  the same run (target: ours ≥ 80 % of raw speed);
- end to end (`rankings.save_rankings`: round_results, the other queries and the writing);
- peak memory growth of the end-to-end run (tracemalloc peak over the run, and the process's maximum resident
  set size before and after; target ≤ 150 MB);
- the pages (issue 12), warm, p50/p95 server time and queries, in-process (Django's test Client): the results page
  (first page, last page, sorted by final score) as staff, one site's explanation, the scorer calibration, the
  ranking page, and once the results are published (a publication written directly) the published list as
  staff and as a district user (region scope, one district of ten) — each page's target p95 ≤ 150 ms and
  ≤ 20 queries. `--pages-repeat N` (15) timed runs each; `--no-pages` leaves them out.
"""

import argparse
import io
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # the sibling module, importable through the path above when run as a script

DOMAINS = ("rural", "community", "organ", "school", "soe", "two_new", "institution")
SHEET_BATCH = 2000  # sheets whose item scores are generated and written at a time (memory stays flat)


def main() -> None:
    parser = argparse.ArgumentParser(description="考评结果与排名表性能基准测试")
    parser.add_argument("--sites", type=int, default=10000, help="参评示范点数（默认 10000）")
    parser.add_argument("--scorers", type=int, default=5, help="每个示范点已提交的评分表数（默认 5）")
    parser.add_argument("--repeat", type=int, default=7, help="每项计时次数（默认 7）")
    parser.add_argument("--keep", action="store_true", help="结束后保留数据库")
    parser.add_argument("--pages-repeat", type=int, default=15, help="页面每项计时次数（默认 15）")
    parser.add_argument("--no-pages", action="store_true", help="不测页面")
    args = parser.parse_args()
    if args.sites < 2 or args.scorers < 1 or args.repeat < 1:
        parser.error("--sites ≥ 2，--scorers ≥ 1，--repeat ≥ 1")

    common.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    print("准备数据库…", flush=True)
    with common.bench_database(keep=args.keep) as database:
        print(f"  create and migrate {database}: {time.perf_counter() - started:.1f} s", flush=True)
        with common.stopwatch("load_defaults"):
            call_command("load_defaults", stdout=io.StringIO())
        round_ = build(sites=args.sites, scorers=args.scorers, timed=common.stopwatch)
        with common.stopwatch("VACUUM ANALYZE (what autovacuum does after a bulk load)"):
            analyze()
        print(f"准备共 {time.perf_counter() - started:.1f} 秒", flush=True)
        report = run(round_, repeat=args.repeat)
        pages = [] if args.no_pages else run_pages(round_, repeat=args.pages_repeat)
        print()
        print(_summary(round_))
        print(report.text)
        if pages:
            print()
            print(common.table(pages))
            print("页面目标：p95 ≤ 150 ms，≤ 20 条查询。")


# --- data ---------------------------------------------------------------------------------------------------


def build(*, sites: int, scorers: int, seed: int = 11, timed=None):
    """The round with its sites, sheets and entries (see the module's docstring); returns the round."""
    from contextlib import nullcontext

    from django.db import transaction

    timed = timed or (lambda label: nullcontext())
    with transaction.atomic():
        return _build(sites=sites, scorers=scorers, rng=random.Random(seed), timed=timed)


def _build(*, sites: int, scorers: int, rng, timed):
    import evaluations_data as data
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import PartyOrganization
    from evaluations.choices import RoundStatus, SheetKind, SheetStatus
    from evaluations.models import Adjustment, RoundSite, ScoreSheet
    from sites.models import Site

    password = make_password(None)
    with timed("users, standard (60 items)"):
        users = data._people(password)
        standard, items = data._standard()
    with timed(f"{sites} sites in {len(DOMAINS)} domains"):
        site_ids = data._sites(sites)
        for index, domain in enumerate(DOMAINS[1:], start=1):
            chosen = site_ids[index :: len(DOMAINS)]
            Site.objects.filter(pk__in=chosen).update(domain=domain)
            PartyOrganization.objects.filter(sites__in=chosen).update(domain=domain)
    with timed(f"round, teams, {sites} entries"):
        round_, members = data._round(standard, site_ids, scorers, users["teamlead"], password)
    now = timezone.now()
    with timed(f"{sites * scorers} submitted sheets, {sites * scorers * len(items)} item scores"):
        team_members = dict(zip(round_.teams.order_by("pk").values_list("pk", flat=True), members, strict=True))
        entries = list(RoundSite.objects.filter(round=round_).order_by("pk").values_list("pk", "team_id"))
        pending = []
        for entry_id, team_id in entries:
            lacking = data._lacking(items, rng)
            for user in team_members[team_id]:
                values = data._entry_values(items, rng, 1.0, lacking)
                sheet = ScoreSheet(
                    entry_id=entry_id,
                    scorer=user,
                    kind=SheetKind.ONSITE,
                    status=SheetStatus.SUBMITTED,
                    total=sum((score for _item, score, _present, _level in values), Decimal("0")),
                    ten_haves=data._ten_haves(values),
                    section_totals=data._section_totals(values),
                    scored_count=len(values),
                    version=len(values),
                    submitted_at=now,
                    first_submitted_at=now,
                )
                sheet._values = values
                pending.append(sheet)
                if len(pending) >= SHEET_BATCH:
                    _write_sheets(pending)
                    pending = []
        _write_sheets(pending)
    with timed("deduction and bonus lines"):
        lines = adjustment_lines([entry_id for entry_id, _team in entries], users["staff"].pk)
        Adjustment.objects.bulk_create(lines, batch_size=data.BATCH)
    round_.status, round_.scored_at = RoundStatus.SCORED, now
    round_.save(update_fields=["status", "scored_at"])
    return round_


def analyze() -> None:
    """Statistics and the visibility map, as autovacuum leaves them after a bulk load: without them PostgreSQL
    plans the aggregates for empty tables."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def _write_sheets(sheets) -> None:
    import evaluations_data as data

    from evaluations.models import ScoreSheet

    created = ScoreSheet.objects.bulk_create(sheets, batch_size=data.BATCH)
    data._insert_scores(
        [
            (sheet.pk, item.pk, score, present, level)
            for sheet in created
            for item, score, present, level in sheet._values
        ]
    )


def _summary(round_) -> str:
    from evaluations.models import Adjustment, ItemScore, RoundSite, ScoreSheet

    sheets = ScoreSheet.objects.filter(entry__round=round_)
    return (
        f"{RoundSite.objects.filter(round=round_).count()} 个参评示范点，{sheets.count()} 份已提交评分表，"
        f"{ItemScore.objects.filter(sheet__entry__round=round_).count()} 条评分，"
        f"{Adjustment.objects.filter(entry__round=round_).count()} 条扣分加分"
    )


# --- measuring ----------------------------------------------------------------------------------------------


class Report:
    def __init__(self):
        self.results: list[common.Result] = []
        self.lines: list[str] = []

    @property
    def text(self) -> str:
        return "\n".join([common.table(self.results), "", *self.lines])


def raw_rows(data) -> tuple[list, dict]:
    """The workbook's rows as plain values in memory (what openpyxl's own loop is given): the overall sheet's rows
    and each domain's, in the order our workbook writes them."""
    from evaluations import rankings

    make_row = rankings.RowMaker(data)
    overall = [make_row(None, result) for result in data.results]
    by_domain: dict[str, list] = {}
    for result, row in zip(data.results, overall, strict=True):
        by_domain.setdefault(result.domain, []).append(row)
    return overall, by_domain


def write_raw(data, overall, by_domain, handle) -> None:
    """openpyxl's write-only mode with no help: a header row of plain labels, then the rows, sheet by sheet."""
    from openpyxl import Workbook

    from accounts.choices import Domain
    from evaluations import rankings

    domains = dict(Domain.choices)
    workbook = Workbook(write_only=True)
    labels = [label for label, _width in rankings.COLUMNS] + [section.title for section in data.sections]
    sheet = workbook.create_sheet(rankings.OVERALL_TITLE)
    sheet.append(labels)
    for row in overall:
        sheet.append(row)
    for domain in sorted(by_domain, key=rankings._domain_order):
        sheet = workbook.create_sheet(rankings.sheet_title(domains.get(domain, domain)))
        sheet.append(labels)
        for row in by_domain[domain]:
            sheet.append(row)
    sheet = workbook.create_sheet(rankings.SUMMARY_TITLE)
    for row in rankings.summary_counts(data.results):
        sheet.append(row)
    workbook.save(handle)


def run(round_, *, repeat: int) -> Report:
    from evaluations import rankings, results

    report = Report()

    print("测量：round_results", flush=True)
    report.results.append(
        common.measure("results.round_results", lambda: results.round_results(round_) and None, repeat=repeat, warmup=1)
    )
    computed = results.round_results(round_)
    print("测量：ranking_data (names, sections, section subtotals)", flush=True)
    report.results.append(
        common.measure(
            "rankings.ranking_data, given results",
            lambda: rankings.ranking_data(round_, computed) and None,
            repeat=repeat,
            warmup=1,
        )
    )
    data = rankings.ranking_data(round_, computed)

    print("测量：workbook writing, ours vs openpyxl raw", flush=True)
    overall, by_domain = raw_rows(data)
    ours_result, raw_result = common.Result("workbook writing: ours"), common.Result("workbook writing: raw openpyxl")

    def ours():
        with tempfile.TemporaryFile() as handle:
            rankings.write_workbook(data, handle)

    def raw():
        with tempfile.TemporaryFile() as handle:
            write_raw(data, overall, by_domain, handle)

    ours(), raw()  # warm
    for index in range(repeat):
        # Alternate which goes first, so that neither always runs on a cooler or warmer machine.
        pair = (("ours", ours), ("raw", raw)) if index % 2 == 0 else (("raw", raw), ("ours", ours))
        for name, function in pair:
            common.timed(function, ours_result if name == "ours" else raw_result)
    report.results += [ours_result, raw_result]

    print("测量：end to end (save_rankings)", flush=True)

    def end_to_end():
        with tempfile.TemporaryFile() as handle:
            rankings.save_rankings(round_, handle)

    report.results.append(common.measure("end to end: save_rankings", end_to_end, repeat=max(3, repeat // 2), warmup=1))

    print("测量：memory", flush=True)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    tracemalloc.reset_peak()
    start_traced, _ = tracemalloc.get_traced_memory()
    end_to_end()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    speed = raw_result.p50 / ours_result.p50 if ours_result.p50 else 0
    cpu_ours, cpu_raw = common._percentile(ours_result.cpu, 0.5), common._percentile(raw_result.cpu, 0.5)
    cpu_speed = cpu_raw / cpu_ours if cpu_ours else 0
    report.lines += [
        f"results.round_results p50 {report.results[0].p50:.3f} s, p95 {report.results[0].p95:.3f} s, "
        f"{report.results[0].queries} queries (target ≤ 2 s)",
        f"workbook writing: ours p50 {ours_result.p50:.3f} s, raw openpyxl p50 {raw_result.p50:.3f} s: "
        f"ours at {speed:.0%} of raw speed by wall time, {cpu_speed:.0%} by CPU time (target ≥ 80 %)",
        f"end to end p50 {report.results[-1].p50:.3f} s, {report.results[-1].queries} queries",
        f"peak memory growth, end to end: tracemalloc {(peak - start_traced) / 2**20:.1f} MB; "
        f"max RSS {rss_before / 1024:.0f} → {rss_after / 1024:.0f} MB "
        f"(+{(rss_after - rss_before) / 1024:.0f} MB) (target ≤ 150 MB)",
    ]
    report.speed, report.cpu_speed, report.memory = speed, cpu_speed, (peak - start_traced)
    return report


def page_users(round_):
    """The users the pages are measured as: staff, and a district user (region scope, role 区县联络员) over the
    district of the round's first site. Made here (idempotent), so a kept database can be measured again."""
    from django.contrib.auth.models import Group

    from accounts.choices import DataScope
    from accounts.models import User
    from accounts.roles import Role

    staff = User.objects.get(username="bench-staff")
    district = User.objects.filter(username="bench-district").first()
    if district is None:
        site = round_.entries.order_by("pk").select_related("site__region__parent").first().site
        region = site.region.parent or site.region
        district = User.objects.create(
            username="bench-district", full_name="区县联络员", scope=DataScope.REGION, region=region
        )
        district.groups.add(Group.objects.get(name=Role.DISTRICT))
    return staff, district


def publish(round_):
    """The round's results published as the service would record them (a publication with the snapshot), without
    the notices; the round's status becomes published."""
    from django.utils import timezone

    from evaluations import results
    from evaluations.choices import RoundStatus
    from evaluations.models import Publication

    if not round_.publications.exists():
        today = timezone.localdate()
        Publication.objects.create(
            round=round_,
            number=1,
            starts_on=today,
            ends_on=today,
            fingerprint=results.inputs_fingerprint(round_),
            results=results.snapshot(results.round_results(round_)),
            policy={},
        )
    round_.status = RoundStatus.PUBLISHED
    round_.save(update_fields=["status"])


def run_pages(round_, *, repeat: int) -> list:
    """The results pages, warm: p50/p95 server time and queries (see the module's docstring)."""
    from django.test import Client
    from django.urls import reverse

    staff_user, district_user = page_users(round_)
    staff, district = Client(), Client()
    staff.force_login(staff_user)
    district.force_login(district_user)
    entries = round_.entries.count()
    last = max(1, -(-entries // 50))
    entry = round_.entries.order_by("-pk").first()

    def get(client, url):
        def go():
            response = client.get(url)
            return None if response.status_code == 200 else f"HTTP {response.status_code}"

        return go

    results_url = reverse("evaluations:results", args=[round_.pk])
    published_url = reverse("evaluations:published", args=[round_.pk])
    scored = [
        ("results page, staff, first page", get(staff, results_url)),
        ("results page, staff, last page", get(staff, f"{results_url}?page={last}")),
        ("results page, staff, sorted by final", get(staff, f"{results_url}?sort=-final&page=2")),
        ("explanation of a site, staff", get(staff, reverse("evaluations:explain", args=[entry.pk]))),
        ("scorer calibration, staff", get(staff, reverse("evaluations:calibration", args=[round_.pk]))),
        ("ranking page, staff", get(staff, reverse("evaluations:rankings", args=[round_.pk]))),
    ]
    measured = []
    for label, go in scored:
        print(f"测量：{label}", flush=True)
        measured.append(common.measure(label, go, repeat=repeat, warmup=2))
    publish(round_)
    district_last = max(1, -(-entries // 10 // 50))
    for label, go in (
        ("published list, staff, first page", get(staff, published_url)),
        ("published list, staff, last page", get(staff, f"{published_url}?page={last}")),
        ("published list, district user", get(district, published_url)),
        ("published list, district user, last page", get(district, f"{published_url}?page={district_last}")),
        ("results page, staff, after publication", get(staff, results_url)),
    ):
        print(f"测量：{label}", flush=True)
        measured.append(common.measure(label, go, repeat=repeat, warmup=2))
    return measured


def adjustment_lines(entry_ids, staff_id: int) -> list:
    """A deduction line on one entry in ten and a bonus line on one in twenty (unsaved), as a round would have.
    bench/country.py builds its round with the same lines."""
    from evaluations.choices import AdjustmentKind, AdjustmentSource
    from evaluations.models import Adjustment

    lines = []
    for index, entry_id in enumerate(entry_ids):
        if index % 10 == 3:
            lines.append(
                Adjustment(
                    entry_id=entry_id,
                    kind=AdjustmentKind.DEDUCTION,
                    source=AdjustmentSource.MANUAL,
                    points=Decimal("2"),
                    reason="通报批评",
                    created_by_id=staff_id,
                )
            )
        if index % 20 == 7:
            lines.append(
                Adjustment(
                    entry_id=entry_id,
                    kind=AdjustmentKind.BONUS,
                    source=AdjustmentSource.MANUAL,
                    points=Decimal("1"),
                    reason="典型经验推广",
                    created_by_id=staff_id,
                )
            )
    return lines


if __name__ == "__main__":
    main()
