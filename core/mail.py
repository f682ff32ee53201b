"""E-mail copies of in-app notifications (站内通知的邮件副本).

A notification of a kind some app declares (AppConfig.notification_kinds) is also mailed to its recipient, unless
they have no address, are inactive, or turned that kind off (EmailOptOut). `notify` marks it pending and, once
the transaction commits, queues core.tasks.send_notification_email; queuing never fails the request (a broker
that is down leaves it pending, and the sweep core.tasks.send_pending_emails sends it later). Sending claims the
row under a lock that other workers skip, so two workers never both send one notification; a failure is retried
with backoff and, after the last attempt, marked failed with the error.
"""

import logging
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import EmailOptOut, EmailStatus, Notification

logger = logging.getLogger(__name__)

# Attempts in all (the first and its retries); the wait before retry n (0-based) is BACKOFF_SECONDS * 2**n.
MAX_ATTEMPTS = 5
BACKOFF_SECONDS = 60
# The sweep leaves a fresh notification to its own queued job for this long before sending it itself.
SWEEP_GRACE = timedelta(minutes=2)
ERROR_LENGTH = 300


def notification_kinds() -> dict[str, str]:
    """Every kind of notification that is also mailed, kind → label, as the apps declare them."""
    kinds: dict[str, str] = {}
    for config in apps.get_app_configs():
        kinds.update(getattr(config, "notification_kinds", None) or {})
    return kinds


def wants_email(user, kind: str) -> bool:
    """Whether a notification of `kind` to `user` should be mailed as well."""
    if not kind or kind not in notification_kinds():
        return False
    if user is None or not user.is_active or not (user.email or "").strip():
        return False
    return not EmailOptOut.objects.filter(user=user, kind=kind).exists()


def backoff(retries: int) -> int:
    """Seconds to wait before the retry that follows `retries` earlier retries: 60, 120, 240, 480…"""
    return BACKOFF_SECONDS * 2**retries


def site_url() -> str:
    return str(getattr(settings, "SITE_URL", "") or "http://localhost:8000").rstrip("/")


def absolute(url: str) -> str:
    if not url:
        return ""
    if url.startswith(("http://", "https://")):
        return url
    return site_url() + ("" if url.startswith("/") else "/") + url


def compose(note: Notification) -> EmailMessage:
    """The plain-text mail for one notification: its title as the subject; title, body, link and how to stop."""
    lines = [note.title]
    if note.body:
        lines += ["", note.body]
    if note.url:
        lines += ["", _("查看详情：%(url)s") % {"url": absolute(note.url)}]
    lines += [
        "",
        "—— ",
        _("此邮件由%(system)s自动发送，请勿直接回复。") % {"system": settings.SITE_TITLE},
        _("如不想再收到此类邮件，可在“通知设置”页面关闭：%(url)s")
        % {"url": absolute(reverse("core:notification_settings"))},
    ]
    return EmailMessage(
        subject=" ".join(note.title.split()),  # one line: a header cannot hold a newline
        body="\n".join(lines) + "\n",
        to=[note.recipient.email],
    )


def enqueue(notification_id: int) -> bool:
    """Queue the job that mails one notification. Never raises: with the broker down the notification stays
    pending and the sweep sends it later."""
    from .tasks import send_notification_email

    try:
        send_notification_email.delay(notification_id)
    except Exception:  # the broker is down (kombu.exceptions.OperationalError) or refuses: the sweep covers it
        logger.warning("could not queue the e-mail of notification %s; the sweep will send it", notification_id)
        return False
    return True


def enqueue_on_commit(notification_id: int) -> None:
    transaction.on_commit(lambda: enqueue(notification_id), robust=True)


SENT, RETRY, FAILED, SKIPPED = "sent", "retry", "failed", "skipped"


def email_send(notification_id: int, *, now=None) -> str:
    """Mail one pending notification, exactly once however many workers try: the row is locked while it is sent
    and other workers skip it (then find it no longer pending). Returns SENT, RETRY (failed, try again later),
    FAILED (failed for the last time) or SKIPPED (nothing to do: sent already, taken by another worker, or no
    longer wanted)."""
    with transaction.atomic():
        note = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, email_status=EmailStatus.PENDING)
            .first()
        )
        if note is None:
            return SKIPPED
        if not wants_email(note.recipient, note.kind):  # address removed, deactivated or turned off since
            note.email_status = EmailStatus.NONE
            note.save(update_fields=["email_status"])
            return SKIPPED
        note.email_attempts += 1
        try:
            compose(note).send()
        except Exception as exc:
            last = note.email_attempts >= MAX_ATTEMPTS
            note.email_error = f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]
            if last:
                note.email_status = EmailStatus.FAILED
            note.save(update_fields=["email_attempts", "email_error", "email_status"])
            logger.warning(
                "e-mail of notification %s failed (attempt %s of %s): %s",
                note.pk,
                note.email_attempts,
                MAX_ATTEMPTS,
                note.email_error,
            )
            return FAILED if last else RETRY
        note.email_status = EmailStatus.SENT
        note.emailed_at = now or timezone.now()
        note.email_error = ""
        note.save(update_fields=["email_attempts", "email_error", "email_status", "emailed_at"])
        return SENT


def pending_overdue(now=None):
    """Pending mails whose own job should have run by now: older than the grace period plus the backoff of the
    attempts made so far (so the sweep does not hurry a retry that is waiting its turn)."""
    now = now or timezone.now()
    waited = models.Q()
    for attempts in range(MAX_ATTEMPTS):
        spent = timedelta(seconds=sum(backoff(n) for n in range(attempts)))
        waited |= models.Q(email_attempts=attempts, created_at__lt=now - SWEEP_GRACE - spent)
    return Notification.objects.filter(waited, email_status=EmailStatus.PENDING).order_by("created_at", "id")


def emails_send_pending(*, now=None, limit: int = 500) -> int:
    """The sweep: queue the pending mails that were never queued (the broker was down) or whose job was lost;
    when the broker still refuses, send them here. Returns how many were queued or sent."""
    count = 0
    for pk in list(pending_overdue(now).values_list("pk", flat=True)[:limit]):
        if enqueue(pk) or email_send(pk) in (SENT, RETRY, FAILED):
            count += 1
    return count


def email_preferences(user) -> list[tuple[str, str, bool]]:
    """(kind, label, receives e-mail) for every declared kind."""
    off = set(EmailOptOut.objects.filter(user=user).values_list("kind", flat=True))
    return [(kind, label, kind not in off) for kind, label in notification_kinds().items()]


@transaction.atomic
def email_preferences_save(*, user, receive: dict[str, bool]) -> None:
    """Turn e-mail on or off per kind (an EmailOptOut row for each kind turned off)."""
    kinds = notification_kinds()
    off = [kind for kind in kinds if not receive.get(kind, False)]
    EmailOptOut.objects.filter(user=user).exclude(kind__in=off).delete()
    existing = set(EmailOptOut.objects.filter(user=user).values_list("kind", flat=True))
    EmailOptOut.objects.bulk_create([EmailOptOut(user=user, kind=kind) for kind in off if kind not in existing])
