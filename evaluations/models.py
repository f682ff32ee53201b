"""Evaluation rounds and on-site scoring (DOMAIN.md §5, §8): rounds, teams, score sheets and their entries.

The next step (results) reads submitted on-site sheets; self-assessment sheets share the entry model but
never count (`ScoreSheet.kind`).
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

from .choices import (
    CLOSED_STATUSES,
    AdjustmentKind,
    AdjustmentSource,
    Aggregation,
    ObjectionStatus,
    RoundStatus,
    SheetKind,
    SheetSource,
    SheetStatus,
    Stage,
)

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
    "subsidy_amount",
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
    subsidy_amount = models.DecimalField(
        _("新授牌示范点经费补贴（元）"),
        default=Decimal("10000"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("定案时为每个新命名的正式示范点记录的补贴金额；为 0 表示不记录"),
    )

    opened_at = models.DateTimeField(_("启动时间"), null=True, blank=True)
    scoring_opened_at = models.DateTimeField(_("开始实地考评时间"), null=True, blank=True)
    scored_at = models.DateTimeField(_("评分完成时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公示时间"), null=True, blank=True)
    finalized_at = models.DateTimeField(_("定案时间"), null=True, blank=True)
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

    @property
    def is_closed(self) -> bool:
        """Scoring is over (scored, published or finalized): the results can be computed."""
        return self.status in CLOSED_STATUSES

    @property
    def policy_locked(self) -> bool:
        """The policy is edited until the results are published (DOMAIN.md §5)."""
        return self.status in (RoundStatus.PUBLISHED, RoundStatus.FINALIZED)


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
    # The 十有 sections' part of the total, kept with it (services._refresh_totals, _write_paper): the results break
    # ties on it, and summing it from a country's 30 million item scores took most of a round's computation.
    ten_haves = models.DecimalField(_("十有小计"), default=Decimal("0"), max_digits=7, decimal_places=2)
    # Each section's part of the total (section id → subtotal as text) for every section the sheet has an entry in,
    # kept the same way: the radar and the ranking workbook average them, which at a country's scale meant summing
    # 30 million item scores after every change. None on a sheet whose scores were written past the services
    # (rankings.sheet_section_subtotals sums those from their item scores).
    section_totals = models.JSONField(_("各部分小计"), null=True, blank=True, editable=False)
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
        indexes = [
            models.Index(fields=["scorer", "kind", "status"]),
            # The on-site sheets not done (publication.reopened_sheets, counted on every results page): few once a
            # round's scoring is over, found here instead of among a country round's 500,000 sheets.
            models.Index(
                fields=["entry"],
                condition=models.Q(kind="onsite") & ~models.Q(status__in=("submitted", "excused")),
                name="sheet_onsite_not_done",
            ),
        ]

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
        # A round's results sum and count the scores of a few items over every sheet (results.result_inputs): with
        # every column they read in one index, PostgreSQL answers from the index alone (an index-only scan), not
        # by visiting the 3,000,000 rows of a 10,000-site round one page at a time.
        indexes = [
            models.Index(fields=["item", "sheet", "present", "score"], name="itemscore_item_sheet_values"),
            # The few entries marked absent (results._votes finds the sites a veto or required item may fail).
            models.Index(fields=["item", "sheet"], condition=models.Q(present=False), name="item_score_absent"),
        ]

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


class Adjustment(models.Model):
    """扣分 / 加分: one itemized line of a site's deductions or bonus in a round, with its source and reason.

    Lines are entered by staff (`manual`) or derived from supervision records (notices of criticism, late answers,
    overdue rectification items, promoted experiences), which point at their record through `source_object` so
    that deriving them again adds nothing twice. A line is never deleted: it is withdrawn with a reason, so the
    explanation of a result can always show what was taken off and put back."""

    entry = models.ForeignKey(
        RoundSite, verbose_name=_("参评示范点"), related_name="adjustments", on_delete=models.PROTECT
    )
    kind = models.CharField(_("类别"), max_length=10, choices=AdjustmentKind.choices)
    source = models.CharField(
        _("来源"), max_length=24, choices=AdjustmentSource.choices, default=AdjustmentSource.MANUAL
    )
    points = models.DecimalField(
        _("分值"), max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    reason = models.TextField(_("事由"))
    source_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source_object = GenericForeignKey("source_type", "source_id")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, related_name="+", on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    withdraw_reason = models.TextField(_("撤销原因"), blank=True)

    class Meta:
        verbose_name = _("扣分加分")
        verbose_name_plural = _("扣分加分")
        ordering = ["entry", "kind", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(points__gt=0), name="adjustment_points_positive"),
            # An automatic line is derived once per record it comes from.
            models.UniqueConstraint(
                fields=["entry", "source", "source_type", "source_id"],
                condition=models.Q(source_id__isnull=False),
                name="adjustment_once_per_source",
            ),
        ]
        indexes = [models.Index(fields=["entry", "withdrawn_at"])]

    def __str__(self):
        sign = "−" if self.kind == AdjustmentKind.DEDUCTION else "+"
        return f"{self.entry.site} {sign}{self.points} {self.reason[:30]}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None

    @property
    def signed_points(self) -> Decimal:
        return -self.points if self.kind == AdjustmentKind.DEDUCTION else self.points


class Publication(models.Model):
    """公示: the results of a round as published for objections, with the fingerprint of their inputs.

    `results` keeps every site's published line (scores, grade, outcome, ranks) and `fingerprint` a hash of
    what they were computed from (sheets, deduction lines, policy), so any later change shows as a difference
    against what was published. Republishing after corrections adds a new number; the latest is current."""

    round = models.ForeignKey(Round, verbose_name=_("考评轮次"), related_name="publications", on_delete=models.CASCADE)
    number = models.PositiveSmallIntegerField(_("公示批次"), default=1)
    starts_on = models.DateField(_("公示开始"))
    ends_on = models.DateField(_("公示截止"))
    fingerprint = models.CharField(_("输入指纹"), max_length=64)
    results = models.JSONField(_("公示结果"), default=list)
    policy = models.JSONField(_("评分规则"), default=dict)
    reason = models.TextField(_("说明"), blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, related_name="+", on_delete=models.SET_NULL
    )
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("结果公示")
        verbose_name_plural = _("结果公示")
        ordering = ["round", "-number"]
        constraints = [models.UniqueConstraint(fields=["round", "number"], name="publication_number_once")]

    def __str__(self):
        return f"{self.round} 第{self.number}次公示"


def objection_file_path(instance, filename):
    return (
        f"objections/{instance.objection.entry.round_id}/{instance.objection_id}/{uuid.uuid4().hex}{_suffix(filename)}"
    )


class Objection(TimeStampedModel):
    """异议: a site leader's objection to a published result, answered by staff (upheld or rejected, with a
    reason). An upheld objection is acted on through the recorded paths (a deduction line withdrawn or corrected,
    a sheet reopened), which recompute the result."""

    entry = models.ForeignKey(
        RoundSite, verbose_name=_("参评示范点"), related_name="objections", on_delete=models.CASCADE
    )
    publication = models.ForeignKey(
        Publication, verbose_name=_("公示"), related_name="objections", on_delete=models.PROTECT
    )
    text = models.TextField(_("异议内容"))
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提出人"), null=True, related_name="+", on_delete=models.SET_NULL
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN, db_index=True
    )
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["entry__round", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status=ObjectionStatus.OPEN) | ~models.Q(answer=""),
                name="objection_answered_has_reason",
            )
        ]

    def __str__(self):
        return f"{self.entry.site} 的异议"

    @property
    def is_open(self) -> bool:
        return self.status == ObjectionStatus.OPEN


class ObjectionFile(models.Model):
    """异议附件: a file attached to an objection, validated by content like every upload."""

    objection = models.ForeignKey(Objection, verbose_name=_("异议"), related_name="files", on_delete=models.CASCADE)
    file = models.FileField(_("文件"), upload_to=objection_file_path, max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=255)
    kind = models.CharField(_("文件类型"), max_length=10)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("异议附件")
        verbose_name_plural = _("异议附件")
        ordering = ["objection", "id"]

    def __str__(self):
        return self.original_name


class Finalization(models.Model):
    """定案: the act that applied a round's results: which transitions, the batch, subsidies and rectification
    items it created (by id, so that an administrator's undo reverses exactly these), and the results as applied.
    An undone finalization stays on record with who undid it, when and why."""

    round = models.ForeignKey(Round, verbose_name=_("考评轮次"), related_name="finalizations", on_delete=models.CASCADE)
    fingerprint = models.CharField(_("输入指纹"), max_length=64)
    results = models.JSONField(_("定案结果"), default=list)
    batch = models.ForeignKey(
        "sites.Batch", verbose_name=_("授牌批次"), null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    created = models.JSONField(_("生成的记录"), default=dict)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("定案人"), null=True, related_name="+", on_delete=models.SET_NULL
    )
    finalized_at = models.DateTimeField(_("定案时间"), auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    undone_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    undo_reason = models.TextField(_("撤销原因"), blank=True)

    class Meta:
        verbose_name = _("定案记录")
        verbose_name_plural = _("定案记录")
        ordering = ["round", "-finalized_at", "-id"]
        constraints = [
            # At most one finalization of a round is in force.
            models.UniqueConstraint(
                fields=["round"], condition=models.Q(undone_at__isnull=True), name="one_finalization_in_force"
            )
        ]

    def __str__(self):
        return f"{self.round} 定案"


class RankingExport(models.Model):
    """排名表: the ranking workbook of a large round, built by a background job (small rounds' workbooks are
    written on request and never stored). The newest finished one of a round is kept; `fingerprint` is the
    results' inputs when it was built, so the page can say that the results have changed since."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    IN_PROGRESS = (Status.QUEUED, Status.RUNNING)

    round = models.ForeignKey(
        Round, verbose_name=_("考评轮次"), related_name="ranking_exports", on_delete=models.CASCADE
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, related_name="+", on_delete=models.SET_NULL
    )
    requested_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    done_rows = models.PositiveIntegerField(_("已写入行数"), default=0)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    sites = models.PositiveIntegerField(_("示范点数"), default=0)
    file = models.FileField(_("排名表文件"), upload_to="rankings/", blank=True, max_length=300)
    size = models.PositiveBigIntegerField(_("大小（字节）"), default=0)
    fingerprint = models.CharField(_("输入指纹"), max_length=64, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    error = models.TextField(_("错误信息"), blank=True)

    class Meta:
        verbose_name = _("排名表")
        verbose_name_plural = _("排名表")
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"{self.round} 排名表 {self.requested_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done_rows / self.total_rows) if self.total_rows else 0

    @property
    def in_progress(self) -> bool:
        return self.status in self.IN_PROGRESS


# --- stored results (result_store.py) -------------------------------------------------------------------------

SCORE = {"max_digits": 9, "decimal_places": 2}


class ResultsState(models.Model):
    """Whether a round's stored results (RoundResult rows) are current.

    Every write that changes what the results are computed from — a sheet, an item score, a deduction or bonus
    line, a site taking part, the round's policy, a site's name or domain, the standard's items — adds one to
    `inputs_version` (result_store.inputs_changed, from signals and from the bulk writes). The rows are current
    when `stored_version` equals it; otherwise the next page that reads them computes the round again. Kept apart
    from Round so that saving a Round read earlier can never write an old count back."""

    round = models.OneToOneField(
        Round, verbose_name=_("考评轮次"), primary_key=True, related_name="results_state", on_delete=models.CASCADE
    )
    inputs_version = models.PositiveBigIntegerField(_("输入版本"), default=0)
    stored_version = models.PositiveBigIntegerField(_("已存结果的版本"), null=True, blank=True)
    fingerprint = models.CharField(_("输入指纹"), max_length=64, blank=True)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    # Domain → section id → the mean over the domain's scored sites of their section average (the radar's second
    # series), computed with the rows.
    domain_sections = models.JSONField(_("领域板块平均"), default=dict, blank=True)
    # The tallies above the results list (result_store.counts), computed with the rows: counting 100,000 rows on
    # every page view cost more than the rest of the page. {} on rows stored before it existed.
    counts = models.JSONField(_("结果统计"), default=dict, blank=True)
    # The round's on-site sheets by status (sheet_tally.round_sheet_counts), current while `sheet_counts_version`
    # equals `inputs_version` (every sheet save, delete and bulk write moves it): the rounds list, the round page and
    # its progress count 500,000 sheets of a country's round otherwise, on every view.
    sheet_counts = models.JSONField(_("评分表状态统计"), default=dict, blank=True)
    sheet_counts_version = models.PositiveBigIntegerField(_("评分表统计的版本"), null=True, blank=True)

    class Meta:
        verbose_name = _("结果存储状态")
        verbose_name_plural = _("结果存储状态")

    def __str__(self):
        return f"{self.round_id} v{self.inputs_version}"

    @property
    def current(self) -> bool:
        return self.stored_version == self.inputs_version


class RoundResult(models.Model):
    """A site's computed result in a round (rules.SiteResult as a row), kept so that the results pages filter,
    sort and page in SQL instead of computing the whole round on every request (a country's round: 100,000 sites).
    Never edited: result_store writes a round's rows all at once from results.round_results."""

    round = models.ForeignKey(Round, verbose_name=_("考评轮次"), related_name="+", on_delete=models.CASCADE)
    entry = models.OneToOneField(
        RoundSite, verbose_name=_("参评示范点"), related_name="stored_result", on_delete=models.CASCADE
    )
    site = models.ForeignKey("sites.Site", verbose_name=_("示范点"), related_name="+", on_delete=models.CASCADE)
    position = models.PositiveIntegerField(_("列表顺序"))
    domain = models.CharField(_("领域"), max_length=20)
    stage = models.CharField(_("考评类型"), max_length=12)
    sheet_count = models.PositiveSmallIntegerField(_("评分表数"), default=0)
    mean = models.DecimalField(_("平均分"), null=True, **SCORE)
    median = models.DecimalField(_("中位数"), null=True, **SCORE)
    onsite = models.DecimalField(_("实地得分"), null=True, **SCORE)
    ten_haves = models.DecimalField(_("十有小计"), **SCORE)
    disagreement = models.DecimalField(_("分歧"), **SCORE)
    disagreement_flag = models.BooleanField(_("分歧较大"), default=False)
    deductions = models.DecimalField(_("扣分"), **SCORE)
    bonus_raw = models.DecimalField(_("加分（未封顶）"), **SCORE)
    bonus = models.DecimalField(_("加分"), **SCORE)
    final = models.DecimalField(_("最终得分"), null=True, **SCORE)
    passed = models.BooleanField(_("是否通过"), default=False)
    grade = models.TextField(_("等次"), blank=True)  # a policy's band label: any length
    grade_order = models.PositiveSmallIntegerField(_("等次顺序"), default=0)
    outcome = models.CharField(_("拟处理"), max_length=20, blank=True)
    outcome_label = models.TextField(_("拟处理说明"), blank=True)
    rank = models.PositiveIntegerField(_("总排名"), null=True)
    domain_rank = models.PositiveIntegerField(_("领域排名"), null=True)
    # The rest of the result, as result_store.as_row writes it: counted and dropped sheet ids, the reasons, the
    # failed veto and required items' votes, and the section averages over the counted sheets (the radar).
    facts = models.JSONField(_("明细"), default=dict)

    class Meta:
        verbose_name = _("考评结果")
        verbose_name_plural = _("考评结果")
        ordering = ["round", "position"]
        indexes = [
            models.Index(fields=["round", "position"], name="round_result_listing"),
            models.Index(fields=["round", "passed", "position"], name="round_result_passed"),
        ]

    def __str__(self):
        return f"{self.round_id} · {self.entry_id} · {self.final}"
