"""Evaluation rounds and on-site scoring (DOMAIN.md §5, §8): rounds, teams, score sheets and their entries.

The next step (results) reads submitted on-site sheets; self-assessment sheets share the entry model but
never count (`ScoreSheet.kind`).
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

from .choices import Aggregation, RoundStatus, SheetKind, SheetSource, SheetStatus, Stage

POINTS = {"max_digits": 6, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


# The policy a round keeps from the start (DOMAIN.md §5), edited together in the round form's folded section.
POLICY_FIELDS = (
    "pass_threshold",
    "grade_bands",
    "aggregation",
    "disagreement_threshold",
    "deduction_criticism",
    "deduction_late_answer",
    "deduction_overdue_rectification",
    "bonus_experience",
    "bonus_cap",
    "publication_days",
    "inspection_interval",
)


def default_grade_bands() -> list[dict]:
    """DOMAIN.md §5: ≥ 90 优秀, ≥ 85 合格, otherwise 不合格 (the lowest band needs no entry)."""
    return [{"label": "优秀", "min": "90"}, {"label": "合格", "min": "85"}]


class Round(TimeStampedModel):
    """考评轮次: one year's evaluation of a set of sites against one frozen standard, with its policy.

    The policy (threshold, bands, method, deductions, bonus, publication days) is stored on the round from the
    start, so that a result can be recomputed years later exactly as it was decided."""

    name = models.CharField(_("名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    standard = models.ForeignKey(
        "standards.Standard", verbose_name=_("评分标准"), related_name="rounds", on_delete=models.PROTECT
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=RoundStatus.choices, default=RoundStatus.DRAFT, db_index=True
    )
    self_assessment_start = models.DateField(_("自评开始"), null=True, blank=True)
    self_assessment_end = models.DateField(_("自评截止"), null=True, blank=True)
    scoring_start = models.DateField(_("实地考评开始"), null=True, blank=True)
    scoring_end = models.DateField(_("实地考评截止"), null=True, blank=True)
    notes = models.TextField(_("说明"), blank=True)

    # Policy (DOMAIN.md §5 defaults).
    pass_threshold = models.DecimalField(_("合格分数线"), default=Decimal("85"), **POINTS)
    grade_bands = models.JSONField(_("等次划分"), default=default_grade_bands, blank=True)
    aggregation = models.CharField(
        _("实地得分计算方法"), max_length=10, choices=Aggregation.choices, default=Aggregation.TRIMMED
    )
    disagreement_threshold = models.DecimalField(_("评分分歧提示阈值（标准差）"), default=Decimal("8"), **POINTS)
    deduction_criticism = models.DecimalField(_("每次通报批评扣分"), default=Decimal("2"), **POINTS)
    deduction_late_answer = models.DecimalField(_("每项逾期报送扣分"), default=Decimal("0.5"), **POINTS)
    deduction_overdue_rectification = models.DecimalField(_("每项逾期未整改扣分"), default=Decimal("1"), **POINTS)
    bonus_experience = models.DecimalField(_("每项推广经验加分"), default=Decimal("1"), **POINTS)
    bonus_cap = models.DecimalField(_("加分上限"), default=Decimal("5"), **POINTS)
    publication_days = models.PositiveSmallIntegerField(
        _("公示天数"), default=5, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    inspection_interval = models.PositiveSmallIntegerField(
        _("年检周期（年）"), default=1, validators=[MinValueValidator(1), MaxValueValidator(2)]
    )

    opened_at = models.DateTimeField(_("启动时间"), null=True, blank=True)
    scoring_opened_at = models.DateTimeField(_("开始实地考评时间"), null=True, blank=True)
    scored_at = models.DateTimeField(_("评分完成时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("考评轮次")
        verbose_name_plural = _("考评轮次")
        ordering = ["-year", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["name", "year"], name="round_unique_name_per_year"),
            models.CheckConstraint(
                condition=models.Q(pass_threshold__lte=100) & models.Q(bonus_cap__lte=100),
                name="round_policy_within_100",
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.year}）"

    def get_absolute_url(self):
        return reverse("evaluations:round", args=[self.pk])

    def clean(self):
        errors = {}
        start, end = self.self_assessment_start, self.self_assessment_end
        if start and end and end < start:
            errors["self_assessment_end"] = _("自评截止日期不能早于开始日期")
        if self.scoring_start and self.scoring_end and self.scoring_end < self.scoring_start:
            errors["scoring_end"] = _("实地考评截止日期不能早于开始日期")
        if self.self_assessment_start and self.scoring_start and self.scoring_start < self.self_assessment_start:
            errors["scoring_start"] = _("实地考评不能早于自评开始")
        from .rules import grade_bands_problem

        problem = grade_bands_problem(self.grade_bands)
        if problem:
            errors["grade_bands"] = problem
        if errors:
            raise ValidationError(errors)

    @property
    def is_draft(self) -> bool:
        return self.status == RoundStatus.DRAFT

    @property
    def is_scoring(self) -> bool:
        return self.status == RoundStatus.SCORING


class Team(models.Model):
    """验收组: a leader and scorers sent to a set of a round's sites."""

    round = models.ForeignKey(Round, verbose_name=_("考评轮次"), related_name="teams", on_delete=models.CASCADE)
    name = models.CharField(_("名称"), max_length=100)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("组长"),
        null=True,
        blank=True,
        related_name="led_teams",
        on_delete=models.PROTECT,
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("评分人员"), related_name="scoring_teams", blank=True
    )

    class Meta:
        verbose_name = _("验收组")
        verbose_name_plural = _("验收组")
        ordering = ["round", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "name"], name="team_unique_name_in_round")]

    def __str__(self):
        return self.name


