"""Choices of evaluations (DOMAIN.md §5): round statuses, stages, sheet states, aggregation methods."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    SELF_ASSESSMENT = "self_assessment", _("自评中")
    SCORING = "scoring", _("实地考评中")
    SCORED = "scored", _("评分完成")
    PUBLISHED = "published", _("结果公示中")
    FINALIZED = "finalized", _("已定案")


# Statuses after scoring closed: sheets are locked (unless reopened with a reason) and results can be computed.
CLOSED_STATUSES = ("scored", "published", "finalized")


class Stage(models.TextChoices):
    """What a round does for a site, following from the site's state when it joins the round."""

    ACCEPTANCE = "acceptance", _("验收")
    REVIEW = "review", _("复评")
    INSPECTION = "inspection", _("年检")


class SheetKind(models.TextChoices):
    ONSITE = "onsite", _("实地评分")
    SELF = "self", _("自评")


class SheetStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未开始")
    IN_PROGRESS = "in_progress", _("评分中")
    SUBMITTED = "submitted", _("已提交")
    EXCUSED = "excused", _("免评")


class SheetSource(models.TextChoices):
    ONLINE = "online", _("在线评分")
    KEYED = "keyed", _("代录纸质评分表")
    IMPORTED = "imported", _("导入纸质评分表")


class Aggregation(models.TextChoices):
    MEAN = "mean", _("算术平均")
    MEDIAN = "median", _("中位数")
    TRIMMED = "trimmed", _("去掉一个最高分和一个最低分后平均（五人及以上）")


class AdjustmentKind(models.TextChoices):
    DEDUCTION = "deduction", _("扣分")
    BONUS = "bonus", _("加分")


class AdjustmentSource(models.TextChoices):
    """Where a deduction or bonus line comes from: entered by staff, or derived from supervision records."""

    MANUAL = "manual", _("人工录入")
    CRITICISM = "criticism", _("通报批评")
    LATE_ANSWER = "late_answer", _("逾期报送")
    OVERDUE_RECTIFICATION = "overdue_rectification", _("逾期未整改")
    EXPERIENCE = "experience", _("典型经验推广")


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("待答复")
    UPHELD = "upheld", _("异议成立")
    REJECTED = "rejected", _("异议不成立")
