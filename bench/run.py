"""`make bench`: build a programme at a country's scale (bench/country.py), measure every key page on it
(bench/pages.py), a round's results and ranking workbook (bench/results_bench.py) and the site export
(bench/site_export.py), print each target's pass/fail and write JSON and Markdown under bench/results/.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dsm_bench make bench
    make bench BENCH_ARGS="--sites 10000 --tree city"
    .venv/bin/python bench/run.py --help

See bench/README.md.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # the sibling modules, importable through the path above when run as a script
import country
import pages

RESULTS = Path(__file__).resolve().parent / "results"
# Seconds of a first request that make a page slow (timed SLOW_REPEAT times, after one warm-up), or very slow
# (timed once, right after that first request): its figure is plain enough, and the run must end.
SLOW, SLOW_REPEAT, VERY_SLOW = 1.0, 3, 5.0
POSTGRES_SCHEMES = ("postgres://", "postgresql://", "pgsql://", "postgis://")


def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="全国规模性能基准测试：构建数据、测量各页面、判定目标")
    parser.add_argument("--seed", type=int, default=12, help="随机种子（默认 12）：同样的参数和种子生成同样的数据")
    parser.add_argument("--tree", choices=sorted(country.TREES), default="country", help="区划树规模（默认 country）")
    parser.add_argument("--sites", type=int, default=100_000, help="示范点数（默认 100000）")
    parser.add_argument("--materials-per-site", type=int, default=10, help="每个示范点的材料数（默认 10）")
    parser.add_argument(
        "--round-sites",
        type=int,
        default=None,
        help=f"已评分考评轮次的示范点数（默认全部示范点，但不超过 {country.Params.ROUND_SITES_CAP}）",
    )
    parser.add_argument("--round-scorers", type=int, default=5, help="每个示范点已提交的评分表数（默认 5）")
    parser.add_argument("--scoring-sites", type=int, default=2000, help="评分中轮次的示范点数（默认 2000）")
    parser.add_argument("--tasks", type=int, default=4, help="下发到每个示范点的督办任务数（默认 4）")
    parser.add_argument("--repeat", type=int, default=20, help="每个页面计时次数（默认 20）")
    parser.add_argument("--blocks", type=int, default=2, help="页面与管理后台基线交替测量的块数（默认 2）")
    parser.add_argument("--results-repeat", type=int, default=3, help="考评结果与排名表计时次数（默认 3）")
    parser.add_argument("--export-repeat", type=int, default=3, help="示范点导出与原生 openpyxl 交替计时次数（默认 3）")
    parser.add_argument("--only", default="", help="只测量名称含此文字的页面（调试用）")
    parser.add_argument("--skip-heavy", action="store_true", help="不测量考评结果、排名表和导出（调试用）")
    parser.add_argument("--keep", action="store_true", help="结束后保留数据库（之后可用 --reuse 复用）")
    parser.add_argument(
        "--reuse", action="store_true", help="数据库已按相同参数构建时直接复用（先 migrate），否则重建；结束后保留"
    )
    parser.add_argument("--name", default="", help="结果文件名（默认：时间-规模-区划树）")
    args = parser.parse_args(argv)
    if args.sites < 20 or args.materials_per_site < 0 or args.repeat < 1 or args.blocks < 1:
        parser.error("--sites ≥ 20，--materials-per-site ≥ 0，--repeat ≥ 1，--blocks ≥ 1")
    return args


def params_of(args) -> country.Params:
    return country.Params(
        seed=args.seed,
        tree=args.tree,
        sites=args.sites,
        materials_per_site=args.materials_per_site,
        round_sites=args.round_sites,
        round_scorers=args.round_scorers,
        scoring_sites=args.scoring_sites,
        tasks=args.tasks,
    )


def refuse(message: str) -> None:
    print(message, file=sys.stderr)
    raise SystemExit(2)


def main(argv=None) -> None:
    args = arguments(argv)
    url = os.environ.get("DATABASE_URL", "")
    example = "DATABASE_URL=postgres://postgres@127.0.0.1:5432/dsm_bench make bench"
    if not url:
        refuse(f"基准测试需要 PostgreSQL：请先设置 DATABASE_URL（数据库名须含 bench），例如：\n  {example}")
    if not url.startswith(POSTGRES_SCHEMES):
        refuse(
            "基准测试只在 PostgreSQL 上运行（目标针对 PostgreSQL），当前 DATABASE_URL 不是 PostgreSQL。"
            f"例如：\n  {example}"
        )
    common.setup()
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if "bench" not in name:
        refuse(f"拒绝运行：数据库“{name}”的名称不含 bench（基准测试会先删除同名数据库）。例如：\n  {example}")
    params = params_of(args)
    steps: dict[str, float] = {}
    started = time.perf_counter()

    @contextmanager
    def timed(label: str):
        begin = time.perf_counter()
        yield
        steps[label] = round(time.perf_counter() - begin, 1)
        print(f"  {label}: {steps[label]:.1f} s", flush=True)

    found = _reusable(params) if args.reuse else None
    if found is not None:
        handles, seconds = found
        print(f"复用数据库 {name}（参数相同，构建用时 {seconds:.0f} 秒）", flush=True)
        measure_and_report(args, params, handles, {"reused": True, "seconds": seconds, "steps": {}})
        return
    print(f"构建数据库 {name}：{json.dumps(params.as_dict(), ensure_ascii=False)}", flush=True)
    with common.bench_database(keep=args.keep or args.reuse):
        steps["create and migrate"] = round(time.perf_counter() - started, 1)
        print(f"  create and migrate: {steps['create and migrate']:.1f} s", flush=True)
        with timed("load_defaults"):
            country.load_defaults()
        handles = country.build(params, timed=timed)
        with timed("VACUUM ANALYZE"):
            country.analyze()
        seconds = time.perf_counter() - started
        country.save_build(params, handles, seconds)
        print(f"构建共 {seconds:.0f} 秒", flush=True)
        measure_and_report(args, params, handles, {"reused": False, "seconds": round(seconds, 1), "steps": steps})


def _reusable(params: country.Params):
    """(handles, build seconds) of the database DATABASE_URL names if it holds a build of these parameters."""
    from django.core.management import call_command
    from django.db import OperationalError, connection

    try:
        connection.ensure_connection()
        found = country.load_build()
    except OperationalError:
        found = None
    if found is None:
        print("没有可复用的数据库：重新构建", flush=True)
    elif found[0] != params.as_dict():
        print(f"数据库中的数据参数不同（{json.dumps(found[0], ensure_ascii=False)}）：重新构建", flush=True)
        found = None
    if found is None:
        connection.close()
        # The pool keeps its connections open, and a database with open connections cannot be dropped and built.
        if hasattr(connection, "close_pool"):
            connection.close_pool()
        return None
    print("migrate（代码可能有新的迁移）…", flush=True)
    from django.db.migrations.executor import MigrationExecutor

    pending = MigrationExecutor(connection).migration_plan(MigrationExecutor(connection).loader.graph.leaf_nodes())
    call_command("migrate", verbosity=0)
    if pending and connection.vendor == "postgresql":
        # A migration that filled a column rewrote its rows: vacuumed and analysed, as autovacuum would leave them
        # (index-only scans need the visibility map), so the pages are measured as they run after a deploy settles.
        print(f"{len(pending)} 个新迁移：VACUUM ANALYZE…", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return found[1], found[2]


# --- measuring ---------------------------------------------------------------------------------------------------


def measure_pages(handles: dict, *, repeat: int, blocks: int, only: str = "") -> tuple[list, dict, dict]:
    """Every case, `repeat` timed runs in `blocks` blocks, each block followed by a block of its admin baseline.
    Returns (case results, baseline results by URL name, the size of each case's answer in bytes)."""
    from django.urls import reverse

    from config.startup import settle

    cases = [case for case in pages.CASES if only in case.label]
    clients = pages.clients(handles, {case.user for case in cases})
    settle()  # as a server process is once started (config.wsgi)
    per_block = max(1, repeat // blocks)
    baselines: dict[str, common.Result] = {}
    results, sizes = [], {}
    for case in cases:
        print(f"测量：{case.label}", end="", flush=True)
        begin = time.perf_counter()
        run = pages.runner(case, clients[case.user], handles)
        result = common.Result(case.label)
        baseline = None
        if case.baseline:
            baseline = baselines.setdefault(case.baseline, common.Result(pages.BASELINES[case.baseline]))
            base_run = pages.runner(pages.Case("", "admin", case.baseline), clients["admin"], handles)
        # A page that takes seconds is measured a few times only (its figure is plain enough, and the run must end).
        probe = time.perf_counter()
        problem = run()
        first = time.perf_counter() - probe
        if first > SLOW and not problem:
            # A first request may fill what later ones read (a round's stored results after a change): the page
            # is slow only if the second request is too.
            probe = time.perf_counter()
            problem = run()
            first = time.perf_counter() - probe
        slow = first > SLOW
        case_blocks, case_repeat = (
            (1, min(SLOW_REPEAT if first < VERY_SLOW else 1, repeat)) if slow else (blocks, per_block)
        )
        for block in range(case_blocks if not problem else 0):
            warmup = (0 if first >= VERY_SLOW else 1 if slow else 5) if block == 0 else 1
            part = common.measure(case.label, run, repeat=case_repeat, warmup=warmup)
            result.times += part.times
            result.cpu += part.cpu
            result.queries, result.status = part.queries, part.status
            if part.status != "ok":
                break
            if baseline is not None:
                part = common.measure(
                    baseline.label, base_run, repeat=case_repeat, warmup=(1 if slow else 3) if block == 0 else 1
                )
                baseline.times += part.times
                baseline.cpu += part.cpu
                baseline.queries, baseline.status = part.queries, part.status
        if problem:
            result.status = problem
        print(
            f"  p50 {_ms(result.p50)} ms, {_count(result.queries)} 次查询，{result.status}"
            f"（用时 {time.perf_counter() - begin:.0f} 秒）",
            flush=True,
        )
        sizes[case.label] = getattr(run, "size", None)
        result.url = reverse(case.url, args=[pages._value(arg, handles) for arg in case.args])
        results.append(result)
    return results, baselines, sizes


def measure_results(handles: dict, *, repeat: int) -> dict:
    """A round's results and its ranking workbook against raw openpyxl (bench/results_bench.py)."""
    import results_bench

    from evaluations.models import Round

    round_ = Round.objects.get(pk=handles["round_scored"])
    try:
        report = results_bench.run(round_, repeat=repeat)
    except Exception as error:
        failed = common.Result("results.round_results")
        failed.status = f"error: {type(error).__name__}: {error}"[:120]
        return {"results": [failed], "speed": None, "cpu_speed": None, "peak_mb": None}
    return {
        "results": report.results,
        "speed": report.speed,
        "cpu_speed": report.cpu_speed,
        "peak_mb": report.memory / 2**20,
        "lines": report.lines,
    }


def measure_and_report(args, params: country.Params, handles: dict, build: dict) -> None:
    import site_export

    from accounts.models import User

    rows = country.summary()
    print("数据：" + "，".join(f"{key} {value:,}" for key, value in rows.items()), flush=True)
    measured_at = datetime.now(UTC)
    cases, baselines, sizes = measure_pages(handles, repeat=args.repeat, blocks=args.blocks, only=args.only)
    heavy, export = None, None
    if not args.skip_heavy:
        print("测量：考评结果与排名表", flush=True)
        heavy = measure_results(handles, repeat=args.results_repeat)
        print("测量：示范点导出 vs 原生 openpyxl", flush=True)
        export = site_export.measure(User.objects.get(pk=handles["staff"]), repeat=args.export_repeat)
    report = Report(args, params, build, rows, measured_at, cases, baselines, sizes, heavy, export)
    text = report.markdown()
    print()
    print(common.table(cases + list(baselines.values())))
    print()
    print(report.verdicts_text())
    RESULTS.mkdir(exist_ok=True)
    stem = args.name or f"{measured_at:%Y-%m-%dT%H%M}-{_size(params.sites)}-{params.tree}"
    (RESULTS / f"{stem}.md").write_text(text, encoding="utf-8")
    (RESULTS / f"{stem}.json").write_text(
        json.dumps(report.json(), ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    print(f"\n结果：bench/results/{stem}.md 和 .json")


def _size(sites: int) -> str:
    return f"{sites // 1000}k" if sites >= 1000 and sites % 1000 == 0 else str(sites)


# --- the report --------------------------------------------------------------------------------------------------


def _ms(value) -> str:
    return f"{value * 1000:.1f}" if value is not None else "—"


def _count(value) -> str:
    return str(value) if value is not None else "—"


def machine() -> dict:
    from django import get_version
    from django.db import connection

    info = {
        "python": platform.python_version(),
        "django": get_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "database": connection.vendor,
    }
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            info["memory_gb"] = round(int(handle.readline().split()[1]) / 2**20, 1)
        info["load_average"] = [round(value, 2) for value in os.getloadavg()]
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        info["database_version"] = cursor.fetchone()[0].split(" on ")[0]
    return info


def git() -> dict:
    def out(*command):
        try:
            command = ["git", *command]
            done = subprocess.run(command, cwd=common.ROOT, capture_output=True, text=True, check=True)  # noqa: S603
            return done.stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    return {
        "commit": out("rev-parse", "HEAD"),
        "branch": out("rev-parse", "--abbrev-ref", "HEAD"),
        "dirty": bool(out("status", "--porcelain", "--untracked-files=no")),
    }


class Report:
    def __init__(self, args, params, build, rows, measured_at, cases, baselines, sizes, heavy, export):
        self.args, self.params, self.build, self.rows = args, params, build, rows
        self.measured_at, self.cases, self.baselines, self.sizes = measured_at, cases, baselines, sizes
        self.heavy, self.export = heavy, export
        self.by_label = {case.label: case for case in pages.CASES}
        self.machine, self.git = machine(), git()

    def verdicts(self) -> list[dict]:
        """One line per target: what, the figure, the limit, pass/fail (or "—" when there is no figure)."""
        found = []
        for result in self.cases:
            limit, queries = pages.TARGETS[self.by_label[result.label].kind]
            if limit is None:
                continue
            ok = None
            if result.status == "ok" and result.p95 is not None:
                ok = result.p95 <= limit and (result.queries or 0) <= queries
            found.append(
                {
                    "target": result.label,
                    "figure": f"p95 {_ms(result.p95)} ms, {_count(result.queries)} queries"
                    + ("" if result.status == "ok" else f" ({result.status})"),
                    "limit": f"p95 ≤ {limit * 1000:.0f} ms, ≤ {queries} queries",
                    "pass": ok,
                }
            )
        round_size = self.params.round_size
        if self.heavy is not None:
            computed = self.heavy["results"][0]
            found.append(
                {
                    "target": f"round results computed ({round_size:,} sites × {self.params.round_scorers} sheets)",
                    "figure": f"p95 {computed.p95:.2f} s" if computed.p95 is not None else computed.status,
                    "limit": "≤ 10 s",
                    "pass": computed.p95 <= 10 if computed.p95 is not None else None,
                }
            )
            speed = self.heavy["speed"]
            found.append(
                {
                    "target": f"ranking workbook vs raw openpyxl ({round_size:,} sites)",
                    "figure": f"{speed:.0%} of raw (CPU {self.heavy['cpu_speed']:.0%})" if speed else "—",
                    "limit": "≥ 80 %",
                    "pass": speed >= 0.8 if speed else None,
                }
            )
        if self.export is not None:
            speed, peak = self.export["speed"], self.export["peak_mb"]
            ours = self.export["results"][0]
            found.append(
                {
                    "target": f"site export vs raw openpyxl write-only ({self.export['rows']:,} rows, "
                    f"{self.export['how'] or 'no writer found'})",
                    "figure": f"{speed:.0%} of raw" if speed else ours.status,
                    "limit": "≥ 80 %",
                    "pass": speed >= 0.8 if speed else None,
                }
            )
            found.append(
                {
                    "target": "site export peak memory growth",
                    "figure": f"{peak:.0f} MB (tracemalloc), max RSS +{self.export['rss_mb']:.0f} MB"
                    if peak is not None
                    else ours.status,
                    "limit": "≤ 150 MB",
                    "pass": peak <= 150 if peak is not None else None,
                }
            )
        return found

    def verdicts_text(self) -> str:
        lines = ["目标（issue 12）："]
        verdicts = self.verdicts()
        for verdict in verdicts:
            mark = {True: "PASS", False: "FAIL", None: "——"}[verdict["pass"]]
            lines.append(f"  {mark}  {verdict['target']}: {verdict['figure']} (target {verdict['limit']})")
        failed = sum(1 for verdict in verdicts if verdict["pass"] is False)
        unknown = sum(1 for verdict in verdicts if verdict["pass"] is None)
        lines.append(
            f"共 {len(verdicts)} 项：{len(verdicts) - failed - unknown} 项达标，{failed} 项未达标，{unknown} 项无数据"
        )
        return "\n".join(lines)

    def markdown(self) -> str:
        p = self.params
        rows = ", ".join(f"{key.replace('_', ' ')} {value:,}" for key, value in self.rows.items())
        lines = [
            f"# Benchmark: {p.sites:,} sites, `{p.tree}` region tree ({self.measured_at:%Y-%m-%d %H:%M} UTC)",
            "",
            f"- Data (seed {p.seed}): {rows}.",
            f"- Scored round: {p.round_size:,} sites × {p.round_scorers} submitted 60-item sheets; round being scored:"
            f" {p.scoring_size:,} sites; {p.tasks} supervision tasks to every site.",
            f"- Build: {'reused a database built in ' if self.build['reused'] else ''}{self.build['seconds']:.0f} s"
            + (
                " (" + ", ".join(f"{label} {seconds:.0f} s" for label, seconds in self.build["steps"].items()) + ")"
                if self.build["steps"]
                else ""
            ),
            f"- Machine: {self.machine.get('cpus')} CPUs, {self.machine.get('memory_gb', '?')} GB, load "
            f"{self.machine.get('load_average', '?')}; {self.machine.get('database_version')}; Python "
            f"{self.machine['python']}, Django {self.machine['django']}.",
            f"- Code: `{self.git['branch']}` {self.git['commit'][:12]}"
            + (" (with uncommitted changes)." if self.git["dirty"] else "."),
            f"- Pages: {self.args.repeat} warm runs each in {self.args.blocks} blocks, server time in-process (Django "
            "test Client), ms; queries of one run; KB of the answer; × admin = p50 over the p50 of the Django admin "
            "changelist measured in alternate blocks.",
            "",
            "| page | user | p50 | p95 | cpu p50 | queries | KB | × admin | target | |",
            "|---|---|---:|---:|---:|---:|---:|---:|---|---|",
        ]
        for result in self.cases:
            case = self.by_label[result.label]
            limit, queries = pages.TARGETS[case.kind]
            baseline = self.baselines.get(case.baseline) if case.baseline else None
            relative = f"{result.p50 / baseline.p50:.2f}" if baseline and baseline.p50 and result.p50 else ""
            ok = None
            if result.status == "ok" and result.p95 is not None:
                ok = result.p95 <= limit and (result.queries or 0) <= queries
            mark = {True: "pass", False: "**FAIL**", None: result.status}[ok]
            size = self.sizes.get(result.label)
            kilobytes = f"{size / 1024:.0f}" if size is not None else "—"
            lines.append(
                f"| {result.label} | {case.user} | {_ms(result.p50)} | {_ms(result.p95)} | "
                f"{_ms(common._percentile(result.cpu, 0.5))} | {_count(result.queries)} | "
                f"{kilobytes} | {relative} | ≤ {limit * 1000:.0f} ms, ≤ {queries} q | {mark} |"
            )
        for result in self.baselines.values():
            lines.append(
                f"| {result.label} | admin | {_ms(result.p50)} | {_ms(result.p95)} | "
                f"{_ms(common._percentile(result.cpu, 0.5))} | {_count(result.queries)} | "
                f"— | 1.00 | baseline | {result.status} |"
            )
        heavy = [*(self.heavy["results"] if self.heavy else []), *(self.export["results"] if self.export else [])]
        if heavy:
            lines += [
                "",
                "| computation | runs | p50 (s) | p95 (s) | cpu p50 (s) | queries | |",
                "|---|---:|---:|---:|---:|---:|---|",
            ]
            for result in heavy:
                cpu = common._percentile(result.cpu, 0.5)

                def seconds(value):
                    return f"{value:.2f}" if value is not None else "—"

                lines.append(
                    f"| {result.label} | {len(result.times)} | {seconds(result.p50)} | {seconds(result.p95)} | "
                    f"{seconds(cpu)} | {result.queries if result.queries is not None else '—'} | {result.status} |"
                )
        lines += ["", "## Targets", "", "| target | figure | limit | |", "|---|---|---|---|"]
        for verdict in self.verdicts():
            mark = {True: "pass", False: "**FAIL**", None: "—"}[verdict["pass"]]
            lines.append(f"| {verdict['target']} | {verdict['figure']} | {verdict['limit']} | {mark} |")
        verdicts = self.verdicts()
        failed = sum(1 for verdict in verdicts if verdict["pass"] is False)
        lines += ["", f"{len(verdicts) - failed} of {len(verdicts)} targets met."]
        return "\n".join(lines) + "\n"

    def json(self) -> dict:
        def figures(result, size=None, case=None):
            return {
                "label": result.label,
                "user": case.user if case else None,
                "url": getattr(result, "url", None),
                "kind": case.kind if case else None,
                "status": result.status,
                "runs": len(result.times),
                "p50_ms": result.p50 * 1000 if result.p50 is not None else None,
                "p95_ms": result.p95 * 1000 if result.p95 is not None else None,
                "cpu_p50_ms": (common._percentile(result.cpu, 0.5) or 0) * 1000 if result.cpu else None,
                "cpu_p95_ms": (common._percentile(result.cpu, 0.95) or 0) * 1000 if result.cpu else None,
                "queries": result.queries,
                "bytes": size,
                "times_ms": [round(value * 1000, 2) for value in result.times],
            }

        def seconds(result):
            return {
                "label": result.label,
                "status": result.status,
                "p50_s": result.p50,
                "p95_s": result.p95,
                "cpu_p50_s": common._percentile(result.cpu, 0.5),
                "queries": result.queries,
                "times_s": result.times,
            }

        return {
            "measured_at": self.measured_at.isoformat(),
            "params": self.params.as_dict(),
            "options": dict(vars(self.args)),
            "build": self.build,
            "rows": self.rows,
            "machine": self.machine,
            "git": self.git,
            "pages": [
                figures(result, self.sizes.get(result.label), self.by_label[result.label]) for result in self.cases
            ],
            "baselines": {name: figures(result) for name, result in self.baselines.items()},
            "results": None
            if self.heavy is None
            else {
                "round_sites": self.params.round_size,
                "workbook_speed": self.heavy["speed"],
                "workbook_cpu_speed": self.heavy["cpu_speed"],
                "peak_mb": self.heavy["peak_mb"],
                "figures": [seconds(result) for result in self.heavy["results"]],
            },
            "export": None
            if self.export is None
            else {
                key: value if key != "results" else [seconds(result) for result in value]
                for key, value in self.export.items()
            },
            "targets": self.verdicts(),
        }


if __name__ == "__main__":
    main()
