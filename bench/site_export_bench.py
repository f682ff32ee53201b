"""The site list export (sites.exports.write_site_list) against raw openpyxl write-only writing the same rows from
memory, alternating so the machine's noise hits both alike; and the export's peak memory growth.

Runs on an existing database (seed_demo --sites N):

    DATABASE_URL=postgres://…/dsm_bench_x python bench/site_export_bench.py --rounds 3

`export_vs_raw(queryset, rounds)` is what `make bench` calls: it returns rows, rows/s of both and the ratio.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def peak_growth_mb(run) -> float | None:
    """Peak resident memory growth of `run()` in MB (Linux: the peak is reset first through clear_refs)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    before = _rss_kb("VmRSS")
    run()
    return (_rss_kb("VmHWM") - before) / 1024


def rows_in_memory(queryset) -> list[list]:
    """The rows the export writes, as plain values, read once (what raw openpyxl gets handed)."""
    from openpyxl import load_workbook

    from sites.exports import write_site_list

    with tempfile.TemporaryFile() as handle:
        write_site_list(queryset, handle)
        handle.seek(0)
        sheet = load_workbook(handle, read_only=True).active
        return [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


def raw(rows, handle) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("示范点")
    for row in rows:
        sheet.append(row)
    workbook.save(handle)


def export_vs_raw(queryset, rounds: int = 3) -> dict:
    from sites.exports import write_site_list

    rows = rows_in_memory(queryset)
    ours, theirs = [], []
    for _ in range(rounds):
        for label, times in (("ours", ours), ("raw", theirs)):
            with tempfile.TemporaryFile() as handle:
                start = time.perf_counter()
                if label == "ours":
                    write_site_list(queryset, handle)
                else:
                    raw(rows, handle)
                times.append(time.perf_counter() - start)
    ours_rate, raw_rate = len(rows) / statistics.median(ours), len(rows) / statistics.median(theirs)
    del rows
    return {
        "rows": ours and int(ours_rate * statistics.median(ours) + 0.5),
        "ours_rows_per_s": round(ours_rate),
        "raw_rows_per_s": round(raw_rate),
        "ratio": round(ours_rate / raw_rate, 3),
    }


def export_memory(username: str) -> float | None:
    """Peak memory growth (MB) of one export, measured in a fresh process (this one's allocator already holds the
    memory of the rows read above)."""
    import json
    import os
    import subprocess

    out = subprocess.run(  # noqa: S603 - this script itself, with fixed arguments
        [sys.executable, __file__, "--memory-only", "--user", username],
        capture_output=True,
        text=True,
        env=os.environ,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])["peak_memory_growth_mb"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--user", default="staff")
    parser.add_argument("--memory-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    setup()
    from django.contrib.auth import get_user_model

    from sites.exports import filtered_sites, write_site_list

    user = get_user_model().objects.get(username=args.user)
    queryset = filtered_sites(user, "")
    if args.memory_only:
        import json

        queryset.exists()  # connect first: the connection is not the export's memory
        with tempfile.TemporaryFile() as handle:
            growth = peak_growth_mb(lambda: write_site_list(queryset, handle))
        print(json.dumps({"peak_memory_growth_mb": round(growth, 1) if growth is not None else None}))
        return
    result = export_vs_raw(queryset, args.rounds)
    result["peak_memory_growth_mb"] = export_memory(args.user)
    print(result)
    print("target ≥ 80 % of raw:", "pass" if result["ratio"] >= 0.8 else "FAIL")


if __name__ == "__main__":
    main()
