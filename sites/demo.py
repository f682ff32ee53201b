"""Demo data of sites: three years of a realistic programme in the demo city, or a large synthetic one.

Years Y-2 and Y-1 went through acceptance (about half named each year, in a batch, with a subsidy) and
Y-2's named sites through their second-year review (a few eliminated); year Y's units are creating now.
Idempotent: the programme is made once; `--sites N` tops the registry up to N sites for performance work.
"""

import random
from collections import Counter
from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.choices import Domain, OrganizationKind, RegionKind
from accounts.demo import SURNAMES
from accounts.models import PartyOrganization, Region
from accounts.validators import is_phone

from . import services
from .choices import GroupRole, SiteLevel, SiteState, ZoneKind
from .models import Batch, CreationGroupMember, Narrator, Site, Subsidy, Target, TourStop, Zone, ZoneSite

# Seed 003's example year: 50 creating units, of which about 25 are to be named (DOMAIN.md §5). Its "企业15家"
# (enterprises) are three domains here (choices.ENTERPRISE_DOMAINS), each with its own target, measured on
# its own: “两新”组织 (non-public enterprises) 10, 国有企业 3, 园区 2, which is the seed's 15; of them 4 + 2 + 1
# to be named. (Counting all three against “两新”组织 alone would let a park's sites stand in for missing
# non-public ones, which is what the targets page must never do.)
YEARLY_TARGETS = {
    Domain.RURAL: (20, 10),
    Domain.COMMUNITY: (6, 3),
    Domain.ORGAN: (4, 2),
    Domain.SCHOOL: (3, 2),
    Domain.TWO_NEW: (10, 4),
    Domain.SOE: (3, 2),
    Domain.PARK: (2, 1),
    Domain.AGENCY: (1, 1),
    Domain.ASSOCIATION: (1, 0),
}
# People of the demo: plausible names and positions, and mobile numbers that are valid, distinct, and each
# one person's (drawn from the seeded generator, so the demo is the same every time).
GIVEN_NAMES = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 霞 平 刚 辉 鹏 华 红 燕 斌 宁 颖 婷 雪 琳 丹 浩 凯 晨 "
    "秀兰 桂英 建华 玉兰 志刚 国强 建军 秀英 永刚 丽娟 晓燕 海峰 志明 卫国 春梅 文静 俊杰 欣怡 佳琪 子涵 宏伟 "
    "立群 爱华 金凤 德胜 红霞 晓东 淑芬 光明 振宇 海燕 慧敏 建平 云飞 思远 雨桐"
).split()
MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 177 180 182 183 185 186 187 188 189 199"
).split()
# 副组长 runs the work (DOMAIN.md §2); the members hold the branch's usual posts.
DEPUTY_POSITIONS = {
    Domain.RURAL: "村党组织副书记、村委会主任",
    Domain.COMMUNITY: "社区党组织副书记、居委会主任",
    Domain.ORGAN: "机关党组织专职副书记",
    Domain.INSTITUTION: "党委副书记",
    Domain.SCHOOL: "党组织副书记、副校长",
    Domain.SOE: "党委副书记、工会主席",
    Domain.TWO_NEW: "党支部副书记、行政部经理",
    Domain.PARK: "党工委副书记",
    Domain.AGENCY: "行业党委副书记",
    Domain.ASSOCIATION: "党支部副书记、秘书长",
}
MEMBER_POSITIONS = ["组织委员", "宣传委员", "纪检委员", "青年委员", "党务工作者", "党员代表"]
STOPS = ["党群服务中心", "党建文化长廊", "“三务”公开栏", "党员活动室", "服务窗口", "创建成果展示区"]
BRANDS = ["红色引擎", "先锋领航", "党建+", "红心向党", "一线先锋", "初心驿站", "红色管家", "党群连心"]


def add_arguments(parser):
    parser.add_argument("--sites", type=int, default=0, help="补足到 N 个示范点（合成数据，用于性能测试）")


def seed(options, stdout):
    year = timezone.localdate().year
    if not Site.objects.filter(nomination_year=year - 2).exists():
        _programme(year, random.Random(year))
    if options.get("sites"):
        _synthetic(options["sites"], random.Random(7))
    stdout.write(f"sites: {Site.objects.count()} 个示范点, {Batch.objects.count()} 个授牌批次")


class People:
    """Makes up the demo's people: a Chinese name, and a mobile number nobody else in the demo has."""

    def __init__(self, rng: random.Random, taken=()):
        self.rng = rng
        self.phones = {phone for phone in taken if phone}

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_NAMES)

    def phone(self) -> str:
        while True:
            number = f"{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randint(0, 99_999_999):08d}"
            if number not in self.phones and is_phone(number):
                self.phones.add(number)
                return number


def _taken_phones() -> set[str]:
    """Numbers the demo already gave someone (the demo users'), so no one shares a number."""
    User = get_user_model()
    return set(User.objects.exclude(phone="").values_list("phone", flat=True))


