"""The scorer's phone pages: my sheets, the score sheet, sync, photos, submit, conflict, return, files."""

from django.http import Http404

# PLACEHOLDER views: each is replaced by the real view; none may remain when the issue lands.


def my_sheets(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def service_worker(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def sheet_detail(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def sheet_sync(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def sheet_photo_upload(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def sheet_submit(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def sheet_conflict(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def sheet_return(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def evidence_file(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def photo_file(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404
