"""Versioned standards (标准): the checklists sites are built and scored against (DOMAIN.md §4)."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.choices import Domain
from core.models import TimeStampedModel

from . import rules
from .choices import DEFAULT_LEVELS, MaterialCategory, ScoringKind, SectionKind, StandardPurpose, StandardStatus

SCORE = {"max_digits": 6, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class Standard(TimeStampedModel):
    """标准 (明白纸): one year's version of a checklist. Only drafts are edited; a round freezes the version
    it opens with, so its scores always refer to exactly these items. Next year's is made by copying."""

    name = models.CharField(_("名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"))
    purpose = models.CharField(
        _("用途"), max_length=16, choices=StandardPurpose.choices, default=StandardPurpose.EVALUATION
    )
    domains = models.JSONField(_("适用领域"), default=list, blank=True, help_text=_("为空表示适用全部领域"))
    status = models.CharField(_("状态"), max_length=16, choices=StandardStatus.choices, default=StandardStatus.DRAFT)
    total_score = models.DecimalField(_("总分"), default=Decimal("100"), **SCORE)
    notes = models.TextField(_("说明"), blank=True)
    copied_from = models.ForeignKey(
        "self", verbose_name=_("复制自"), null=True, blank=True, related_name="copies", on_delete=models.SET_NULL
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    frozen_at = models.DateTimeField(_("冻结时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("标准")
        verbose_name_plural = _("标准")
        ordering = ["-year", "purpose", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "year"], name="standard_unique_name_per_year"),
            models.CheckConstraint(condition=models.Q(total_score__gte=0), name="standard_total_not_negative"),
        ]

    def __str__(self):
        return f"{self.name}（{self.year}）"

    def get_absolute_url(self):
        return reverse("standards:detail", args=[self.pk])

    def clean(self):
        unknown = set(self.domains or []) - set(Domain.values)
        if unknown:
            raise ValidationError({"domains": _("未知的领域：%(codes)s") % {"codes": "、".join(sorted(unknown))}})

    @property
    def is_editable(self) -> bool:
        return self.status == StandardStatus.DRAFT

    @property
    def applicable_domains(self) -> list[str]:
        """The domains this standard applies to, in the order of Domain."""
        chosen = set(self.domains or Domain.values)
        return [code for code in Domain.values if code in chosen]


class Section(models.Model):
    """板块: an ordered group of items (十有, 六个有, 五个一, a domain's items, the veto items…).

    A section with a domain applies only to sites of that domain; the others apply to every site."""

    standard = models.ForeignKey(Standard, verbose_name=_("标准"), related_name="sections", on_delete=models.CASCADE)
    code = models.CharField(_("代码"), max_length=20)
    title = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=16, choices=SectionKind.choices, default=SectionKind.OTHER)
    domain = models.CharField(_("适用领域"), max_length=20, choices=Domain.choices, blank=True, default="")
    max_score = models.DecimalField(_("板块分值"), default=Decimal("0"), **SCORE)
    order = models.PositiveIntegerField(_("顺序"), default=0)
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("标准板块")
        verbose_name_plural = _("标准板块")
        ordering = ["standard", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "code"], name="section_unique_code_in_standard"),
            models.CheckConstraint(condition=models.Q(max_score__gte=0), name="section_max_not_negative"),
        ]

    def __str__(self):
        return self.title


class Item(models.Model):
    """评分项: one checklist item with its scoring guide (评分细则), maximum, scoring kind and evidence."""

    standard = models.ForeignKey(Standard, verbose_name=_("标准"), related_name="items", on_delete=models.CASCADE)
    section = models.ForeignKey(Section, verbose_name=_("板块"), related_name="items", on_delete=models.CASCADE)
    code = models.CharField(_("编号"), max_length=20)
    title = models.CharField(_("标题"), max_length=200)
    guide = models.TextField(_("评分细则"), blank=True)
    max_score = models.DecimalField(_("分值"), default=Decimal("0"), **SCORE)
    kind = models.CharField(_("评分方式"), max_length=16, choices=ScoringKind.choices, default=ScoringKind.POINTS)
    levels = models.JSONField(_("等次"), default=list, blank=True)
    is_veto = models.BooleanField(_("一票否决"), default=False)
    is_required = models.BooleanField(_("必须具备"), default=False)
    evidence_categories = models.JSONField(_("佐证材料类别"), default=list, blank=True)
    order = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("评分项")
        verbose_name_plural = _("评分项")
        ordering = ["section__order", "section_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "code"], name="item_unique_code_in_standard"),
            models.CheckConstraint(condition=models.Q(max_score__gte=0), name="item_max_not_negative"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def clean(self):
        errors = {}
        if self.section_id and self.standard_id and self.section.standard_id != self.standard_id:
            errors["section"] = _("板块不属于该标准")
        problem = rules.max_score_problem(self.kind, self.max_score if self.max_score is not None else 0)
        if problem:
            errors["max_score"] = problem
        if self.kind == ScoringKind.LEVELS:
            problem = rules.levels_problem(self.levels or DEFAULT_LEVELS)
            if problem:
                errors["levels"] = problem
        if (self.is_veto or self.is_required) and self.kind != ScoringKind.PRESENCE:
            errors["kind"] = _("一票否决项和必须具备项按“有/无”评分")
        unknown = set(self.evidence_categories or []) - set(MaterialCategory.values)
        if unknown:
            errors["evidence_categories"] = _("未知的材料类别：%(codes)s") % {"codes": "、".join(sorted(unknown))}
        if errors:
            raise ValidationError(errors)

    @property
    def effective_levels(self) -> list[dict]:
        return (self.levels or DEFAULT_LEVELS) if self.kind == ScoringKind.LEVELS else []

    @property
    def allowed_scores(self):
        return rules.allowed_scores(self.kind, self.max_score, self.effective_levels)

    @property
    def evidence_labels(self) -> list[str]:
        known = MaterialCategory.values
        return [str(MaterialCategory(code).label) for code in self.evidence_categories if code in known]