@transaction.atomic
def _programme(year: int, rng: random.Random) -> None:
    User = get_user_model()
    staff = User.objects.filter(username="staff").first()
    leader = User.objects.filter(username="leader").first()
    instructor = User.objects.filter(username="instructor").first()
    district = User.objects.filter(username="district").first()
    people = People(rng, _taken_phones())
    if leader and leader.organization_id:
        # The demo leader is the secretary of their own branch, so the site, its group and its narrators agree.
        PartyOrganization.objects.filter(pk=leader.organization_id).update(secretary=leader.full_name)
    # The leader's branch is creating this year (below), so no earlier year draws it.
    used: set[int] = {leader.organization_id} if leader and leader.organization_id else set()
    for y in (year - 2, year - 1, year):
        for domain, (creating, named) in YEARLY_TARGETS.items():
            Target.objects.get_or_create(
                year=y, domain=domain, region=None, defaults={"creating_units": creating, "named_sites": named}
            )

    def pick(domain, count):
        pool = list(PartyOrganization.objects.filter(domain=domain).exclude(pk__in=used).order_by("id"))
        chosen = rng.sample(pool, min(count, len(pool)))
        used.update(o.pk for o in chosen)
        return chosen

    sites_by_year = {}
    for y in (year - 2, year - 1, year):
        organizations = [o for domain, (creating, _named) in YEARLY_TARGETS.items() for o in pick(domain, creating)]
        chosen = {o.pk for o in organizations}
        if y == year and leader and leader.organization_id and leader.organization_id not in chosen:
            organizations[0] = PartyOrganization.objects.get(pk=leader.organization_id)  # creating this year
        sites_by_year[y] = [_nominate(o, y, staff, rng, people, leader) for o in organizations]
        _district_targets(y, sites_by_year[y], rng)

    # Acceptance of Y-2 and Y-1: about half pass and are named in that year's batch with a subsidy.
    for y in (year - 2, year - 1):
        batch, _created = Batch.objects.get_or_create(name=f"{y}年第一批", defaults={"named_on": date(y, 12, 20)})
        for index, site in enumerate(sites_by_year[y]):
            services.site_transition(
                site=site, to_state=SiteState.CANDIDATE, by=staff, manual=False, reason=f"{y}年度创建工作启动"
            )
            passed = index % 2 == 0 or rng.random() < 0.1
            site.refresh_from_db()
            services.site_transition(
                site=site,
                to_state=SiteState.FORMAL if passed else SiteState.NOT_PASSED,
                by=staff,
                manual=False,
                reason=f"{y}年度验收（演示数据）",
            )
            if passed:
                Site.objects.filter(pk=site.pk).update(batch=batch)
                Subsidy.objects.create(site=site, year=y, amount=50000, note="命名奖补")
    # Second-year review of Y-2's named sites, in Y-1: most move up, a few are eliminated.
    for site in Site.objects.filter(nomination_year=year - 2, state=SiteState.FORMAL):
        outcome = SiteState.ELIMINATED if rng.random() < 0.15 else SiteState.IMPROVING
        review = f"{year - 1}年度复评（演示数据）"
        services.site_transition(site=site, to_state=outcome, by=staff, manual=False, reason=review)
    for site in sites_by_year[year]:
        services.site_transition(
            site=site, to_state=SiteState.CANDIDATE, by=staff, manual=False, reason=f"{year}年度创建工作启动"
        )

    all_sites = list(Site.objects.select_related("region").order_by("id"))
    for site in all_sites:
        _people(site, rng, people, leader if leader and site.organization_id == leader.organization_id else None)
    if instructor:
        for site in rng.sample(all_sites, 12):
            site.instructors.add(instructor)
    if district and district.region_id:
        for site in Site.objects.filter(region__path__startswith=district.region.path):
            site.liaisons.add(district)
    named = [s for s in all_sites if s.state in (SiteState.FORMAL, SiteState.IMPROVING)]
    _zones(named)


