"""Writes shared by every app: the audit trail and background-job heartbeats."""

import socket
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from .models import AuditEntry, JobHeartbeat


def audit_record(*, actor, action: str, target: models.Model, changes: dict | None = None, reason: str = ""):
    """Record who did what to `target`. Call it inside the service's transaction so both land or neither."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        object_id=str(target.pk),
        object_repr=str(target)[:200],
        changes=changes or {},
        reason=reason,
    )


def heartbeat_request(*, user) -> JobHeartbeat:
    """Create a pending heartbeat and enqueue the job that completes it, once the row is committed."""
    from .tasks import record_heartbeat  # tasks import services; import here to keep the cycle out

    with transaction.atomic():
        beat = JobHeartbeat.objects.create(
            source=JobHeartbeat.Source.MANUAL, requested_by=user, requested_at=timezone.now()
        )
        transaction.on_commit(lambda: record_heartbeat.delay(source=JobHeartbeat.Source.MANUAL, heartbeat_id=beat.pk))
    return beat


def heartbeat_record(*, source: str, heartbeat_id: int | None = None) -> JobHeartbeat:
    """Mark a requested heartbeat done, or write a new one for the scheduler."""
    now = timezone.now()
    worker = socket.gethostname()
    if heartbeat_id is not None:
        JobHeartbeat.objects.filter(pk=heartbeat_id).update(ran_at=now, worker=worker)
        return JobHeartbeat.objects.get(pk=heartbeat_id)
    # The scheduler's heartbeats need only the latest; keep the table from growing a row a minute forever.
    JobHeartbeat.objects.filter(source=source, ran_at__lt=now - timedelta(days=1)).delete()
    return JobHeartbeat.objects.create(source=source, ran_at=now, worker=worker)


def notify(*, recipient, title: str, body: str = "", url: str = "", actor=None, kind: str = ""):
    """Leave an in-app message for `recipient` about what `actor` did. Nobody is told of their own act, and
    nobody, quietly, when there is no one to tell. `url` should lead to the very object (a page's anchor).
    `kind` names what it is about (AppConfig.notification_kinds): a declared kind is also mailed to a recipient
    who has an address and did not turn that kind off (core.mail), after commit and never failing the caller."""
    from . import mail
    from .models import EmailStatus, Notification

    if recipient is None or (actor is not None and getattr(actor, "pk", None) == recipient.pk):
        return None
    by_mail = mail.wants_email(recipient, kind)
    note = Notification.objects.create(
        recipient=recipient,
        title=title[:200],
        body=body,
        url=url[:500],
        kind=kind[:40],
        email_status=EmailStatus.PENDING if by_mail else EmailStatus.NONE,
    )
    if by_mail:
        # After commit, so the worker finds the row; a broker that is down leaves it pending for the sweep.
        mail.enqueue_on_commit(note.pk)
    return note


@transaction.atomic
def notification_open(*, notification) -> str:
    """Mark one notification read (the user opened it); returns where it leads."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification.url


def notifications_mark_all_read(*, user) -> int:
    return user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
