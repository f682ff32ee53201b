"""Supervision (督办, DOMAIN.md §7). Rectification items come first: a round's finalization creates them for the
failed items of sites that stay, and guidance visits (next) create them from their findings."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

from .choices import RectificationStatus


class Rectification(TimeStampedModel):
    """整改事项: something a site must put right by a deadline, closed with evidence.

    `origin` is what raised it (a finalized round, a guidance visit): generic, because those live in apps above
    this one. An item past its deadline and still open carries a deduction in the year-end evaluation."""

    site = models.ForeignKey(
        "sites.Site", verbose_name=_("示范点"), related_name="rectifications", on_delete=models.CASCADE
    )
    title = models.CharField(_("整改事项"), max_length=200)
    detail = models.TextField(_("具体要求"), blank=True)
    item = models.ForeignKey(
        "standards.Item",
        verbose_name=_("对应评分项"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    due_on = models.DateField(_("整改期限"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=RectificationStatus.choices, default=RectificationStatus.OPEN, db_index=True
    )
    origin_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    origin_id = models.PositiveBigIntegerField(null=True, blank=True)
    origin = GenericForeignKey("origin_type", "origin_id")
    origin_label = models.CharField(_("来源"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提出人"), null=True, related_name="+", on_delete=models.SET_NULL
    )
    closed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    closing_note = models.TextField(_("整改情况"), blank=True)

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["site", "status", "due_on", "id"]
        indexes = [models.Index(fields=["origin_type", "origin_id"]), models.Index(fields=["status", "due_on"])]

    def __str__(self):
        return f"{self.site}：{self.title}"

    @property
    def is_open(self) -> bool:
        return self.status == RectificationStatus.OPEN
