"""Serving private uploads. Views check permissions first, then hand over to this.

In production nginx sends the file (X-Accel-Redirect to an `internal` location, see README), so Python
never streams large files; elsewhere Django streams it itself.
"""

from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponse


def content_disposition(filename: str, *, as_attachment: bool) -> str:
    """RFC 6266 header that keeps Chinese file names intact in every browser."""
    kind = "attachment" if as_attachment else "inline"
    ascii_fallback = filename.encode("ascii", "ignore").decode() or "download"
    ascii_fallback = ascii_fallback.replace('"', "")
    return f"{kind}; filename=\"{ascii_fallback}\"; filename*=UTF-8''{quote(filename)}"


def private_file_response(field_file, *, filename: str, as_attachment: bool = True, content_type: str = ""):
    prefix = settings.PRIVATE_MEDIA_ACCEL_PREFIX
    if prefix:
        response = HttpResponse(content_type=content_type or "application/octet-stream")
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(field_file.name)
    else:
        response = FileResponse(field_file.open("rb"), content_type=content_type or None)
    response["Content-Disposition"] = content_disposition(filename, as_attachment=as_attachment)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
