"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

from config.startup import settle

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
application = get_wsgi_application()

settle()  # every view imported, start-up objects out of the garbage collector's walks
