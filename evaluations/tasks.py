"""Background jobs of evaluations. Tasks take ids, load, and call the module that does the work."""

from celery import shared_task

from . import rankings, result_store, supervision_lines


@shared_task(name="evaluations.tasks.build_rankings")
def build_rankings(export_id: int) -> None:
    rankings.export_build(export_id)


@shared_task(name="evaluations.tasks.sync_supervision_lines")
def sync_supervision_lines() -> dict:
    """Nightly: the automatic deduction and bonus lines of rounds being scored or scored, from supervision records
    (published rounds change only through staff action: supervision_lines' docstring)."""
    return {str(pk): counts for pk, counts in supervision_lines.sync_open_rounds().items()}


@shared_task(name="evaluations.tasks.refresh_results", acks_late=True)
def refresh_results(round_id: int) -> bool:
    """A large round's stored results recomputed right after an input changed (result_store.refresh_soon)."""
    return result_store.refresh(round_id)
