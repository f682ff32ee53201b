"""Background jobs of sites."""

from celery import shared_task

from . import imports


@shared_task(name="sites.tasks.purge_import_previews")
def purge_import_previews() -> int:
    """Delete stored import uploads whose preview can no longer be confirmed (older than the token's age)."""
    return imports.purge_stale_previews()
