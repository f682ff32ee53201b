"""Demo data of accounts: a fictional city (临江市) with its regions, Party organizations and one user per role.

Deterministic (fixed random seed) and idempotent: every row is found by its natural key before it is made,
so running seed_demo again changes nothing but the demo passwords.
"""

import random

from .choices import DataScope, Domain, OrganizationKind, RegionKind
from .models import PartyOrganization, Region, User
from .roles import ADMIN_SITE_ROLES, Role
from .services import user_set_roles

CITY = "临江市"
# (name, kind, number of towns, number of subdistricts)
DISTRICTS = [
    ("市直", RegionKind.MUNICIPAL, 0, 0),
    ("临江区", RegionKind.DISTRICT, 1, 3),
    ("东湖区", RegionKind.DISTRICT, 1, 3),
    ("西山区", RegionKind.DISTRICT, 2, 2),
    ("南溪县", RegionKind.DISTRICT, 3, 1),
    ("北岭县", RegionKind.DISTRICT, 3, 1),
    ("青石市", RegionKind.DISTRICT, 3, 1),
]
TOWN_WORDS = ("石门 临河 白沙 青龙 桃源 柳溪 金山 马鞍 长岭 黄石 双河 凤凰 龙泉 清水 古城 新塘 松林 安乐").split()
STREET_WORDS = "城关 滨江 东城 西城 南湖 北门 文昌 新华 解放 人民 迎宾 和平 建设 太平".split()
VILLAGE_WORDS = (
    "杨柳 石桥 李家 王庄 东坡 青山 河湾 柏树 红星 团结 光明 前进 永安 黄土 三合 "
    "五里 沙坪 田坝 茶园 竹林 高峰 联合 兴隆 大坪 望江 梨花 水口 新民 胜利 建新 "
    "双龙 长春 富民 仁和 庙前 下湾"
).split()
COMMUNITY_WORDS = (
    "翠苑 锦华 春晖 幸福 阳光 金桥 明珠 滨湖 花园 康乐 丽景 和谐 紫荆 金色 枫林 "
    "书香 绿洲 观澜 南苑 北苑 东苑 西苑 怡和 瑞祥"
).split()
ORGANS = (
    "市委组织部 市委宣传部 市纪委监委 市发展和改革委员会 市财政局 市教育局 市民政局 "
    "市人力资源和社会保障局 市自然资源和规划局 市住房和城乡建设局 市交通运输局 市农业农村局 "
    "市水利局 市商务局 市文化广电旅游局 市卫生健康委员会 市应急管理局 市审计局 "
    "市市场监督管理局 市统计局 市医疗保障局 市信访局 市司法局 市生态环境局 "
    "市退役军人事务局 市总工会 团市委 市妇联 市科协 市政务服务中心"
).split()
DISTRICT_ORGANS = "委办公室 委组织部 财政局 民政局 教育局 农业农村局".split()  # after the district's name
INSTITUTIONS = ["人民医院", "中医院", "妇幼保健院", "疾病预防控制中心", "图书馆", "公共资源交易中心"]
SCHOOLS = ["第一中学", "第二中学", "实验小学", "职业技术学校", "实验幼儿园"]
CITY_SOES = (
    "城市建设投资集团 交通投资集团 水务集团 国有资本运营公司 农业发展集团 文化旅游集团 公交集团 燃气公司"
).split()
ENTERPRISE_WORDS = ("恒信 鼎盛 华达 卓越 远航 宏图 嘉禾 信达 瑞丰 博远 腾飞 中联 天润 金鹏 盛世 同创").split()
ENTERPRISE_TRADES = (
    "电子科技有限公司 机械制造有限公司 食品有限公司 新材料股份有限公司 物流有限公司 建材有限公司"
).split()
SURNAMES = list("王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈")
GIVEN = ("建国 志强 秀英 丽华 海燕 国庆 红梅 文军 晓东 春霞 卫东 玉兰 永红 立新 建华 桂芳 明亮 淑珍 振华 雪梅").split()

