"""`make run`: the product as it is, on one machine over plain HTTP (http://127.0.0.1:8000 by default).

Production-like: DEBUG off (visitors see the product's own 403/404/500 pages), gunicorn in front, static files
served by WhiteNoise, a real secret key. Unlike prod.py it has none of the HTTPS-only settings (SSL redirect,
HSTS, secure and __Host- cookies): browsers would refuse those cookies over http://, so nobody could log in.
Behind nginx with HTTPS, use prod.py.
"""

import os
import secrets
from pathlib import Path

from .base import *  # noqa: F403
from .base import MIDDLEWARE, STORAGES, VAR_DIR, env


def secret_key_from_file(path: Path) -> str:
    """The key kept in `path`, generated on first start (mode 0600) and reused afterwards, so sessions survive
    a restart. var/ is git-ignored, so the key is never committed.

    gunicorn's workers and the Celery worker may start side by side: each writes a private temporary file and
    hard-links it into place, which fails when the name already exists, so the first writer's key wins and
    nobody ever reads a half-written file."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.unlink(missing_ok=True)  # left over by a crashed start with the same process id
        with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
            file.write(secrets.token_urlsafe(50))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()


DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="") or secret_key_from_file(
    Path(env("SECRET_KEY_FILE", default=str(VAR_DIR / "secret_key")))
)
# ALLOWED_HOSTS: base's default (127.0.0.1, localhost); set it to serve other names (HOST=0.0.0.0 make run).

# WhiteNoise serves what collectstatic gathered (scripts/run.sh runs it on every start): hashed, compressed
# names, cached for a year by browsers. Right after SecurityMiddleware, as WhiteNoise asks.
_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware")
MIDDLEWARE = [*MIDDLEWARE[: _security + 1], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[_security + 1 :]]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
