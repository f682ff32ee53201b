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
        indexes = [models.Index(fields=["site", "deleted_at", "category"])]
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
        constraints = [models.UniqueConstraint(fields=["material", "number"], name="version_number_once")]

    def __str__(self):
        return f"{self.material} v{self.number}"

    def get_absolute_url(self):
        return reverse("archives:download", args=[self.pk])