DEMO_USERS = [
    # username, role, full name, unit, scope, what their region/organization is (see _user_targets)
    ("admin", Role.ADMIN, "王建国", "市委组织部", DataScope.CITY),
    ("staff", Role.STAFF, "李明", "市委组织部组织二科", DataScope.CITY),
    ("district", Role.DISTRICT, "赵丽", "临江区委组织部", DataScope.REGION),
    ("instructor", Role.INSTRUCTOR, "陈志强", "市委组织部督查指导组", DataScope.ASSIGNED),
    ("leader", Role.LEADER, "刘芳", "临江区石门镇杨柳村", DataScope.ASSIGNED),
    ("scorer", Role.SCORER, "孙伟", "东湖区委组织部", DataScope.ASSIGNED),
    ("teamlead", Role.TEAMLEAD, "周敏", "市委组织部", DataScope.ASSIGNED),
    ("viewer", Role.VIEWER, "郑华", "市委办公室", DataScope.CITY),
]


def seed(options, stdout):
    rng = random.Random(2026)
    city = _region(CITY, RegionKind.CITY, None)
    regions, organizations = 1, 0
    for district_name, kind, towns, subdistricts in DISTRICTS:
        district = _region(district_name, kind, city)
        regions += 1
        if kind == RegionKind.MUNICIPAL:
            organizations += _municipal_organizations(district, rng)
            continue
        organizations += _district_organizations(district, rng)
        town_names = rng.sample(TOWN_WORDS, towns)
        street_names = rng.sample(STREET_WORDS, subdistricts)
        for word in town_names:
            town = _region(word + "镇", RegionKind.TOWN, district)
            organizations += _org(f"{town.name}党委", OrganizationKind.COMMITTEE, Domain.RURAL, town, rng)
            organizations += _org(
                f"{town.name}{rng.choice(ENTERPRISE_WORDS)}{rng.choice(ENTERPRISE_TRADES)}党支部",
                OrganizationKind.BRANCH,
                Domain.TWO_NEW,
                town,
                rng,
            )
            for village_word in rng.sample(VILLAGE_WORDS, 5):
                village = _region(village_word + "村", RegionKind.VILLAGE, town)
                regions += 1
                kind_ = OrganizationKind.GENERAL_BRANCH if rng.random() < 0.3 else OrganizationKind.BRANCH
                organizations += _org(f"{village.name}{kind_.label}", kind_, Domain.RURAL, village, rng)
            regions += 1
        for word in street_names:
            street = _region(word + "街道", RegionKind.SUBDISTRICT, district)
            organizations += _org(f"{street.name}党工委", OrganizationKind.COMMITTEE, Domain.COMMUNITY, street, rng)
            for community_word in rng.sample(COMMUNITY_WORDS, 4):
                community = _region(community_word + "社区", RegionKind.COMMUNITY, street)
                regions += 1
                organizations += _org(
                    f"{community.name}党委", OrganizationKind.COMMITTEE, Domain.COMMUNITY, community, rng
                )
            organizations += _org(
                f"{street.name}社会组织联合党支部", OrganizationKind.JOINT_BRANCH, Domain.ASSOCIATION, street, rng
            )
            regions += 1
    users = _demo_users(options["password"])
    stdout.write(f"accounts: {regions} 个区划, {organizations} 个党组织, {users} 个演示用户")


def _region(name, kind, parent):
    region, _created = Region.objects.get_or_create(name=name, parent=parent, defaults={"kind": kind})
    return region


