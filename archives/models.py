"""Materials (创建材料): a site's evidence for the checklist items, each with its file versions."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

from .choices import MaterialCategory, ReviewState


def version_path(instance, filename):
    # Never the uploader's file name in the path: it is kept in original_name and sent in Content-Disposition.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"archives/{instance.material.site_id}/{instance.material_id}/{uuid.uuid4().hex}.{extension}"


def thumbnail_path(instance, filename):
    return f"archives/{instance.material.site_id}/{instance.material_id}/thumb-{uuid.uuid4().hex}.jpg"


class Material(TimeStampedModel):
    """创建材料: one piece of a site's archive, in a category, possibly evidencing standard items.

    Deleting only moves it to the site's trash (deleted_at); files go only when the purge job finds them
    past the retention period."""

    site = models.ForeignKey("sites.Site", verbose_name=_("示范点"), related_name="materials", on_delete=models.PROTECT)
    category = models.CharField(_("类别"), max_length=20, choices=MaterialCategory.choices)
    title = models.CharField(_("标题"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    items = models.ManyToManyField(
        "standards.Item", verbose_name=_("佐证的评分项"), blank=True, related_name="materials"
    )
    description = models.TextField(_("说明"), blank=True)
    link = models.URLField(_("视频链接"), blank=True, help_text=_("汇报片可以是文件，也可以是视频网址"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, related_name="+", on_delete=models.SET_NULL
    )
    state = models.CharField(
        _("审核状态"), max_length=12, choices=ReviewState.choices, default=ReviewState.SUBMITTED, db_index=True
    )
    review_reason = models.TextField(_("退回原因"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_as_staff = models.BooleanField(
        _("工作人员审核"),
        default=False,
        help_text=_("审核结论由组织部工作人员作出：区县联络员和督查指导员不能改变它，上传新版本后重新审核"),
    )
    is_public = models.BooleanField(_("公开展示"), default=False, help_text=_("仅工作人员可设置，用于示范点展示页"))
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True, db_index=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("删除人"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )

    class Meta:
        verbose_name = _("创建材料")
        verbose_name_plural = _("创建材料")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["site", "deleted_at", "category"]),
            # The review inbox: what waits for a decision, oldest first (archives.selectors.review_queue).
            models.Index(
                fields=["created_at", "id", "site"],  # the site too: the scope and the count from the index alone
                condition=models.Q(state=ReviewState.SUBMITTED, deleted_at__isnull=True),
                name="material_review_inbox",
            ),
            # The same waiting materials by site: a region-scoped reviewer's count (the inbox's and the menu
            # badge's) looks up each of the district's sites here, instead of reading every waiting material of
            # the city through the index above and keeping the district's tenth (issue 12, a city-sized district).
            models.Index(
                fields=["site"],
                condition=models.Q(state=ReviewState.SUBMITTED, deleted_at__isnull=True),
                name="material_pending_by_site",
            ),
            # What changed after a ledger was requested (archives.selectors.mark_ledger_changes).
            models.Index(fields=["updated_at"], name="material_updated_at"),
            models.Index(fields=["reviewed_at"], name="material_reviewed_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state=ReviewState.RETURNED) | ~models.Q(review_reason=""),
                name="material_returned_has_reason",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("archives:site", args=[self.site_id]) + f"#material-{self.pk}"


class MaterialVersion(models.Model):
    """材料版本: one uploaded file of a material. A replacement adds a version; none is ever overwritten."""

    material = models.ForeignKey(Material, verbose_name=_("材料"), related_name="versions", on_delete=models.CASCADE)
    number = models.PositiveIntegerField(_("版本"))
    file = models.FileField(_("文件"), upload_to=version_path, max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=255)
    kind = models.CharField(_("文件类型"), max_length=10)
    content_type = models.CharField(_("MIME 类型"), max_length=120)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    thumbnail = models.FileField(_("缩略图"), upload_to=thumbnail_path, blank=True, max_length=300)
    processed = models.BooleanField(_("已处理"), default=False, help_text=_("图片已去除元数据并生成缩略图"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, related_name="+", on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    restored_from = models.ForeignKey(
        "self", verbose_name=_("恢复自"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("材料版本")
        verbose_name_plural = _("材料版本")
        ordering = ["material", "-number"]
        indexes = [models.Index(fields=["uploaded_at"], name="version_uploaded_at")]
        constraints = [models.UniqueConstraint(fields=["material", "number"], name="version_number_once")]

    def __str__(self):
        return f"{self.material} v{self.number}"

    def get_absolute_url(self):
        return reverse("archives:download", args=[self.pk])


class Ledger(models.Model):
    """台账: a generated ZIP of a site's (or a region's) current materials with an index workbook.

    Built by a background job; downloadable until `expires_at`, then its file is removed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    site = models.ForeignKey(
        "sites.Site", verbose_name=_("示范点"), null=True, blank=True, related_name="ledgers", on_delete=models.CASCADE
    )
    region = models.ForeignKey(
        "accounts.Region", verbose_name=_("区划"), null=True, blank=True, related_name="+", on_delete=models.CASCADE
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, related_name="+", on_delete=models.SET_NULL
    )
    requested_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    done_files = models.PositiveIntegerField(_("已处理文件数"), default=0)
    total_files = models.PositiveIntegerField(_("文件总数"), default=0)
    file = models.FileField(_("台账文件"), upload_to="ledgers/", blank=True, max_length=300)
    size = models.PositiveBigIntegerField(_("大小（字节）"), default=0)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    error = models.TextField(_("错误信息"), blank=True)

    class Meta:
        verbose_name = _("台账")
        verbose_name_plural = _("台账")
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        scope = self.site or self.region or _("全市")
        return f"{scope} {self.requested_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done_files / self.total_files) if self.total_files else 0

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
