"""The default standards (DOMAIN.md §4), loaded by `load_defaults` (and `load_standards`), idempotently.

The current year's evaluation standard: 十有 60 (6 each), 六个有 18 (3 each, present/absent, all required),
五个一 15 (3 each, by level), 7 points of domain items for each domain, and the veto section of three
pass/fail items worth 0 points; total 100. Plus the 五项条件 as the nomination checklist.
Once loaded, staff own the data: loading again never overwrites their edits.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.choices import Domain

from .choices import MaterialCategory as M
from .choices import ScoringKind, SectionKind, StandardPurpose, StandardStatus
from .models import Item, Section, Standard

P, PRESENCE, LEVELS = ScoringKind.POINTS, ScoringKind.PRESENCE, ScoringKind.LEVELS

TEN_HAVES = [
    (
        "有过硬的领导班子和骨干队伍",
        "班子团结、分工明确，书记抓党建第一责任落实到位，党员骨干队伍稳定，得6分；"
        "班子不健全扣2分，书记履职不到位扣2分，骨干队伍不稳定扣1至2分。",
        [M.STRUCTURE, M.CREATION_PLAN],
    ),
    (
        "有设施齐全的党员活动室",
        "活动室面积适宜、功能分区合理、设施齐全并经常使用，得6分；面积不足或功能缺项的酌情扣分，长期闲置扣3分。",
        [M.ACTIVITY_PHOTOS, M.RENDERING],
    ),
    (
        "有全面真实规范的党建资料",
        "党建资料全面、真实、规范，分类归档、查阅方便，得6分；资料不全每缺一类扣1分，发现补记、造假的本项不得分。",
        [M.MEETINGS, M.STRUCTURE],
    ),
    (
        "有务实创新的载体活动和党建工作机制",
        "围绕中心工作开展载体活动，建立并落实务实管用的工作机制，得6分；活动流于形式、机制未落实的酌情扣分。",
        [M.IMPLEMENTATION, M.ACTIVITY_PHOTOS],
    ),
    (
        "有与中心结合紧密亮点突出的党建工作实绩",
        "党建工作与中心工作结合紧密，实绩可量化、群众认可，亮点突出，得6分；实绩不明显的酌情扣分。",
        [M.PROGRESS, M.EXPERIENCE],
    ),
    (
        "有特色鲜明的党建品牌",
        "品牌名称、理念、标识、载体齐全，特色鲜明、有影响力，得6分；有名无实的最多得2分。",
        [M.BRAND],
    ),
    (
        "有新颖充分有冲击力的展示",
        "展示内容充实、形式新颖，运用图文、实物、多媒体等手段，有视觉冲击力，得6分；展示陈旧、内容单薄的酌情扣分。",
        [M.RENDERING, M.BROCHURE, M.VIDEO],
    ),
    (
        "有热情流利生动的解说",
        "书记能完整介绍工作，解说员热情、流利、生动，得6分；书记不能介绍扣3分，解说照本宣科的酌情扣分。",
        [M.ROUTE_MAP, M.VIDEO],
    ),
    (
        "有优质高效的管理服务团队",
        "有专门的管理服务队伍，分工明确、服务规范高效，得6分；无专人管理扣3分。",
        [M.CREATION_PLAN, M.STRUCTURE],
    ),
    (
        "有整洁美观的大环境",
        "周边环境整洁美观、标识规范、秩序良好，得6分；环境脏乱的酌情扣分。",
        [M.ACTIVITY_PHOTOS, M.RENDERING],
    ),
]
SIX_HAVES = [
    ("有醒目的标识牌", "有醒目、规范的党组织标识牌得3分，没有不得分。"),
    ("有党旗、入党誓词、党员权利义务和党组织架构图", "四项齐全、规范上墙得3分，缺任何一项不得分。"),
    ("有党的基本制度上墙", "“三会一课”、组织生活会、民主评议党员等基本制度上墙得3分，没有不得分。"),
    ("有规范的党建资料、党建报刊书籍并统一分类、专柜放置", "资料与报刊书籍分类、专柜放置得3分，没有不得分。"),
    ("有公示公开栏、学习园地", "公示公开栏、学习园地齐全并及时更新得3分，没有不得分。"),
    ("有必要的桌椅、电教设备、投影仪等", "桌椅、电教设备、投影仪等设施齐全可用得3分，没有不得分。"),
]
FIVE_ONES = [
    (
        "营造一份浓厚的党建氛围",
        "布局合理、色彩协调，突出党建红、鎏金黄，经专业设计，按好、较好、一般、差评定。",
        [M.RENDERING, M.ACTIVITY_PHOTOS],
    ),
    (
        "设计一条合理的观摩线路",
        "文化长廊、活动阵地、“三务”公开栏、服务承诺、服务窗口、成果展示等串联成线，路线合理，"
        "按好、较好、一般、差评定。",
        [M.ROUTE_MAP],
    ),
    (
        "培养一支专门的解说队伍",
        "书记能介绍全面工作，有专门解说员并经过培训，按好、较好、一般、差评定。",
        [M.VIDEO, M.OTHER],
    ),
    (
        "健全一套真实全面规范的党建工作档案",
        "自组织成立以来的档案齐全、分类规范、真实可查，按好、较好、一般、差评定。",
        [M.MEETINGS, M.STRUCTURE],
    ),
    (
        "形成一份详实的工作经验材料",
        "有书面汇报材料、宣传画册，有条件的制作汇报片，内容详实，按好、较好、一般、差评定。",
        [M.EXPERIENCE, M.BROCHURE, M.VIDEO],
    ),
]
VETO = [
    ("无严重违纪违法问题", "党组织或班子成员有严重违纪违法问题的，一票否决。"),
    ("无重大安全责任事故或群体性事件", "发生重大安全责任事故或群体性事件的，一票否决。"),
    ("创建材料真实、无弄虚作假", "创建材料弄虚作假的，一票否决。"),
]
# Domain items, 7 points per domain, drawn from the seeds' emphasis (DOMAIN.md §3).
DOMAIN_ITEMS = {
    Domain.RURAL: (
        "RURAL",
        [
            ("党群服务站平台作用发挥好", 3, "依托党群服务站开展标准化主题党日和“四位一体”服务，作用发挥明显得3分。"),
            ("党员积分制管理和“两集中一报告”落实到位", 2, "党员积分制管理规范，“两集中一报告”制度落实得2分。"),
            ("“党支部+合作社”带动发展，党员责任区划分明确", 2, "支部领办合作社带动群众增收，党员责任区明确得2分。"),
        ],
    ),
    Domain.COMMUNITY: (
        "COMM",
        [
            ("组织体系科学化、队伍建设规范化", 3, "“大党委”等组织体系健全，社区工作者队伍规范得3分。"),
            ("运行机制标准化、作用发挥具体化", 2, "议事协商、服务群众机制标准运行，作用具体可见得2分。"),
            ("工作保障制度化", 2, "阵地、经费、人员保障制度健全得2分。"),
        ],
    ),
    Domain.ORGAN: (
        "ORGAN",
        [
            ("支部工作法和党员积分制落实", 3, "有特色的支部工作法，党员积分制管理落实得3分。"),
            ("党员联系群众、创建示范岗", 2, "党员联系服务群众常态化，示范岗作用明显得2分。"),
            ("在职党员到社区报到服务", 2, "在职党员到社区报到率高、服务有记录得2分。"),
        ],
    ),
    Domain.INSTITUTION: (
        "INST",
        [
            ("支部工作法和党员积分制落实", 3, "有特色的支部工作法，党员积分制管理落实得3分。"),
            ("党员联系群众、创建示范岗", 2, "党员联系服务群众常态化，示范岗作用明显得2分。"),
            ("在职党员到社区报到服务", 2, "在职党员到社区报到率高、服务有记录得2分。"),
        ],
    ),
    Domain.SCHOOL: (
        "SCHOOL",
        [
            ("党建工作围绕教书育人开展", 4, "党建与教育教学深度融合，促进学校发展成效明显得4分。"),
            ("“四有”好教师队伍建设", 3, "以“四有”好教师标准建设教师队伍，党员教师示范作用明显得3分。"),
        ],
    ),
    Domain.SOE: (
        "SOE",
        [
            ("支部工作法、党员示范岗建设", 3, "支部工作法务实，党员示范岗、责任区作用明显得3分。"),
            ("把政治优势转化为竞争优势", 4, "党建促进企业改革发展，效益提升可量化得4分。"),
        ],
    ),
    Domain.TWO_NEW: (
        "TWONEW",
        [
            ("党建工作与生产经营紧密结合", 2, "党建活动围绕主业开展，助推企业或组织发展得2分。"),
            ("党员先锋岗、责任区作用发挥", 2, "设立党员先锋岗、责任区并发挥作用得2分。"),
            ("“双强六好”创建和“5+1”活动", 3, "开展“双强六好”创建和一年五个“一”活动、依托园区平台得3分。"),
        ],
    ),
    Domain.PARK: (
        "PARK",
        [
            ("园区党建统筹企业集群", 4, "园区党组织统筹区内企业党建，覆盖面广、联动有效得4分。"),
            ("园区党群服务平台作用发挥", 3, "园区党群服务中心服务企业和职工成效明显得3分。"),
        ],
    ),
    Domain.AGENCY: (
        "AGENCY",
        [
            ("党建与行业服务结合", 4, "党建引领执业规范和行业服务，成效明显得4分。"),
            ("党员诚信执业示范", 3, "党员在诚信执业、服务群众中示范作用明显得3分。"),
        ],
    ),
    Domain.ASSOCIATION: (
        "ASSOC",
        [
            ("党建引领社会团体健康发展", 4, "党组织在社会团体重大事项中发挥把关作用得4分。"),
            ("党员在服务会员和社会中发挥作用", 3, "党员带头服务会员、服务社会，有实例有成效得3分。"),
        ],
    ),
}
CONDITIONS = [
    ("领导班子", "领导班子团结坚强，书记抓党建责任意识强、能力突出。"),
    ("党员干部队伍", "党员干部队伍结构合理、素质较高，先锋模范作用明显。"),
    ("工作业绩", "党建工作和中心工作业绩突出，在本领域有示范带动作用。"),
    ("运行机制", "党内各项制度健全，运行机制规范有效。"),
    ("工作作风", "工作作风扎实，群众满意度高，创建态度积极。"),
]


EVALUATION_NAME = "基层党建示范点创建标准"
NOMINATION_NAME = "市级创建单位推荐条件（五项条件）"


def load() -> str:
    year = timezone.localdate().year
    made = []
    if not Standard.objects.filter(name=EVALUATION_NAME, year=year).exists():
        build_evaluation_standard(year)
        made.append(EVALUATION_NAME)
    if not Standard.objects.filter(purpose=StandardPurpose.NOMINATION).exists():
        build_nomination_standard(year)
        made.append(NOMINATION_NAME)
    return ("已创建：" + "、".join(made)) if made else "默认标准已存在"


@transaction.atomic
def build_evaluation_standard(year: int, *, status=StandardStatus.PUBLISHED) -> Standard:
    standard = Standard.objects.create(
        name=EVALUATION_NAME,
        year=year,
        purpose=StandardPurpose.EVALUATION,
        status=status,
        published_at=timezone.now() if status != StandardStatus.DRAFT else None,
        notes="依据“十有”“六个有”“五个一”要求制定；各领域另加本领域特色项目 7 分，总分 100 分。",
    )
    order = iter(range(1, 100))
    section = _section(standard, "SY", "十有", SectionKind.TEN_HAVES, 60, next(order))
    for n, (title, guide, evidence) in enumerate(TEN_HAVES, start=1):
        _item(section, f"SY-{n:02d}", title, guide, 6, P, evidence, n)
    section = _section(
        standard,
        "LGY",
        "六个有",
        SectionKind.SIX_HAVES,
        18,
        next(order),
        "活动阵地建设“六个有”，每项必须具备，缺一项即不合格。",
    )
    for n, (title, guide) in enumerate(SIX_HAVES, start=1):
        _item(section, f"LGY-{n:02d}", title, guide, 3, PRESENCE, [M.ACTIVITY_PHOTOS], n, required=True)
    section = _section(standard, "WGY", "五个一", SectionKind.FIVE_ONES, 15, next(order))
    for n, (title, guide, evidence) in enumerate(FIVE_ONES, start=1):
        _item(section, f"WGY-{n:02d}", title, guide, 3, LEVELS, evidence, n)
    for domain, (prefix, items) in DOMAIN_ITEMS.items():
        section = _section(
            standard, prefix, f"{domain.label}领域特色", SectionKind.DOMAIN, 7, next(order), domain=domain
        )
        for n, (title, points, guide) in enumerate(items, start=1):
            _item(section, f"{prefix}-{n:02d}", title, guide, points, P, [M.EXPERIENCE, M.ACTIVITY_PHOTOS], n)
    section = _section(
        standard,
        "FJ",
        "一票否决",
        SectionKind.VETO,
        0,
        next(order),
        "以下任何一项多数评分表认定不符合的，不论得分多少均为不合格。",
    )
    for n, (title, guide) in enumerate(VETO, start=1):
        _item(section, f"FJ-{n:02d}", title, guide, 0, PRESENCE, [], n, veto=True)
    return standard


@transaction.atomic
def build_nomination_standard(year: int) -> Standard:
    standard = Standard.objects.create(
        name=NOMINATION_NAME,
        year=year,
        purpose=StandardPurpose.NOMINATION,
        status=StandardStatus.PUBLISHED,
        published_at=timezone.now(),
        total_score=Decimal("0"),
        notes="推荐为市级创建单位须同时具备的五项条件，逐项认定“具备/不具备”。",
    )
    section = _section(standard, "TJ", "五项条件", SectionKind.CONDITIONS, 0, 1)
    for n, (title, guide) in enumerate(CONDITIONS, start=1):
        _item(section, f"TJ-{n:02d}", title, guide, 0, PRESENCE, [M.CREATION_PLAN], n, required=True)
    return standard


def _section(standard, code, title, kind, max_score, order, description="", domain=""):
    return Section.objects.create(
        standard=standard,
        code=code,
        title=title,
        kind=kind,
        max_score=max_score,
        order=order,
        description=description,
        domain=domain,
    )


def _item(section, code, title, guide, max_score, kind, evidence, order, *, required=False, veto=False):
    return Item.objects.create(
        standard=section.standard,
        section=section,
        code=code,
        title=title,
        guide=guide,
        max_score=max_score,
        kind=kind,
        evidence_categories=[str(c) for c in evidence],
        order=order,
        is_required=required,
        is_veto=veto,
    )
