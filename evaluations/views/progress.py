"""Progress of a round for staff and team leaders: per site and per scorer, reminders, Excel export, excusals."""

from django.http import Http404

# PLACEHOLDER views: each is replaced by the real view; none may remain when the issue lands.


def progress(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def progress_export(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def remind(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def sheet_excuse(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def sheet_reinstate(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404
