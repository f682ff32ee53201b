"""The default standard: exact Chinese titles from DOMAIN.md §4, the 60/18/15/7 weighting, 100 points."""

from decimal import Decimal

import pytest

from accounts.choices import Domain
from standards import defaults, selectors, services
from standards.choices import ScoringKind, StandardPurpose, StandardStatus
from standards.models import Item, Standard

TEN_HAVES = [
    "有过硬的领导班子和骨干队伍",
    "有设施齐全的党员活动室",
    "有全面真实规范的党建资料",
    "有务实创新的载体活动和党建工作机制",
    "有与中心结合紧密亮点突出的党建工作实绩",
    "有特色鲜明的党建品牌",
    "有新颖充分有冲击力的展示",
    "有热情流利生动的解说",
    "有优质高效的管理服务团队",
    "有整洁美观的大环境",
]
SIX_HAVES = [
    "有醒目的标识牌",
    "有党旗、入党誓词、党员权利义务和党组织架构图",
    "有党的基本制度上墙",
    "有规范的党建资料、党建报刊书籍并统一分类、专柜放置",
    "有公示公开栏、学习园地",
    "有必要的桌椅、电教设备、投影仪等",
]
FIVE_ONES = [
    "营造一份浓厚的党建氛围",
    "设计一条合理的观摩线路",
    "培养一支专门的解说队伍",
    "健全一套真实全面规范的党建工作档案",
    "形成一份详实的工作经验材料",
]

VETO = ["无严重违纪违法问题", "无重大安全责任事故或群体性事件", "创建材料真实、无弄虚作假"]
CONDITIONS = ["领导班子", "党员干部队伍", "工作业绩", "运行机制", "工作作风"]


@pytest.fixture
def standard(db):
    defaults.load()
    return Standard.objects.get(purpose=StandardPurpose.EVALUATION)


def titles(standard, prefix):
    return list(standard.items.filter(code__startswith=prefix + "-").order_by("code").values_list("title", flat=True))


def test_titles_are_exactly_those_of_the_domain_document(standard):
    assert titles(standard, "SY") == TEN_HAVES
    assert titles(standard, "LGY") == SIX_HAVES
    assert titles(standard, "WGY") == FIVE_ONES
    assert titles(standard, "FJ") == VETO


def test_default_weighting(standard):
    maxima = {s.code: s.max_score for s in standard.sections.all()}
    assert (maxima["SY"], maxima["LGY"], maxima["WGY"], maxima["FJ"]) == (60, 18, 15, 0)
    assert standard.items.filter(code__startswith="SY-", max_score=6).count() == 10
    assert (
        standard.items.filter(code__startswith="LGY-", max_score=3, kind=ScoringKind.PRESENCE, is_required=True).count()
        == 6
    )
    assert standard.items.filter(code__startswith="WGY-", max_score=3).count() == 5
    assert standard.items.filter(is_veto=True, max_score=0, kind=ScoringKind.PRESENCE).count() == 3


@pytest.mark.parametrize("domain", Domain.values)
def test_every_domain_has_seven_points_of_its_own_and_totals_100(standard, domain):
    domain_sections = standard.sections.filter(domain=domain)
    assert domain_sections.count() == 1 and domain_sections.get().max_score == 7
    assert selectors.max_total(standard, domain) == Decimal("100")
    universal_items = [item for item in selectors.applicable_items(standard, domain) if item.section.domain == ""]
    assert len(universal_items) == 21 + 3  # 十有, 六个有, 五个一, and the veto items


def test_default_standard_is_published_and_valid(standard):
    assert standard.status == StandardStatus.PUBLISHED
    assert services.publish_problems(standard) == []


def test_nomination_checklist_has_the_five_conditions(standard):
    nomination = Standard.objects.get(purpose=StandardPurpose.NOMINATION)
    assert list(nomination.items.values_list("title", flat=True)) == CONDITIONS
    assert services.publish_problems(nomination) == []


def test_loading_twice_changes_nothing(standard):
    before = Item.objects.count()
    assert defaults.load() == "默认标准已存在"
    assert Item.objects.count() == before
    assert Standard.objects.count() == 2


def test_every_item_has_a_guide_and_valid_evidence(standard):
    for item in standard.items.all():
        item.full_clean()
        assert item.guide
