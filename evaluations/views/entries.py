"""One site in a round: its self-assessment and on-site sheets side by side (blindness applies)."""

from django.http import Http404

# PLACEHOLDER views: each is replaced by the real view; none may remain when the issue lands.


def entry_detail(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404
