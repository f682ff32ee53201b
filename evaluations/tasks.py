"""Background jobs of evaluations. Tasks take ids, load, and call the module that does the work."""

from celery import shared_task

from . import rankings


@shared_task(name="evaluations.tasks.build_rankings")
def build_rankings(export_id: int) -> None:
    rankings.export_build(export_id)
