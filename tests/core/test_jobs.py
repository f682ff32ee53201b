"""Background jobs: the heartbeat an administrator can request, and the scheduled ones."""

import pytest
from django.conf import settings

from core import services
from core.models import JobHeartbeat
from core.tasks import clear_expired_sessions, record_heartbeat


def test_requesting_a_heartbeat_runs_the_job(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        beat = services.heartbeat_request(user=cast.admin)
    beat.refresh_from_db()
    assert beat.done
    assert beat.requested_by == cast.admin
    assert beat.worker


@pytest.mark.django_db
def test_scheduled_heartbeat_keeps_only_recent_rows():
    from django.utils import timezone

    old = JobHeartbeat.objects.create(source="beat", ran_at=timezone.now() - timezone.timedelta(days=2))
    pk = record_heartbeat(source="beat")
    assert JobHeartbeat.objects.filter(pk=pk, ran_at__isnull=False).exists()
    assert not JobHeartbeat.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_clear_expired_sessions_runs():
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.create(session_key="x" * 32, session_data="", expire_date=timezone.now() - timezone.timedelta(1))
    clear_expired_sessions()
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_beat_schedule_names_registered_tasks():
    from config.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks


def test_system_status_page_and_its_button(client, cast, django_capture_on_commit_callbacks):
    client.force_login(cast.admin)
    page = client.get("/system/").content.decode()
    assert "数据库" in page and "任务队列" in page and "检测后台任务" in page
    with django_capture_on_commit_callbacks(execute=True):
        fragment = client.post("/system/heartbeat/", HTTP_HX_REQUEST="true").content.decode()
    assert "等待后台任务进程执行" in fragment  # the first answer polls
    beat = JobHeartbeat.objects.get(source="manual")
    done = client.get(f"/system/heartbeat/{beat.pk}/").content.decode()
    assert "后台任务已执行" in done


@pytest.mark.parametrize("role", ["staff", "district", "leader", "scorer", "viewer"])
def test_system_status_is_for_administrators_only(client, cast, role):
    client.force_login(getattr(cast, role))
    assert client.get("/system/").status_code == 403
    assert client.post("/system/heartbeat/").status_code == 403


def test_without_htmx_the_button_redirects_with_a_message(client, cast, django_capture_on_commit_callbacks):
    client.force_login(cast.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/system/heartbeat/", follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/system/"
    assert 'class="alert alert-success' in html and "检测任务已进入队列" in html
