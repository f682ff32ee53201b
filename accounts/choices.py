"""Choices shared by accounts and every app above it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Domain(models.TextChoices):
    """领域: the sector a Party organization belongs to (DOMAIN.md §3)."""

    RURAL = "rural", _("农村（村）")
    COMMUNITY = "community", _("城市社区")
    ORGAN = "organ", _("机关")
    INSTITUTION = "institution", _("事业单位")
    SCHOOL = "school", _("学校")
    SOE = "soe", _("国有企业")
    TWO_NEW = "two_new", _("“两新”组织")
    PARK = "park", _("园区")
    AGENCY = "agency", _("社会中介组织")
    ASSOCIATION = "association", _("社会团体")


class RegionKind(models.TextChoices):
    """行政区划层级. 市直 (municipal organs) sits at district level beside the districts and counties."""

    CITY = "city", _("市")
    DISTRICT = "district", _("区县市")
    MUNICIPAL = "municipal", _("市直")
    TOWN = "town", _("镇")
    SUBDISTRICT = "subdistrict", _("街道")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")


# Where each kind may sit: the kind of its parent (None: a root).
REGION_PARENT_KINDS = {
    RegionKind.CITY: {None},
    RegionKind.DISTRICT: {RegionKind.CITY},
    RegionKind.MUNICIPAL: {RegionKind.CITY},
    RegionKind.TOWN: {RegionKind.DISTRICT},
    RegionKind.SUBDISTRICT: {RegionKind.DISTRICT, RegionKind.MUNICIPAL},
    RegionKind.VILLAGE: {RegionKind.TOWN, RegionKind.SUBDISTRICT},
    RegionKind.COMMUNITY: {RegionKind.TOWN, RegionKind.SUBDISTRICT},
}


class OrganizationKind(models.TextChoices):
    """党组织类型."""

    COMMITTEE = "committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    JOINT_BRANCH = "joint_branch", _("联合党支部")


class DataScope(models.TextChoices):
    """数据范围: what part of the city's data a user sees (DOMAIN.md §8)."""

    CITY = "city", _("全市")
    REGION = "region", _("所辖区域")
    ASSIGNED = "assigned", _("指定对象")
