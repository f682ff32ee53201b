"""A ledger of a site with 200 MB of files must not hold them in memory: the worker's resident memory may
grow by less than 50 MB while it builds the ZIP (sampled from /proc while the real task code runs)."""

import os
import threading
import time
from pathlib import Path

import pytest
from django.core.files import File

from archives import ledgers, services
from archives.models import Ledger

MB = 1024 * 1024
FILES, FILE_MB = 40, 5  # 200 MB


def rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc to read resident memory")
def test_ledger_of_200_mb_keeps_memory_growth_under_50_mb(site, cast, tmp_path, settings):
    settings.ARCHIVE_MAX_MB = {"pdf": 10}
    chunk = os.urandom(MB)  # incompressible, like real photos and scans
    for n in range(FILES):
        path = tmp_path / f"scan{n}.pdf"
        with open(path, "wb") as handle:
            handle.write(b"%PDF-1.4\n")
            for _ in range(FILE_MB):
                handle.write(chunk)
        with open(path, "rb") as handle:
            services.material_upload(
                site=site, by=cast.leader, category="meetings", year=2026, files=[File(handle, name=f"会议记录{n}.pdf")]
            )
        path.unlink()
    ledger = Ledger.objects.create(site=site, requested_by=cast.leader)

    baseline, peak, running = rss_bytes(), [0], [True]

    def sample():
        while running[0]:
            peak[0] = max(peak[0], rss_bytes())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        ledgers.build(ledger.pk)
    finally:
        running[0] = False
        sampler.join()
    ledger.refresh_from_db()
    growth = (peak[0] - baseline) / MB
    print(f"ledger of {FILES * FILE_MB} MB: zip {ledger.size / MB:.0f} MB, resident memory growth {growth:.1f} MB")
    assert ledger.status == Ledger.Status.DONE and ledger.size > FILES * FILE_MB * MB
    assert growth < 50
