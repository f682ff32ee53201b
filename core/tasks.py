"""Background jobs that every deployment runs. Tasks take ids, and call a service."""

from celery import shared_task
from django.core import management

from . import services


@shared_task(name="core.tasks.record_heartbeat")
def record_heartbeat(source: str = "beat", heartbeat_id: int | None = None) -> int:
    return services.heartbeat_record(source=source, heartbeat_id=heartbeat_id).pk


@shared_task(name="core.tasks.clear_expired_sessions")
def clear_expired_sessions() -> None:
    management.call_command("clearsessions")


@shared_task(name="core.tasks.purge_import_previews")
def purge_import_previews() -> int:
    """Delete stored import uploads whose preview can no longer be confirmed (core.previews)."""
    from .previews import purge_stale

    return purge_stale()
