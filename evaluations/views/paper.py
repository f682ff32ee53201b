"""Paper fallback: printable pre-filled sheet, keying in a paper sheet, Excel import of a round's paper sheets."""

from django.http import Http404

# PLACEHOLDER views: each is replaced by the real view; none may remain when the issue lands.


def sheet_print(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def sheet_key_in(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def paper_import(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def paper_import_template(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def paper_import_confirm(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404