class RoundSite(models.Model):
    """参评示范点: a site in a round, at the stage its state gave it, sent to one team."""

    round = models.ForeignKey(Round, verbose_name=_("考评轮次"), related_name="entries", on_delete=models.CASCADE)
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("示范点"), related_name="round_entries", on_delete=models.PROTECT
    )
    stage = models.CharField(_("考评类型"), max_length=12, choices=Stage.choices)
    team = models.ForeignKey(
        Team, verbose_name=_("验收组"), null=True, blank=True, related_name="entries", on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("参评示范点")
        verbose_name_plural = _("参评示范点")
        ordering = ["round", "site__region__path", "site__name"]
        constraints = [models.UniqueConstraint(fields=["round", "site"], name="round_site_once")]
        indexes = [models.Index(fields=["round", "team"])]

    def __str__(self):
        return f"{self.round} · {self.site}"


class ScoreSheet(TimeStampedModel):
    """评分表: one scorer's scores for one site in a round (or the site leader's self-assessment, kind "self").

    `version` counts applied entry changes: the phone sends each change with the version it was based on
    (per item, see ItemScore.version); the sheet's own version lets a page notice that anything changed."""

    entry = models.ForeignKey(RoundSite, verbose_name=_("参评示范点"), related_name="sheets", on_delete=models.CASCADE)
    kind = models.CharField(_("类型"), max_length=8, choices=SheetKind.choices, default=SheetKind.ONSITE)
    scorer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评分人"), related_name="score_sheets", on_delete=models.PROTECT
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=SheetStatus.choices, default=SheetStatus.NOT_STARTED, db_index=True
    )
    source = models.CharField(_("来源"), max_length=10, choices=SheetSource.choices, default=SheetSource.ONLINE)
    keyed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
        help_text=_("纸质评分表由工作人员代为录入或导入时，记录录入人"),
    )
    total = models.DecimalField(_("合计"), default=Decimal("0"), max_digits=7, decimal_places=2)
    scored_count = models.PositiveSmallIntegerField(_("已评项数"), default=0)
    version = models.PositiveIntegerField(_("版本"), default=0)
    remark = models.TextField(_("总体意见"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    first_submitted_at = models.DateTimeField(_("首次提交时间"), null=True, blank=True)
    excuse_reason = models.TextField(_("免评原因"), blank=True)
    excused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("免评办理人"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    is_conflict = models.BooleanField(_("申报回避"), default=False)
    returned_reason = models.TextField(_("退回原因"), blank=True)

    class Meta:
        verbose_name = _("评分表")
        verbose_name_plural = _("评分表")
        ordering = ["entry", "kind", "scorer__username"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "kind", "scorer"], name="sheet_once_per_scorer"),
            # One self-assessment per site in a round, whichever of its leaders fills it in.
            models.UniqueConstraint(
                fields=["entry"], condition=models.Q(kind=SheetKind.SELF), name="one_self_assessment_per_site"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=SheetStatus.EXCUSED) | ~models.Q(excuse_reason=""),
                name="sheet_excused_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["scorer", "kind", "status"])]

    def __str__(self):
        return f"{self.entry.site} · {self.scorer}"

    def get_absolute_url(self):
        if self.kind == SheetKind.SELF:
            return reverse("evaluations:self_assessment", args=[self.entry_id])
        return reverse("evaluations:sheet", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        return self.status in (SheetStatus.SUBMITTED, SheetStatus.EXCUSED)


class ItemScore(models.Model):
    """评分: a sheet's entry for one item. `score` is None until scored; presence items also keep `present`
    (a veto item is worth 0 points, so the score alone cannot say whether it was met)."""

    sheet = models.ForeignKey(ScoreSheet, verbose_name=_("评分表"), related_name="scores", on_delete=models.CASCADE)
    item = models.ForeignKey("standards.Item", verbose_name=_("评分项"), related_name="+", on_delete=models.PROTECT)
    score = models.DecimalField(_("得分"), null=True, blank=True, **POINTS)
    present = models.BooleanField(_("具备"), null=True, blank=True)
    level = models.CharField(_("等次"), max_length=20, blank=True)
    remark = models.TextField(_("备注"), blank=True)
    materials = models.ManyToManyField("archives.Material", verbose_name=_("佐证材料"), blank=True, related_name="+")
    version = models.PositiveIntegerField(_("版本"), default=0)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        constraints = [models.UniqueConstraint(fields=["sheet", "item"], name="item_score_once")]

    def __str__(self):
        return f"{self.item.code}: {self.score}"

    @property
    def is_scored(self) -> bool:
        return self.score is not None


class ScoreChange(models.Model):
    """评分修改记录: every change applied to a sheet, keyed by the client's id so a change delivered twice counts
    once. Changes after a first submission (`after_submission`) are shown on the sheet with who, when and why."""

    sheet = models.ForeignKey(ScoreSheet, verbose_name=_("评分表"), related_name="changes", on_delete=models.CASCADE)
    item = models.ForeignKey(
        "standards.Item", verbose_name=_("评分项"), null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    client_id = models.UUIDField(_("客户端编号"), default=uuid.uuid4, unique=True)
    old = models.JSONField(_("原值"), default=dict, blank=True)
    new = models.JSONField(_("新值"), default=dict, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, related_name="+", on_delete=models.SET_NULL
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    reason = models.TextField(_("原因"), blank=True)
    after_submission = models.BooleanField(_("提交后修改"), default=False)

    class Meta:
        verbose_name = _("评分修改记录")
        verbose_name_plural = _("评分修改记录")
        ordering = ["sheet", "at", "id"]

    def __str__(self):
        return f"{self.sheet} {self.at:%Y-%m-%d %H:%M}"


def photo_path(instance, filename):
    return f"evaluations/{instance.sheet.entry.round_id}/{instance.sheet_id}/{uuid.uuid4().hex}{_suffix(filename)}"


def photo_thumbnail_path(instance, filename):
    return f"evaluations/{instance.sheet.entry.round_id}/{instance.sheet_id}/thumb-{uuid.uuid4().hex}.jpg"


def _suffix(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:].lower()[:6] if dot >= 0 else ""


class SheetPhoto(models.Model):
    """现场照片: a photo a scorer took for an item, kept with the time it was taken."""

    sheet = models.ForeignKey(ScoreSheet, verbose_name=_("评分表"), related_name="photos", on_delete=models.CASCADE)
    item = models.ForeignKey("standards.Item", verbose_name=_("评分项"), related_name="+", on_delete=models.PROTECT)
    client_id = models.UUIDField(_("客户端编号"), default=uuid.uuid4, unique=True)
    file = models.FileField(_("文件"), upload_to=photo_path, max_length=300)
    thumbnail = models.FileField(_("缩略图"), upload_to=photo_thumbnail_path, blank=True, max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=255)
    kind = models.CharField(_("文件类型"), max_length=10)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    captured_at = models.DateTimeField(_("拍摄时间"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, related_name="+", on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("现场照片")
        verbose_name_plural = _("现场照片")
        ordering = ["sheet", "item", "captured_at", "id"]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("evaluations:photo", args=[self.pk])
