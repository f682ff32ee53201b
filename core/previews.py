"""Uploads kept between an import's preview and its confirmation.

An import is checked and shown first; only the person who uploaded it may then confirm it, within the hour,
and the confirmation imports exactly the file that was previewed. The file is kept under
MEDIA_ROOT/imports/<kind>/ behind a signed token naming the file and the uploader; it is deleted once imported
(or refused), and an hourly job (core.tasks.purge_import_previews) removes what nobody confirmed.
"""

import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core import signing

TOKEN_MAX_AGE = 3600
SALT = "core.previews"


def _root() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


class PreviewStore:
    """The stored uploads of one kind of import ("sites", "users")."""

    def __init__(self, kind: str):
        self.kind = kind

    @property
    def folder(self) -> Path:
        path = _root() / self.kind
        path.mkdir(parents=True, exist_ok=True)
        return path

    def store(self, upload, user) -> tuple[Path, str]:
        """Write the upload to disk; returns its path and the token that lets `user` (only) confirm it."""
        name = f"{uuid.uuid4().hex}.xlsx"
        path = self.folder / name
        with open(path, "wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        token = signing.dumps({"kind": self.kind, "file": name, "user": user.pk}, salt=SALT)
        return path, token

    def path_of(self, token: str, user) -> Path | None:
        """The stored file of `user`'s token, or None when the token is forged, expired or someone else's."""
        try:
            data = signing.loads(token, salt=SALT, max_age=TOKEN_MAX_AGE)
        except signing.BadSignature:
            return None
        if not isinstance(data, dict) or data.get("kind") != self.kind or data.get("user") != user.pk:
            return None
        path = self.folder / Path(str(data.get("file", ""))).name
        return path if path.is_file() else None

    def discard(self, token: str, user) -> None:
        path = self.path_of(token, user)
        if path is not None:
            path.unlink(missing_ok=True)


def purge_stale(max_age: int = TOKEN_MAX_AGE) -> int:
    """Delete stored uploads older than a token lives (nobody can confirm them any more); returns how many."""
    cutoff = time.time() - max_age
    removed = 0
    for path in _root().glob("**/*.xlsx"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # removed meanwhile (imported, or another run)
            continue
    return removed
