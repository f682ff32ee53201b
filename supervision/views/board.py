"""Pages of supervision: the board (督办看板). Placeholder until the board lands."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path


@login_required
def board(request):
    return HttpResponse("")


urlpatterns: list = [path("", board, name="board")]
