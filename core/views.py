"""Pages every deployment has: the health check and the system status of background jobs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.permissions import require_permission

from . import health, services
from .files import private_file_response
from .http import is_htmx
from .models import ExportJob, JobHeartbeat


@never_cache
@require_GET
def healthz(request):
    """For load balancers and monitoring: 200 when healthy, 503 when the database (or broker) is not."""
    healthy, report = health.health_report()
    return JsonResponse(report, status=200 if healthy else 503)


@login_required
def notifications(request):
    """The user's in-app messages, newest first. Each is marked read when the user opens it (or all at once with
    the button): only looking at the list does not, so nothing is lost by a glance."""
    items = list(request.user.notifications.all()[:100])
    unread = sum(1 for note in items if note.read_at is None)
    return render(
        request,
        "core/notifications.html",
        {"items": items, "unread": unread, "breadcrumbs": [(_("通知"), None)]},
    )


@login_required
def notification_open(request, pk: int):
    """Mark the notification read and go to what it is about."""
    note = get_object_or_404(request.user.notifications, pk=pk)
    url = services.notification_open(notification=note)
    ours = url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return redirect(url if url and ours else "core:notifications")


@require_POST
@login_required
def notifications_read(request):
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("已将 %(count)s 条通知标为已读。") % {"count": count})
    return redirect("core:notifications")


@require_permission("core.view_jobheartbeat")
def system_status(request):
    _healthy, report = health.health_report()
    words = {"ok": _("正常"), "error": _("异常"), "embedded": _("内置队列（无需 Redis）")}
    beat = health.last_beat()
    status_rows = [
        (_("数据库"), words[report["database"]]),
        (_("任务队列"), words[report["broker"]]),
        (_("最近一次定时任务"), date_format(localtime(beat.ran_at), "Y-m-d H:i:s") if beat else _("尚未执行")),
    ]
    recent = JobHeartbeat.objects.select_related("requested_by")[:10]
    return render(
        request,
        "core/system_status.html",
        {"status_rows": status_rows, "recent": recent, "breadcrumbs": [(_("系统状态"), None)]},
    )


@require_POST
@require_permission("core.view_jobheartbeat")
def heartbeat_request(request):
    beat = services.heartbeat_request(user=request.user)
    if is_htmx(request):
        return render(request, "core/_heartbeat.html", {"beat": beat})
    messages.success(request, _("检测任务已进入队列，稍后刷新本页查看执行结果。"))
    return redirect("core:system_status")


@require_permission("core.view_jobheartbeat")
def heartbeat_detail(request, pk: int):
    beat = get_object_or_404(JobHeartbeat, pk=pk)
    return render(request, "core/_heartbeat.html", {"beat": beat})


@login_required
def notification_settings(request):
    """通知设置: per kind of notification, whether the user also receives it by e-mail (in-app always)."""
    from . import mail
    from .forms import NotificationSettingsForm

    bound = request.POST if request.method == "POST" else None  # every box off posts nothing, yet it is a save
    form = NotificationSettingsForm(bound, preferences=mail.email_preferences(request.user))
    if request.method == "POST" and form.is_valid():
        mail.email_preferences_save(user=request.user, receive=form.cleaned_data)
        messages.success(request, _("通知设置已保存。"))
        return redirect("core:notification_settings")
    return render(
        request,
        "core/notification_settings.html",
        {
            "form": form,
            "email": (request.user.email or "").strip(),
            "breadcrumbs": [(_("通知"), reverse("core:notifications")), (_("通知设置"), None)],
        },
    )


# --- background exports (core.exportjobs) ---------------------------------------------------------------------


def _own_job(request, pk) -> ExportJob:
    """A job of the user's own, or 404: another user's export does not exist for them."""
    return get_object_or_404(ExportJob, pk=pk, requested_by=request.user)


@require_GET
@login_required
@never_cache
def export_status(request, pk):
    """The job's page; htmx polls its fragment (`HX-Request`) until the file is ready."""
    job = _own_job(request, pk)
    if is_htmx(request):
        return render(request, "core/_export_job.html", {"job": job})
    return render(
        request, "core/export_job.html", {"job": job, "breadcrumbs": [(_("后台导出"), None), (job.title, None)]}
    )


@require_GET
@login_required
def export_file(request, pk):
    job = _own_job(request, pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    return private_file_response(
        job.file,
        filename=job.file_name or job.file.name,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        fallback=f"export-{job.pk}",
    )
