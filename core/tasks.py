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


# --- E-mail copies of notifications (core.mail) -----------------------------------------------------------------


@shared_task(bind=True, name="core.tasks.send_notification_email", max_retries=None, acks_late=True)
def send_notification_email(self, notification_id: int) -> str:
    """Mail one notification; on failure retry with exponential backoff (60 s, 120 s, 240 s…) until the last
    attempt marks it failed (the database counts the attempts, so a sweep's job and a retry share the budget)."""
    from . import mail

    outcome = mail.email_send(notification_id)
    if outcome == mail.RETRY:
        raise self.retry(countdown=mail.backoff(self.request.retries or 0))
    return outcome


@shared_task(name="core.tasks.send_pending_emails")
def send_pending_emails() -> int:
    """Every few minutes: send the mails that were never queued (the broker was down) or whose job was lost."""
    from . import mail

    return mail.emails_send_pending()


@shared_task(name="core.tasks.purge_expired_exports")
def purge_expired_exports() -> int:
    """Hourly: remove background exports (and their files) older than EXPORT_JOB_TTL_HOURS."""
    from .exportjobs import jobs_purge_expired

    return jobs_purge_expired()
