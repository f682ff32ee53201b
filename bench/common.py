"""What the benchmarks share: Django set up with the project's settings, a database of their own, timing loops
and a small table.

Each benchmark is a script (`python bench/<name>.py`): it calls `setup()` before importing models, builds its
data in `bench_database()`, and measures with `measure()`. Times are server time in this process (Django's test
Client: middleware, view, templates and the database, no network), warm (after a few unmeasured runs).
"""

import logging
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(settings_module: str = "config.settings.local") -> None:
    """Import Django with the project's settings (`DJANGO_SETTINGS_MODULE` wins; `local` is the product on one
    machine: DEBUG off, the real middleware), and let the test Client's host in."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django
    from django.conf import settings

    django.setup()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # The manifest storage of `local` needs collectstatic first; its URLs are a dictionary lookup away from the
    # plain storage's, so the plain one measures the same without writing var/static.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # WhiteNoise looks for STATIC_ROOT, which the benchmark does not collect; say nothing of it.
    warnings.filterwarnings("ignore", message="No directory at")
    # A view that answers 404 (not there yet) must not print a warning for each of hundreds of requests.
    logging.getLogger("django.request").setLevel(logging.ERROR)


@contextmanager
def bench_database(keep: bool = False) -> Iterator[str]:
    """A database of the benchmark's own, migrated, dropped afterwards (unless `keep`).

    SQLite: a file in a temporary folder (a file, as deployed, not memory). PostgreSQL: the database named in
    DATABASE_URL, created here; its name must contain "bench", because an existing one of that name is dropped
    first. Yields a description of the database."""
    from django.db import connection

    database = connection.settings_dict
    folder = None
    if connection.vendor == "sqlite":
        folder = tempfile.mkdtemp(prefix="bench-")
        database["TEST"]["NAME"] = str(Path(folder) / "bench.sqlite3")
    else:
        name = database["NAME"]
        if "bench" not in name:
            raise SystemExit(f"拒绝运行：数据库“{name}”的名称不含 bench（基准测试会先删除同名数据库）")
        database["TEST"]["NAME"] = name
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield f"{connection.vendor} {connection.settings_dict['NAME']}"
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=keep)
        if folder and not keep:
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def stopwatch(label: str) -> Iterator[None]:
    """Time a step of the data building and say how long it took."""
    start = time.perf_counter()
    yield
    print(f"  {label}: {time.perf_counter() - start:.1f} s", flush=True)


@dataclass
class Result:
    label: str
    times: list[float] = field(default_factory=list)  # seconds, one per measured run
    cpu: list[float] = field(default_factory=list)  # this process's CPU seconds in each run
    queries: int | None = None
    status: str = "ok"  # "ok", or what went wrong (e.g. "HTTP 404")

    @property
    def p50(self) -> float | None:
        return _percentile(self.times, 0.5)

    @property
    def p95(self) -> float | None:
        return _percentile(self.times, 0.95)


def _percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    if fraction == 0.5:
        return statistics.median(values)
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def measure(label: str, run: Callable[[], str | None], *, repeat: int, warmup: int = 5) -> Result:
    """Time `run` `repeat` times after `warmup` unmeasured runs. `run` returns None when all went well, or what
    went wrong (then the loop stops: a 404 measured a hundred times is no figure). One more run counts the
    queries (not timed: counting makes every query slower)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result = Result(label)
    for _ in range(warmup):
        problem = run()
        if problem:
            result.status = problem
            return result
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        problem = run()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        if problem:
            result.status = problem
            return result
        result.times.append(elapsed)
        result.cpu.append(cpu)
    with CaptureQueriesContext(connection) as queries:
        problem = run()
    result.queries = len(queries) if not problem else None
    return result


def timed(function: Callable[[], object], result: Result) -> None:
    """Run `function` once and add its wall and CPU time to `result` (for loops that alternate two contenders)."""
    start, cpu = time.perf_counter(), time.process_time()
    function()
    result.times.append(time.perf_counter() - start)
    result.cpu.append(time.process_time() - cpu)


def table(results: list[Result], baseline: Result | None = None) -> str:
    """The figures as a plain-text table, in milliseconds: wall time p50/p95, this process's CPU time p50/p95
    (steadier on a busy machine; with PostgreSQL it leaves out the database server's work), the queries of one
    run, and the wall p50 relative to the baseline's."""
    reference = baseline.p50 if baseline and baseline.p50 else None
    width = max(len(result.label) for result in results) + 2
    heads = ("runs", "p50", "p95", "cpu p50", "cpu p95", "queries", "× baseline")
    lines = [f"{'(ms)':<{width}}" + "".join(f"{head:>11}" for head in heads) + "  status"]

    def ms(value):
        return f"{value * 1000:.1f}" if value is not None else "—"

    for result in results:
        relative = f"{result.p50 / reference:.2f}" if reference and result.p50 is not None else "—"
        cells = (
            str(len(result.times)),
            ms(result.p50),
            ms(result.p95),
            ms(_percentile(result.cpu, 0.5)),
            ms(_percentile(result.cpu, 0.95)),
            str(result.queries) if result.queries is not None else "—",
            relative,
        )
        lines.append(f"{result.label:<{width}}" + "".join(f"{cell:>11}" for cell in cells) + f"  {result.status}")
    return "\n".join(lines)
