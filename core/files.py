"""Serving private uploads. Views check permissions first, then hand over to this.

In production nginx sends the file (X-Accel-Redirect to an `internal` location, see README), so Python
never streams large files; elsewhere Django streams it itself.
"""

import re
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponse


def ascii_name(filename: str, fallback: str = "download") -> str:
    """The name old clients see (filename=): the ASCII part of the real name when it says something,
    otherwise `fallback` (e.g. "material-12-v3"), always with the real name's extension."""
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    extension = re.sub(r"[^A-Za-z0-9]", "", extension)[:10]
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem.encode("ascii", "ignore").decode()).strip("._-")
    if sum(char.isalpha() for char in ascii_stem) < 3:  # "2026", "v2" or "" say nothing about the file
        ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "_", fallback).strip("._-") or "download"
    return f"{ascii_stem}.{extension}" if extension else ascii_stem


def content_disposition(filename: str, *, as_attachment: bool, fallback: str = "download") -> str:
    """RFC 6266 header that keeps Chinese file names intact in every browser (filename*), with a meaningful
    ASCII name for the rest (filename)."""
    kind = "attachment" if as_attachment else "inline"
    return f"{kind}; filename=\"{ascii_name(filename, fallback)}\"; filename*=UTF-8''{quote(filename)}"


def private_file_response(
    field_file, *, filename: str, as_attachment: bool = True, content_type: str = "", fallback: str = "download"
):
    prefix = settings.PRIVATE_MEDIA_ACCEL_PREFIX
    if prefix:
        response = HttpResponse(content_type=content_type or "application/octet-stream")
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(field_file.name)
    else:
        response = FileResponse(field_file.open("rb"), content_type=content_type or None)
    response["Content-Disposition"] = content_disposition(filename, as_attachment=as_attachment, fallback=fallback)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
