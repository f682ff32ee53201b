"""Demonstration sites (示范点) and what belongs to them: people, route, history, subsidies; zones, batches, targets."""

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.choices import Domain
from accounts.models import PartyOrganization, Region
from accounts.validators import validate_phone
from core.models import TimeStampedModel

from .choices import NAMED_STATES, GroupRole, SiteLevel, SiteState, ZoneKind

YEAR = [MinValueValidator(2000), MaxValueValidator(2100)]


def site_upload_path(instance, filename):
    site_id = getattr(instance, "site_id", None) or getattr(instance, "pk", None) or "new"
    return f"sites/{site_id}/{filename}"


class Batch(models.Model):
    """授牌批次: the sites named together, e.g. “2026年第一批”."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    named_on = models.DateField(_("授牌日期"))
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("授牌批次")
        verbose_name_plural = _("授牌批次")
        ordering = ["-named_on", "-id"]

    def __str__(self):
        return self.name


class Site(TimeStampedModel):
    """示范点: a grassroots Party organization being built up as, or named as, a demonstration site.

    Its region and domain come from its organization (kept in step by the service), so lists filter on
    them without joins; its state changes only through services.site_transition."""

    name = models.CharField(_("名称"), max_length=200)
    organization = models.ForeignKey(
        PartyOrganization, verbose_name=_("党组织"), related_name="sites", on_delete=models.PROTECT
    )
    domain = models.CharField(_("领域"), max_length=20, choices=Domain.choices, db_index=True)
    region = models.ForeignKey(Region, verbose_name=_("所在区划"), related_name="sites", on_delete=models.PROTECT)
    level = models.CharField(_("级别"), max_length=10, choices=SiteLevel.choices, default=SiteLevel.CITY)
    nomination_year = models.PositiveSmallIntegerField(_("推荐年度"), validators=YEAR, db_index=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=SiteState.choices, default=SiteState.NOMINATED, db_index=True
    )
    batch = models.ForeignKey(
        Batch, verbose_name=_("授牌批次"), null=True, blank=True, related_name="sites", on_delete=models.PROTECT
    )
    brand_name = models.CharField(_("党建品牌名称"), max_length=100, blank=True)
    brand_slogan = models.CharField(_("品牌口号"), max_length=200, blank=True)
    brand_description = models.TextField(_("品牌介绍"), blank=True)
    brand_emblem = models.ImageField(_("品牌标识"), upload_to=site_upload_path, blank=True)
    highlights = models.TextField(_("特色亮点"), blank=True)
    secretary_name = models.CharField(_("党组织书记"), max_length=50, blank=True)
    secretary_phone = models.CharField(_("书记电话"), max_length=20, blank=True, validators=[validate_phone])
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[validate_phone])
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("纬度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    longitude = models.DecimalField(
        _("经度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("督查指导员"), blank=True, related_name="instructed_sites"
    )
    liaisons = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("联络员"), blank=True, related_name="liaison_sites"
    )

    class Meta:
        verbose_name = _("示范点")
        verbose_name_plural = _("示范点")
        ordering = ["-nomination_year", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "nomination_year"], name="site_one_per_org_per_year"),
        ]
        indexes = [
            models.Index(fields=["state", "domain"]),
            models.Index(fields=["nomination_year", "state"]),
            # The list's default ordering, so its pages (core.pagination) are an index scan, the last one too.
            models.Index(fields=["-nomination_year", "name", "id"], name="site_list_order"),
            # The named sites of a page of districts (the coverage table), counted per region without reading the
            # table: a small index (a third of the sites) that a join from the districts' regions reads whole.
            models.Index(fields=["region"], condition=models.Q(state__in=NAMED_STATES), name="site_named_region"),
        ]
        # PostgreSQL also has trigram indexes on UPPER(name) and UPPER(brand_name) for the keyword search
        # (migration 0004; `icontains` is `UPPER(col) LIKE UPPER(%term%)` there).

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("sites:detail", args=[self.pk])

    @property
    def code(self) -> str:
        """示范点编号: tells same-named sites apart where a name alone is shown (ledger folders, exports)."""
        return f"S{self.pk:05d}" if self.pk else ""

    @property
    def picker_label(self) -> str:
        """How a site is offered in a picker: its name, region path and code (load `region` with it)."""
        return f"{self.name}（{self.region} · {self.code}）"

    def clean(self):
        if self.batch_id and self.state not in (SiteState.FORMAL, SiteState.IMPROVING, SiteState.ELIMINATED):
            raise ValidationError({"batch": _("只有已授牌的示范点才有授牌批次")})

    @property
    def is_named(self) -> bool:
        return self.state in (SiteState.FORMAL, SiteState.IMPROVING)


class CreationGroupMember(models.Model):
    """创建小组成员: 组长 (first responsible person), 副组长 or member; a user of the system or a named person."""

    site = models.ForeignKey(Site, verbose_name=_("示范点"), related_name="group_members", on_delete=models.CASCADE)
    role = models.CharField(_("职务"), max_length=10, choices=GroupRole.choices, default=GroupRole.MEMBER)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("系统用户"),
        null=True,
        blank=True,
        related_name="creation_groups",
        on_delete=models.SET_NULL,
        help_text=_("关联系统用户后，该成员可以登录维护本示范点"),
    )
    name = models.CharField(_("姓名"), max_length=50)
    position = models.CharField(_("单位职务"), max_length=100, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True, validators=[validate_phone])
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("创建小组成员")
        verbose_name_plural = _("创建小组成员")
        ordering = ["site", "order", "id"]

    def __str__(self):
        return f"{self.get_role_display()} {self.name}"


class Narrator(models.Model):
    """解说员: trained guide who presents the site; the Party secretary must be able to present too."""

    site = models.ForeignKey(Site, verbose_name=_("示范点"), related_name="narrators", on_delete=models.CASCADE)
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("电话"), max_length=20, blank=True, validators=[validate_phone])
    is_secretary = models.BooleanField(_("党组织书记"), default=False)
    trained = models.BooleanField(_("已参加培训"), default=False)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("解说员")
        verbose_name_plural = _("解说员")
        ordering = ["site", "-is_secretary", "order", "id"]

    def __str__(self):
        return self.name


class TourStop(models.Model):
    """观摩线路的一站: the ordered stops a visitor walks through, each with a description and a photo."""

    site = models.ForeignKey(Site, verbose_name=_("示范点"), related_name="tour_stops", on_delete=models.CASCADE)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    title = models.CharField(_("站点名称"), max_length=100)
    description = models.TextField(_("介绍"), blank=True)
    photo = models.ImageField(_("照片"), upload_to=site_upload_path, blank=True)

    class Meta:
        verbose_name = _("观摩线路站点")
        verbose_name_plural = _("观摩线路站点")
        ordering = ["site", "order", "id"]

    def __str__(self):
        return self.title


class StateChange(models.Model):
    """状态变更记录: every change of a site's state, with who, when, why and what caused it (a round)."""

    site = models.ForeignKey(Site, verbose_name=_("示范点"), related_name="state_changes", on_delete=models.CASCADE)
    from_state = models.CharField(_("原状态"), max_length=16, choices=SiteState.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16, choices=SiteState.choices)
    action = models.CharField(_("事项"), max_length=50)
    reason = models.TextField(_("原因"), blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("办理人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    # The round (or other object) that caused the change; generic so sites need not import evaluations.
    cause_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    cause_id = models.PositiveBigIntegerField(null=True, blank=True)
    cause = GenericForeignKey("cause_type", "cause_id")
    cause_label = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("状态变更记录")
        verbose_name_plural = _("状态变更记录")
        ordering = ["-at", "-id"]

    def __str__(self):
        before = self.get_from_state_display() if self.from_state else "—"
        return f"{self.site} {before} → {self.get_to_state_display()}"


class Subsidy(models.Model):
    """经费补贴: money granted to a named site (from party fees managed by the city)."""

    site = models.ForeignKey(Site, verbose_name=_("示范点"), related_name="subsidies", on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField(_("年度"), validators=YEAR)
    amount = models.DecimalField(
        _("金额（元）"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    source = models.CharField(_("资金来源"), max_length=100, default="市管党费")
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("经费补贴")
        verbose_name_plural = _("经费补贴")
        ordering = ["site", "-year", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="subsidy_amount_positive")]

    def __str__(self):
        return f"{self.site} {self.year} ¥{self.amount}"


class Zone(models.Model):
    """示范区 / 示范带: a cluster of sites in one area, or an ordered line of them forming a visiting route."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=8, choices=ZoneKind.choices, default=ZoneKind.ZONE)
    region = models.ForeignKey(Region, verbose_name=_("所在区划"), null=True, blank=True, on_delete=models.PROTECT)
    description = models.TextField(_("介绍"), blank=True)
    sites = models.ManyToManyField(Site, through="ZoneSite", verbose_name=_("示范点"), related_name="zones")

    class Meta:
        verbose_name = _("示范区/示范带")
        verbose_name_plural = _("示范区/示范带")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name


class ZoneSite(models.Model):
    """A site in a zone or belt; on a belt, `order` is its place along the route."""

    zone = models.ForeignKey(
        Zone, verbose_name=_("示范区/示范带"), related_name="memberships", on_delete=models.CASCADE
    )
    site = models.ForeignKey(Site, verbose_name=_("示范点"), related_name="zone_memberships", on_delete=models.CASCADE)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("示范区成员")
        verbose_name_plural = _("示范区成员")
        ordering = ["zone", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["zone", "site"], name="zone_site_once")]

    def __str__(self):
        return f"{self.zone} · {self.order} · {self.site}"


class Target(models.Model):
    """年度目标: how many creating units and named sites a year should have, per domain, for the city or one
    district. The plans of the seeds speak of "企业"; here that is three domains (choices.ENTERPRISE_DOMAINS),
    each with its own target."""

    year = models.PositiveSmallIntegerField(_("年度"), validators=YEAR)
    domain = models.CharField(_("领域"), max_length=20, choices=Domain.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("区县"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("留空表示全市目标"),
    )
    creating_units = models.PositiveIntegerField(_("创建单位目标数"), default=0)
    named_sites = models.PositiveIntegerField(_("命名示范点目标数"), default=0)

    class Meta:
        verbose_name = _("年度目标")
        verbose_name_plural = _("年度目标")
        ordering = ["-year", "domain"]
        constraints = [
            models.UniqueConstraint(fields=["year", "domain", "region"], name="target_unique_per_district"),
            # NULL region (the citywide target) is not caught by the constraint above on every database.
            models.UniqueConstraint(
                fields=["year", "domain"], condition=models.Q(region__isnull=True), name="target_unique_citywide"
            ),
            # Named sites come from the year's creating units.
            models.CheckConstraint(
                condition=models.Q(named_sites__lte=models.F("creating_units")), name="target_named_within_creating"
            ),
        ]

    def __str__(self):
        where = self.region.name if self.region_id else _("全市")
        return f"{self.year} {where} {self.get_domain_display()}"

    def clean(self):
        if self.named_sites > self.creating_units:
            raise ValidationError({"named_sites": _("命名示范点目标不能多于创建单位目标")})
        if self.region_id and self.region.depth != 1:
            raise ValidationError({"region": _("目标只能按全市或区县（含市直）设定")})
