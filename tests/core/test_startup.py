"""A server process, once its WSGI application is loaded (config.wsgi → config.startup.settle), has imported every
view and frozen its start-up objects out of the garbage collector's walks (issue 12: full collections over them
were the board's districts tab's p95 spikes)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, json, sys
import config.wsgi
print(json.dumps({"frozen": gc.get_freeze_count(), "views": "supervision.views.board" in sys.modules}))
"""


def _probe(module_env: str) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": module_env}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_wsgi_application_settles_the_process():
    settled = _probe("config.settings.test")
    assert settled["views"] is True  # the URLconf, and with it every view, is imported before the first request
    assert settled["frozen"] > 50_000  # the project's modules, classes and patterns are frozen


def test_settle_leaves_new_garbage_collectable():
    import gc

    from config.startup import settle

    before = gc.get_freeze_count()
    try:
        settle()
        assert gc.get_freeze_count() >= before
        cycle = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1  # what is made after settling is collected as before
    finally:
        gc.unfreeze()
