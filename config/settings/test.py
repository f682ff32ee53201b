"""pytest: fast hashing, tasks run in-process, mail in memory.

DATABASE_URL and REDIS_URL still apply, so the same suite runs on SQLite and on PostgreSQL + Redis.
"""

from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-use-0123456789abcdef"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Tasks run eagerly in tests; the Celery integration test switches this off and starts a real worker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
MEDIA_ROOT = Path(env("TEST_MEDIA_ROOT", default=str(BASE_DIR / "var" / "test-media")))
JOB_QUEUE_DIR = BASE_DIR / "var" / "test-jobs"
# Tests use their own throwaway addresses; keep axes on so lockout is tested for real.
AXES_FAILURE_LIMIT = 5
