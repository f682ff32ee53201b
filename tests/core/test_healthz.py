"""/healthz: JSON for monitoring, 200 when healthy, 503 when the database (or broker) is not."""

from unittest import mock

import pytest
from django.db import OperationalError

from tests.factories import JobHeartbeatFactory


@pytest.mark.django_db
def test_healthy(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] in {"ok", "embedded"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_reports_the_last_scheduled_job(client):
    from django.utils import timezone

    beat = JobHeartbeatFactory(ran_at=timezone.now())
    assert client.get("/healthz").json()["last_scheduled_job"] == beat.ran_at.isoformat()


@pytest.mark.django_db
def test_database_unreachable_gives_503(client):
    with mock.patch("core.health.connection.cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error", "broker": mock.ANY, "last_scheduled_job": None}


@pytest.mark.django_db
def test_broker_unreachable_gives_503(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "error"
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
def test_embedded_queue_without_redis(client, settings, tmp_path):
    settings.REDIS_URL = ""
    settings.JOB_QUEUE_DIR = tmp_path
    assert client.get("/healthz").json()["broker"] == "embedded"


def test_healthz_needs_no_login_and_only_answers_get(client, db):
    assert client.get("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
