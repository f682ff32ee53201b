"""Round pages for staff: list, create, edit, the round page with its next step, sites, teams, assignment."""

from django.http import Http404

# PLACEHOLDER views: each is replaced by the real view; none may remain when the issue lands.


def round_list(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def round_create(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def round_detail(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def round_edit(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def round_step(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def round_sites(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def round_sites_add(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def round_sites_remove(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def team_list(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def team_create(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def team_edit(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def team_delete(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def assign(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404