def _person(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _org(name, kind, domain, region, rng, parent=None) -> int:
    """Create one organization if missing; returns 1 so callers can count what the city has."""
    PartyOrganization.objects.get_or_create(
        region=region,
        name=name,
        defaults={
            "kind": kind,
            "domain": domain,
            "parent": parent,
            "secretary": _person(rng),
            "member_count": rng.randint(8, 120),
        },
    )
    return 1


def _municipal_organizations(municipal, rng) -> int:
    count = 0
    for organ in ORGANS:
        count += _org(f"{organ}机关党委", OrganizationKind.COMMITTEE, Domain.ORGAN, municipal, rng)
        count += _org(f"{organ}机关第一党支部", OrganizationKind.BRANCH, Domain.ORGAN, municipal, rng)
    for name in INSTITUTIONS:
        count += _org(f"临江市{name}党委", OrganizationKind.COMMITTEE, Domain.INSTITUTION, municipal, rng)
    for name in SCHOOLS:
        count += _org(f"临江市{name}党总支", OrganizationKind.GENERAL_BRANCH, Domain.SCHOOL, municipal, rng)
    count += _org("临江学院党委", OrganizationKind.COMMITTEE, Domain.SCHOOL, municipal, rng)
    for name in CITY_SOES:
        count += _org(f"临江{name}党委", OrganizationKind.COMMITTEE, Domain.SOE, municipal, rng)
    for name in ("律师协会", "注册会计师协会", "房地产估价师协会"):
        count += _org(f"临江市{name}行业党委", OrganizationKind.COMMITTEE, Domain.AGENCY, municipal, rng)
    for name in ("个体劳动者协会", "慈善总会", "志愿者联合会"):
        count += _org(f"临江市{name}党支部", OrganizationKind.BRANCH, Domain.ASSOCIATION, municipal, rng)
    return count


def _district_organizations(district, rng) -> int:
    short = district.name[:2]
    count = 0
    for organ in DISTRICT_ORGANS:
        count += _org(f"{district.name}{organ}党支部", OrganizationKind.BRANCH, Domain.ORGAN, district, rng)
    for name in INSTITUTIONS[:3]:
        count += _org(f"{district.name}{name}党支部", OrganizationKind.BRANCH, Domain.INSTITUTION, district, rng)
    for name in SCHOOLS:
        count += _org(f"{district.name}{name}党支部", OrganizationKind.BRANCH, Domain.SCHOOL, district, rng)
    count += _org(f"{district.name}城市建设发展集团党委", OrganizationKind.COMMITTEE, Domain.SOE, district, rng)
    park = f"{short}经济开发区"
    count += _org(f"{park}党工委", OrganizationKind.COMMITTEE, Domain.PARK, district, rng)
    count += _org(f"{park}企业联合党支部", OrganizationKind.JOINT_BRANCH, Domain.PARK, district, rng)
    for word in rng.sample(ENTERPRISE_WORDS, 3):
        count += _org(
            f"{word}{rng.choice(ENTERPRISE_TRADES)}党支部", OrganizationKind.BRANCH, Domain.TWO_NEW, district, rng
        )
    count += _org(f"{short}律师事务所联合党支部", OrganizationKind.JOINT_BRANCH, Domain.AGENCY, district, rng)
    return count


def _user_targets():
    """The region or organization each demo user is tied to."""
    linjiang = Region.objects.get(name="临江区", parent__kind=RegionKind.CITY)
    village_branch = (
        PartyOrganization.objects.filter(
            region__path__startswith=linjiang.path, domain=Domain.RURAL, region__kind=RegionKind.VILLAGE
        )
        .order_by("region__path")
        .first()
    )
    donghu = Region.objects.get(name="东湖区", parent__kind=RegionKind.CITY)
    donghu_organ = PartyOrganization.objects.filter(region=donghu, domain=Domain.ORGAN).order_by("name").first()
    return {
        "district": {"region": linjiang},
        "leader": {"organization": village_branch},
        "scorer": {"organization": donghu_organ},
    }


def _demo_users(password: str) -> int:
    targets = _user_targets()
    for index, (username, role, full_name, unit, scope) in enumerate(DEMO_USERS, start=1):
        extra = targets.get(username, {})
        if extra.get("organization") is not None and username == "leader":
            unit = str(extra["organization"])
        user, _created = User.objects.update_or_create(
            username=username,
            defaults={
                "full_name": full_name,
                "unit": unit,
                "scope": scope,
                "phone": f"138000000{index:02d}",
                # An address under .invalid (never delivered): the demo shows e-mail notices in the console
                # backend (make dev) and on the e-mail settings page without mailing anyone.
                "email": f"{username}@demo.invalid",
                "is_superuser": role == Role.ADMIN,
                # Set here, not only by user_set_roles: the superuser already holds admin, so roles are not
                # re-set for them and Django's admin would refuse them without it.
                "is_staff": role in ADMIN_SITE_ROLES,
                "is_active": True,
                "must_change_password": False,
                **extra,
            },
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        if set(user.roles) != {role}:
            user_set_roles(user=user, roles=[role])
    return len(DEMO_USERS)
