"""Background jobs of archives: image processing after upload, and the trash purge."""

from celery import shared_task

from . import images, services


@shared_task(name="archives.tasks.process_image")
def process_image(version_id: int) -> None:
    images.process_version(version_id)


@shared_task(name="archives.tasks.purge_trash")
def purge_trash() -> int:
    return services.purge_trash()
