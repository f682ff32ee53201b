"""ASGI entry point (not used by the default deployment, kept for completeness)."""

import os

from django.core.asgi import get_asgi_application

from config.startup import settle

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
application = get_asgi_application()

settle()  # every view imported, start-up objects out of the garbage collector's walks
