"""Background exports (core.models.ExportJob): the app that owns the data starts a job and builds the file in its own
Celery task through `job_run`; core keeps the job, serves the file to its owner only and removes expired jobs.

    job = job_request(user=request.user, kind="sites.site_list", title="示范点名单", parameters={...},
                      enqueue=lambda job_id: tasks.build_site_list.delay(job_id))
    # in the task:
    job_run(job_id, build)   # build(job, handle, progress) -> (file name, rows)
"""

import tempfile
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ExportJob


class ExportRefused(Exception):
    """The job may no longer be built (its owner lost the permission or the account): the message is shown."""


def job_request(*, user, kind: str, title: str, parameters: dict, enqueue: Callable[[int], object]) -> ExportJob:
    """Record the job and enqueue its build once the job is committed (the worker must find it)."""
    job = ExportJob.objects.create(requested_by=user, kind=kind, title=title, parameters=parameters)
    transaction.on_commit(lambda: enqueue(job.pk))
    return job


def job_run(job_id: int, build: Callable) -> ExportJob | None:
    """Build a job's file: `build(job, handle, progress)` writes into `handle` (a temporary file), calls
    `progress(done, total)` as it goes, and returns the file's name. Errors are recorded in Chinese on the job."""
    job = ExportJob.objects.select_related("requested_by").filter(pk=job_id).first()
    if job is None or job.status != ExportJob.Status.QUEUED:
        return job  # deleted (expired) meanwhile, or a duplicate delivery of the task
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING)

    def progress(done: int, total: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(done_rows=done, total_rows=total)

    try:
        with tempfile.TemporaryFile() as handle:
            name = build(job, handle, progress)
            handle.seek(0)
            job.refresh_from_db(fields=["done_rows", "total_rows"])
            job.file.save(f"export-{job.pk}.xlsx", File(handle), save=False)
            job.file_name = name
            job.status = ExportJob.Status.DONE
            job.done_rows = job.total_rows = max(job.done_rows, job.total_rows)
            job.finished_at = timezone.now()
            job.save()
    except ExportRefused as refusal:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, error=str(refusal), finished_at=timezone.now()
        )
    except Exception:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED,
            error=_("导出失败，请重试；如果仍然失败，请联系系统管理员。"),
            finished_at=timezone.now(),
        )
        raise
    return job


def jobs_purge_expired(now=None) -> int:
    """Delete jobs older than EXPORT_JOB_TTL_HOURS with their files (a download link is only good for a day)."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.EXPORT_JOB_TTL_HOURS)
    removed = 0
    for job in ExportJob.objects.filter(created_at__lt=cutoff):
        if job.file:
            job.file.storage.delete(job.file.name)
        job.delete()
        removed += 1
    return removed