def _district_targets(year: int, sites, rng) -> None:
    """Each district's own targets for the year: about what it put forward, a little over or under here and
    there, so that the district view of the targets page shows both."""
    counts = Counter((site.organization.region.path.strip("/").split("/")[1], site.domain) for site in sites)
    for (district_id, domain), count in sorted(counts.items()):
        creating = max(1, count + rng.choice((-1, 0, 0, 1)))
        Target.objects.get_or_create(
            year=year,
            domain=domain,
            region_id=int(district_id),
            defaults={"creating_units": creating, "named_sites": (creating + 1) // 2},
        )


def _nominate(organization, year, staff, rng, people, leader=None) -> Site:
    """Put forward one unit; its secretary and its contact (the group's deputy, who runs the work) get numbers."""
    brand = rng.choice(BRANDS)
    own = leader is not None and organization.pk == leader.organization_id
    return services.site_nominate(
        organization=organization,
        year=year,
        by=staff,
        reason="区县推荐（演示数据）",
        level=SiteLevel.CITY if rng.random() < 0.8 else SiteLevel.DISTRICT,
        name=f"{organization.name}党建示范点".replace("党支部党建", "党建").replace("党委党建", "党建"),
        brand_name=f"{brand}",
        brand_slogan="围绕中心抓党建，抓好党建促发展",
        highlights="- 建强支部战斗堡垒\n- 党员带头服务群众\n- 党建引领中心工作",
        secretary_name=organization.secretary or people.name(),
        secretary_phone=leader.phone if own and leader.phone else people.phone(),
        contact_name=people.name(),
        contact_phone=people.phone(),
        address=f"{organization.region.name}{organization.name.replace('党支部', '').replace('党委', '')}",
    )


def _people(site, rng, people, leader_user) -> None:
    """The creation group (组长 the secretary, or the demo leader on their own site; 副组长 the contact; two
    members) and the narrators (the secretary and one or two trained guides), each with their own number."""
    if site.group_members.exists():
        return
    kind = site.organization.get_kind_display()
    members = [
        CreationGroupMember(
            site=site,
            role=GroupRole.LEADER,
            name=leader_user.full_name if leader_user else site.secretary_name,
            user=leader_user,
            position=f"{kind}书记",
            phone=site.secretary_phone,
            order=1,
        ),
        CreationGroupMember(
            site=site,
            role=GroupRole.DEPUTY,
            name=site.contact_name,
            position=DEPUTY_POSITIONS.get(site.domain, "党组织副书记"),
            phone=site.contact_phone,
            order=2,
        ),
    ]
    for order, position in enumerate(rng.sample(MEMBER_POSITIONS, 2), start=3):
        members.append(
            CreationGroupMember(
                site=site,
                role=GroupRole.MEMBER,
                name=people.name(),
                position=position,
                phone=people.phone(),
                order=order,
            )
        )
    CreationGroupMember.objects.bulk_create(members)
    narrators = [
        Narrator(
            site=site, name=site.secretary_name, phone=site.secretary_phone, is_secretary=True, trained=True, order=1
        )
    ]
    for order in range(2, 2 + rng.choice((1, 1, 2))):
        narrators.append(
            Narrator(site=site, name=people.name(), phone=people.phone(), trained=rng.random() < 0.7, order=order)
        )
    Narrator.objects.bulk_create(narrators)
    if site.state in (SiteState.FORMAL, SiteState.IMPROVING):
        TourStop.objects.bulk_create(
            [
                TourStop(site=site, order=n, title=title, description=f"{title}：展示{site.brand_name}的做法与成效。")
                for n, title in enumerate(rng.sample(STOPS, 4), start=1)
            ]
        )


def _zones(named) -> None:
    linjiang = Region.objects.filter(name="临江区", kind=RegionKind.DISTRICT).first()
    zone, _created = Zone.objects.get_or_create(
        name="临江区党建示范区", defaults={"kind": ZoneKind.ZONE, "region": linjiang}
    )
    in_district = [s for s in named if linjiang and s.region.path.startswith(linjiang.path)][:6]
    for order, site in enumerate(in_district, start=1):
        ZoneSite.objects.get_or_create(zone=zone, site=site, defaults={"order": order})
    belt, _created = Zone.objects.get_or_create(
        name="滨江红色观摩带", defaults={"kind": ZoneKind.BELT, "description": "串联沿江示范点的观摩线路，半日可走完。"}
    )
    for order, site in enumerate(named[:5], start=1):
        ZoneSite.objects.get_or_create(zone=belt, site=site, defaults={"order": order})


@transaction.atomic
def _synthetic(total: int, rng: random.Random) -> None:
    """Top the registry up to `total` sites, each on a synthetic organization, in bulk."""
    missing = total - Site.objects.count()
    if missing <= 0:
        return
    villages = list(Region.objects.filter(kind__in=[RegionKind.VILLAGE, RegionKind.COMMUNITY]))
    start = PartyOrganization.objects.filter(name__startswith="合成党支部").count()
    year = timezone.localdate().year
    organizations = []
    for n in range(start, start + missing):
        region = villages[n % len(villages)]
        domain = rng.choice(Domain.values)
        organizations.append(
            PartyOrganization(
                name=f"合成党支部{n:06d}",
                kind=OrganizationKind.BRANCH,
                domain=domain,
                region=region,
                secretary="合成",
                member_count=20,
            )
        )
    organizations = PartyOrganization.objects.bulk_create(organizations, batch_size=2000)
    states = list(SiteState.values)
    Site.objects.bulk_create(
        [
            Site(
                name=f"{o.name}示范点",
                organization=o,
                domain=o.domain,
                region_id=o.region_id,
                nomination_year=rng.randint(year - 5, year),
                state=rng.choice(states),
                level=SiteLevel.CITY,
                brand_name=rng.choice(BRANDS),
            )
            for o in organizations
        ],
        batch_size=2000,
    )
