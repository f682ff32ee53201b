"""Pages of supervision: assignments (工作任务). Placeholder until the assignments pages land."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.urls import path


@login_required
def target_detail(request, pk):
    raise Http404


urlpatterns: list = [path("targets/<int:pk>/", target_detail, name="target_detail")]
