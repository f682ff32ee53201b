"""Choices of standards, and the material categories that evidence an item (DOMAIN.md §6).

MaterialCategory lives here rather than in archives because a standard item names the categories that
count as its evidence, and archives sits above standards in the layer stack.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StandardStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    FROZEN = "frozen", _("已冻结")


class StandardPurpose(models.TextChoices):
    EVALUATION = "evaluation", _("创建与考评标准")
    NOMINATION = "nomination", _("推荐条件")


class SectionKind(models.TextChoices):
    TEN_HAVES = "ten_haves", _("十有")
    SIX_HAVES = "six_haves", _("六个有")
    FIVE_ONES = "five_ones", _("五个一")
    DOMAIN = "domain", _("领域特色")
    VETO = "veto", _("一票否决")
    CONDITIONS = "conditions", _("推荐条件")
    OTHER = "other", _("其他")


class ScoringKind(models.TextChoices):
    POINTS = "points", _("分值")  # 0..max in steps of 0.5
    PRESENCE = "presence", _("有/无")  # all or nothing: max or 0 (pass/fail for 0-point items)
    LEVELS = "levels", _("等次")  # 好/较好/一般/差, each a fraction of max


class MaterialCategory(models.TextChoices):
    CREATION_PLAN = "creation_plan", _("创建工作方案")
    IMPLEMENTATION = "implementation", _("实施方案与推进措施")
    PROGRESS = "progress", _("进展情况表")
    ROUTE_MAP = "route_map", _("观摩路线图")
    RENDERING = "rendering", _("效果图")
    STRUCTURE = "structure", _("党组织架构与制度")
    MEETINGS = "meetings", _("三会一课与组织生活记录")
    ACTIVITY_PHOTOS = "activity_photos", _("党员活动照片")
    BRAND = "brand", _("党建品牌材料")
    EXPERIENCE = "experience", _("经验材料")
    BROCHURE = "brochure", _("宣传画册")
    VIDEO = "video", _("汇报片")
    OTHER = "other", _("其他")


# Default levels for ScoringKind.LEVELS; an item may carry its own.
DEFAULT_LEVELS = [
    {"label": "好", "fraction": 1.0},
    {"label": "较好", "fraction": 0.8},
    {"label": "一般", "fraction": 0.6},
    {"label": "差", "fraction": 0.3},
]
