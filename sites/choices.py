"""Choices of sites (DOMAIN.md §2, §5)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.choices import Domain


class SiteState(models.TextChoices):
    NOMINATED = "nominated", _("已推荐")
    CANDIDATE = "candidate", _("创建单位")
    FORMAL = "formal", _("正式示范点")
    IMPROVING = "improving", _("全面提升")
    NOT_PASSED = "not_passed", _("未通过")
    ELIMINATED = "eliminated", _("已淘汰")


# Named sites: the ones that count as demonstration sites in coverage and targets.
NAMED_STATES = (SiteState.FORMAL, SiteState.IMPROVING)
# Sites still in the programme (a round may evaluate them).
ACTIVE_STATES = (SiteState.NOMINATED, SiteState.CANDIDATE, SiteState.FORMAL, SiteState.IMPROVING)


# The year plans of the seeds speak of "企业" (enterprises, e.g. seed 003: "企业15家"); the product has three
# domains for them: 国有企业 (soe), “两新”组织 (two_new: non-public enterprises and social organizations) and
# 园区 (park). Each has its own target and is measured on its own, so that many sites in one cannot hide a
# shortfall in another; the targets page says how the plan's "企业" figure was split (sites/demo.py shows
# the split used for the demo: 10 + 3 + 2 = 15).
ENTERPRISE_DOMAINS = (Domain.SOE, Domain.TWO_NEW, Domain.PARK)


class SiteLevel(models.TextChoices):
    CITY = "city", _("市级")
    DISTRICT = "district", _("区县级")


class GroupRole(models.TextChoices):
    """创建小组中的职务."""

    LEADER = "leader", _("组长")
    DEPUTY = "deputy", _("副组长")
    MEMBER = "member", _("成员")


class ZoneKind(models.TextChoices):
    ZONE = "zone", _("示范区")
    BELT = "belt", _("示范带")
