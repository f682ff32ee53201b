"""Background jobs of supervision: take ids, call a service."""

from celery import shared_task


@shared_task(acks_late=True)
def send_reminders(assignment_ids: list[int] | None = None) -> int:
    """Send the reminders that are due (the periodic job, and right after a task is published). Exactly once per
    step and site however often it runs (supervision.reminders)."""
    from .reminders import reminders_send

    return reminders_send(assignment_ids=assignment_ids)
