"""Background jobs of supervision: take ids, call a service."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def send_reminders(assignment_ids: list[int] | None = None) -> int:
    """Send the reminders that are due (the periodic job, and right after a task is published). Exactly once per
    step and site however often it runs (supervision.reminders)."""
    from .reminders import reminders_send

    return reminders_send(assignment_ids=assignment_ids)


def send_reminders_soon(assignment_ids: list[int] | None = None) -> None:
    """Queue `send_reminders` once the current transaction commits (a task just published, its due date moved).
    Never fails the caller: with the broker down nothing is lost, the periodic run sends them when it is back."""
    from django.db import transaction

    def enqueue():
        try:
            send_reminders.delay(assignment_ids=list(assignment_ids) if assignment_ids is not None else None)
        except Exception:  # kombu.exceptions.OperationalError and the like: the beat covers it
            logger.warning("could not queue the reminders of tasks %s; the periodic run will send them", assignment_ids)

    transaction.on_commit(enqueue, robust=True)


@shared_task(name="supervision.tasks.build_board")
def build_board(job_id: int) -> None:
    """The board's workbook of a background export (supervision.exports.board_job_build)."""
    from core.exportjobs import job_run

    from .exports import board_job_build

    job_run(job_id, board_job_build)
