"""A real Celery worker on Redis runs a job enqueued through the normal code path.

Runs when REDIS_URL is set and the database is one a second process can reach (PostgreSQL): `.ci/run`'s
second pass. Elsewhere it is skipped, and pytest's summary (-ra) says why.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app
from core import services
from core.models import JobHeartbeat
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set: no broker for a real worker"),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="a worker process cannot share the in-memory SQLite test database; runs on PostgreSQL",
    ),
]


def _database_url() -> str:
    """The test database (pytest-django renamed it), as a URL the worker process can use."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def media_root(settings, tmp_path):
    """One media folder for this process and the worker process (uploads written here, processed there)."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def worker(transactional_db, media_root):
    """A real worker process on its own queue, so no other worker on the same Redis can take our job."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "TEST_MEDIA_ROOT": str(media_root),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--queues",
            queue,
            "--without-mingle",
            "--without-gossip",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    saved = app.conf.task_always_eager, app.conf.task_default_queue
    app.conf.task_always_eager, app.conf.task_default_queue = False, queue
    try:
        yield process
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = saved
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_worker_runs_a_job_enqueued_by_a_service(worker):
    user = UserFactory(username="ops")
    beat = services.heartbeat_request(user=user)  # commits, then enqueues on commit: the normal path

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        beat.refresh_from_db()
        if beat.done or worker.poll() is not None:
            break
        time.sleep(0.5)

    if not beat.done:
        worker.terminate()
        output = worker.communicate(timeout=20)[0]
        pytest.fail(f"the worker did not run the job within 60 s; its output:\n{output[-4000:]}")
    assert beat.worker  # written by the worker process
    assert JobHeartbeat.objects.filter(pk=beat.pk, ran_at__isnull=False).count() == 1


def test_worker_cleans_an_uploaded_photo(worker):
    """The photo job runs in the real worker: metadata stripped and a thumbnail made (issue 5)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from archives import services as archive_services
    from tests.archives import samples
    from tests.factories import PartyOrganizationFactory, SiteFactory

    site = SiteFactory(organization=PartyOrganizationFactory())
    user = UserFactory(username="uploader")
    result = archive_services.material_upload(
        site=site,
        by=user,
        category="activity_photos",
        year=2026,
        files=[SimpleUploadedFile("现场.jpg", samples.jpeg_with_gps())],
    )
    version = result.materials[0].versions.get()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not version.processed:
        time.sleep(0.5)
        version.refresh_from_db()
    assert version.processed and version.thumbnail


def test_worker_builds_a_ledger(worker):
    """The ledger job runs in the real worker and leaves a downloadable ZIP (issue 5)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from archives import services as archive_services
    from archives.models import Ledger
    from tests.archives import samples
    from tests.factories import PartyOrganizationFactory, SiteFactory

    site = SiteFactory(organization=PartyOrganizationFactory())
    user = UserFactory(username="clerk")
    archive_services.material_upload(
        site=site,
        by=user,
        category="creation_plan",
        year=2026,
        files=[SimpleUploadedFile("方案.pdf", samples.pdf_bytes())],
    )
    ledger = archive_services.ledger_request(site=site, by=user)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and ledger.status != Ledger.Status.DONE:
        time.sleep(0.5)
        ledger.refresh_from_db()
    assert ledger.status == Ledger.Status.DONE and ledger.total_files == 1 and ledger.file
