"""Checks of the services the product depends on, for /healthz and the system-status page."""

from django.conf import settings
from django.db import connection

from .models import JobHeartbeat


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "not reachable" to a health check
        return "error"
    return "ok"


def broker_status() -> str:
    """'ok' when Redis answers a ping; 'embedded' for the filesystem queue of `make run`."""
    if not settings.REDIS_URL:
        queue = settings.JOB_QUEUE_DIR / "queue"
        try:
            queue.mkdir(parents=True, exist_ok=True)
        except OSError:
            return "error"
        return "embedded"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        return "ok" if client.ping() else "error"
    except redis.RedisError:
        return "error"


def last_beat():
    """The newest heartbeat written by the scheduler, or None."""
    try:
        return JobHeartbeat.objects.filter(source=JobHeartbeat.Source.BEAT, ran_at__isnull=False).first()
    except Exception:  # the database may be the thing that is down
        return None


def health_report() -> tuple[bool, dict]:
    db = database_status()
    broker = broker_status()
    beat = last_beat() if db == "ok" else None
    report = {
        "status": "ok" if db == "ok" and broker != "error" else "error",
        "database": db,
        "broker": broker,
        "last_scheduled_job": beat.ran_at.isoformat() if beat else None,
    }
    return report["status"] == "ok", report
