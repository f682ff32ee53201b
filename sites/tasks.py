"""Background jobs of the sites app. Tasks take ids, load, and call the code that does the work."""

from celery import shared_task


@shared_task(name="sites.tasks.build_site_list")
def build_site_list(job_id: int) -> None:
    """The site list workbook of a background export (sites.exports.site_list_job_build)."""
    from core.exportjobs import job_run

    from .exports import site_list_job_build

    job_run(job_id, site_list_job_build)
