"""The site leader's self-assessment (自评)."""

from django.http import Http404

# PLACEHOLDER views: each is replaced by the real view; none may remain when the issue lands.


def self_assessment_list(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def self_assessment(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def self_assessment_save(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404


def self_assessment_submit(request, *args, **kwargs):  # PLACEHOLDER
    raise Http404
