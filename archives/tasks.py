"""Background jobs of archives: image processing after upload, and the trash purge."""

from celery import shared_task

from . import images, ledgers, services


@shared_task(name="archives.tasks.process_image")
def process_image(version_id: int) -> None:
    images.process_version(version_id)


@shared_task(name="archives.tasks.process_pending_images")
def process_pending_images() -> int:
    """Photos whose processing job was lost (queue down at upload time) are processed here."""
    pending = list(images.pending_versions().values_list("pk", flat=True)[:200])
    for version_id in pending:
        images.process_version(version_id)
    return len(pending)


@shared_task(name="archives.tasks.build_ledger")
def build_ledger(ledger_id: int) -> None:
    ledgers.build(ledger_id)


@shared_task(name="archives.tasks.expire_ledgers")
def expire_ledgers() -> int:
    return ledgers.expire()


@shared_task(name="archives.tasks.purge_trash")
def purge_trash() -> int:
    return services.purge_trash()
