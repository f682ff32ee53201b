"""What every app shares: timestamps, the audit trail, background-job heartbeats. No domain knowledge."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Base for domain models: when a row was created and last changed."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """审计记录: who did what to which object and when, with the changed fields and the reason.

    Written only by services (core.services.audit_record), never edited; staff read it on object pages.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(_("操作"), max_length=64)
    content_type = models.ForeignKey(ContentType, verbose_name=_("对象类型"), on_delete=models.PROTECT)
    object_id = models.CharField(_("对象编号"), max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("对象"), max_length=200)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    reason = models.TextField(_("原因"), blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor or '-'} {self.action} {self.object_repr}"


class JobHeartbeat(models.Model):
    """后台任务心跳: proof that the worker ran a job, written by the job itself.

    The scheduler writes one every minute ("beat"); the system-status page can enqueue one ("manual") and
    wait for it, which shows an administrator that jobs really run.
    """

    class Source(models.TextChoices):
        BEAT = "beat", _("定时任务")
        MANUAL = "manual", _("手动检测")

    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    requested_at = models.DateTimeField(_("发起时间"), null=True, blank=True)
    ran_at = models.DateTimeField(_("执行时间"), null=True, blank=True, db_index=True)
    worker = models.CharField(_("执行进程"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("后台任务心跳")
        verbose_name_plural = _("后台任务心跳")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.get_source_display()} {self.ran_at or _('等待执行')}"

    @property
    def done(self) -> bool:
        return self.ran_at is not None


class EmailStatus(models.TextChoices):
    NONE = "", _("不发邮件")
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Notification(models.Model):
    """站内通知: a message to one user about one object (a material returned, a task due…), naming it and
    linking to it; read once the user opens it (or marks all read)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), related_name="notifications", on_delete=models.CASCADE
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    # What it is about ("assignment_reminder"…), declared by the apps (AppConfig.notification_kinds) so that a
    # user can turn e-mail off per kind; "" for the older kinds that have no e-mail.
    kind = models.CharField(_("类别"), max_length=40, blank=True, db_index=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # E-mail copy: pending until a worker sent it (or gave up); retried with backoff, and swept up by the
    # periodic job when the broker was down when it was queued (core.tasks.send_pending_emails).
    email_status = models.CharField(
        _("邮件状态"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.NONE, blank=True
    )
    email_attempts = models.PositiveSmallIntegerField(_("邮件发送次数"), default=0)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    email_error = models.CharField(_("邮件错误"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["email_status", "created_at"], name="notification_email_queue"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        # Through the view that marks it read, then on to the object.
        return reverse("core:notification_open", args=[self.pk])


class EmailOptOut(models.Model):
    """邮件免打扰: a user turned e-mail off for one kind of notification (the in-app message still comes)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), related_name="email_opt_outs", on_delete=models.CASCADE
    )
    kind = models.CharField(_("通知类别"), max_length=40)

    class Meta:
        verbose_name = _("邮件免打扰")
        verbose_name_plural = _("邮件免打扰")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="email_opt_out_once")]

    def __str__(self):
        return f"{self.user} · {self.kind}"


class ExportJob(models.Model):
    """后台导出: a file too big to build during a request (a long Excel list), built by a background job of the app
    that owns the data (`kind` names its task, e.g. "sites.site_list"); `parameters` are what the job needs to
    build the same file again (the list's query string), re-checked against the user's data scope when it runs.
    The file is private: only the user who asked for it downloads it (core.views.export_file), and jobs expire
    (core.tasks.purge_expired_exports)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    IN_PROGRESS = (Status.QUEUED, Status.RUNNING)

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), related_name="export_jobs", on_delete=models.CASCADE
    )
    kind = models.CharField(_("类型"), max_length=50)
    title = models.CharField(_("名称"), max_length=200)
    parameters = models.JSONField(_("参数"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    done_rows = models.PositiveIntegerField(_("已写入行数"), default=0)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    file = models.FileField(_("文件"), upload_to="exports/", blank=True, max_length=300)
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台导出")
        verbose_name_plural = _("后台导出")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.title} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def in_progress(self) -> bool:
        return self.status in self.IN_PROGRESS

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, int(100 * self.done_rows / self.total_rows)) if self.total_rows else 0
