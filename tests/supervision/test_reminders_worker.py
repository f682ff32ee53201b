"""The reminder ladder on the real stack: Redis, real Celery workers and a real `celery beat`.

Two jobs enqueued at once, taken by two worker processes, send each step once; beat, on a schedule of a second,
runs the ladder and the e-mail sweep again and again and still nothing goes out twice. Runs when REDIS_URL is
set and the database is PostgreSQL (`.ci/run`'s second pass), like tests/core/test_celery_integration.py.
"""

import datetime
import os
import re
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app
from core.models import EmailStatus, Notification
from supervision import tasks
from supervision.models import Reminder
from tests.core.test_celery_integration import _database_url
from tests.supervision.test_reminders import make_task

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set: no broker for a real worker"),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="a worker process cannot share the in-memory SQLite test database; runs on PostgreSQL",
    ),
]

SITES = 12
LEADERS = 2


def _start(args, env, log: Path):
    handle = log.open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *args],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stop(processes):
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def stack(transactional_db, tmp_path):
    """Settings for our processes: the test database, our own queue (no other worker on this Redis takes our
    jobs) and a beat schedule of one second for the ladder and the e-mail sweep."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    (tmp_path / "beat_settings.py").write_text(
        textwrap.dedent(
            f"""
            from config.settings.test import *  # noqa: F403

            CELERY_TASK_DEFAULT_QUEUE = {queue!r}
            CELERY_BEAT_SCHEDULE_FILENAME = {str(tmp_path / "celerybeat-schedule")!r}
            CELERY_BEAT_SCHEDULE = {{
                "send-reminders": {{"task": "supervision.tasks.send_reminders", "schedule": 1.0}},
                "send-pending-emails": {{"task": "core.tasks.send_pending_emails", "schedule": 1.0}},
            }}
            """
        )
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "beat_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "DATABASE_URL": _database_url(),
        "TEST_MEDIA_ROOT": str(tmp_path / "media"),
    }
    processes = []
    saved = app.conf.task_always_eager, app.conf.task_default_queue
    app.conf.task_always_eager, app.conf.task_default_queue = False, queue

    def start(*args, name):
        processes.append(_start(args, env, tmp_path / f"{name}.log"))

    def logs(tail=3000):
        texts = [(log.name, log.read_text()) for log in sorted(tmp_path.glob("*.log"))]
        return "\n".join(f"--- {name}\n{text[-tail:] if tail else text}" for name, text in texts)

    try:
        yield start, logs, queue
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = saved
        _stop(processes)


def _worker_args(queue, name):
    return ["worker", "--pool=solo", "--prefetch-multiplier=1", "--queues", queue, "--hostname", f"{name}@%h",
            "--without-mingle",
            "--without-gossip", "--loglevel=INFO"]  # fmt: skip


def _wait(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return condition()


def _published_task():
    now = timezone.now()
    return make_task(
        sites=SITES,
        leaders=LEADERS,
        email=True,
        published_at=now - datetime.timedelta(minutes=1),
        due_at=now + datetime.timedelta(days=30),
    )


def _all_mailed():
    return (
        Notification.objects.count() == SITES * LEADERS
        and not Notification.objects.exclude(email_status=EmailStatus.SENT).exists()
    )


def test_two_jobs_at_once_on_two_workers_send_each_step_once(stack):
    start, logs, queue = stack
    assignment, people = _published_task()
    # Both jobs are waiting in the queue before the workers start, so the two workers take them together.
    tasks.send_reminders.delay()
    tasks.send_reminders.delay(assignment_ids=[assignment.pk])
    start(*_worker_args(queue, "one"), name="worker-one")
    start(*_worker_args(queue, "two"), name="worker-two")

    if not _wait(lambda: Reminder.objects.count() >= SITES and _all_mailed()):
        pytest.fail(f"the workers did not send the reminders within 60 s:\n{logs()}")
    time.sleep(2)  # anything late to the party would show now
    assert Reminder.objects.filter(assignment=assignment, step="published").count() == SITES
    assert Reminder.objects.count() == SITES
    assert Notification.objects.count() == SITES * LEADERS
    for users in people.values():
        for user in users:
            assert Notification.objects.filter(recipient=user).count() == 1
    # Each mail went out once: one attempt each, all sent.
    assert set(Notification.objects.values_list("email_status", "email_attempts")) == {(EmailStatus.SENT, 1)}
    # Between them the two jobs report every site once (typically split across the two workers: 5 and 7).
    worker_logs = logs(tail=None)
    sent = [
        int(n) for n in re.findall(r"supervision\.tasks\.send_reminders\[[^\]]+\] succeeded in \S+: (\d+)", worker_logs)
    ]
    assert len(sent) == 2 and sum(sent) == SITES, logs()


def test_beat_runs_the_ladder_and_the_sweep_and_nothing_goes_out_twice(stack):
    start, logs, queue = stack
    assignment, people = _published_task()
    # A mail whose job was lost while the broker was down: pending, ten minutes old.
    (user,) = people[min(people)][:1]
    stray = Notification.objects.create(
        recipient=user, title="积压的邮件", kind="rectification", email_status="pending"
    )
    Notification.objects.filter(pk=stray.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=10))

    start(*_worker_args(queue, "beat-worker"), name="worker")
    start("beat", "--loglevel=INFO", "--max-interval=1", name="beat")

    if not _wait(lambda: Reminder.objects.count() >= SITES):
        pytest.fail(f"beat and the worker did not send the reminders within 60 s:\n{logs()}")
    if not _wait(lambda: not Notification.objects.filter(email_status=EmailStatus.PENDING).exists()):
        pytest.fail(f"the mails did not go out within 60 s:\n{logs()}")
    # Let beat fire both jobs several more times.
    beats_before = logs(tail=None).count("Sending due task send-reminders")
    time.sleep(5)
    assert logs(tail=None).count("Sending due task send-reminders") >= beats_before + 2, logs()
    assert Reminder.objects.filter(assignment=assignment).count() == SITES
    assert Notification.objects.exclude(pk=stray.pk).count() == SITES * LEADERS
    stray.refresh_from_db()
    assert stray.email_status == EmailStatus.SENT and stray.email_attempts == 1
    assert set(Notification.objects.values_list("email_status", "email_attempts")) == {(EmailStatus.SENT, 1)}
