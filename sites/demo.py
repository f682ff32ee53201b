"""Demo data of sites: three years of a realistic programme in the demo city, or a large synthetic one.

Years Y-2 and Y-1 went through acceptance (about half named each year, in a batch, with a subsidy) and
Y-2's named sites through their second-year review (a few eliminated); year Y's units are creating now.
Idempotent: the programme is made once; `--sites N` tops the registry up to N sites for performance work.
"""

import random
from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.choices import Domain, OrganizationKind, RegionKind
from accounts.models import PartyOrganization, Region

from . import services
from .choices import GroupRole, SiteLevel, SiteState, ZoneKind
from .models import Batch, CreationGroupMember, Narrator, Site, Subsidy, Target, TourStop, Zone, ZoneSite

# Seed 003's example year: creating units per domain, and about half of them to be named.
YEARLY_TARGETS = {
    Domain.RURAL: (20, 10),
    Domain.COMMUNITY: (6, 3),
    Domain.ORGAN: (4, 2),
    Domain.SCHOOL: (3, 2),
    Domain.TWO_NEW: (15, 7),
    Domain.AGENCY: (1, 1),
    Domain.ASSOCIATION: (1, 0),
}
# "Enterprise" units come from every kind of enterprise organization the city has.
POOLS = {Domain.TWO_NEW: [Domain.TWO_NEW, Domain.SOE, Domain.PARK]}
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


@transaction.atomic
def _programme(year: int, rng: random.Random) -> None:
    User = get_user_model()
    staff = User.objects.filter(username="staff").first()
    leader = User.objects.filter(username="leader").first()
    instructor = User.objects.filter(username="instructor").first()
    district = User.objects.filter(username="district").first()
    used: set[int] = set()
    for y in (year - 2, year - 1, year):
        for domain, (creating, named) in YEARLY_TARGETS.items():
            Target.objects.get_or_create(
                year=y, domain=domain, region=None, defaults={"creating_units": creating, "named_sites": named}
            )

    def pick(domain, count):
        pool = list(
            PartyOrganization.objects.filter(domain__in=POOLS.get(domain, [domain])).exclude(pk__in=used).order_by("id")
        )
        chosen = rng.sample(pool, min(count, len(pool)))
        used.update(o.pk for o in chosen)
        return chosen

    sites_by_year = {}
    for y in (year - 2, year - 1, year):
        organizations = [o for domain, (creating, _named) in YEARLY_TARGETS.items() for o in pick(domain, creating)]
        chosen = {o.pk for o in organizations}
        if y == year and leader and leader.organization_id and leader.organization_id not in chosen:
            organizations[0] = leader.organization  # the demo leader's own branch is creating this year
        sites_by_year[y] = [_nominate(o, y, staff, rng) for o in organizations]

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
        _people(site, rng, leader if leader and site.organization_id == leader.organization_id else None)
    if instructor:
        for site in rng.sample(all_sites, 12):
            site.instructors.add(instructor)
    if district and district.region_id:
        for site in Site.objects.filter(region__path__startswith=district.region.path):
            site.liaisons.add(district)
    named = [s for s in all_sites if s.state in (SiteState.FORMAL, SiteState.IMPROVING)]
    _zones(named)


def _nominate(organization, year, staff, rng) -> Site:
    brand = rng.choice(BRANDS)
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
        secretary_name=organization.secretary,
        secretary_phone=f"139{rng.randint(10000000, 99999999)}",
        contact_name=organization.secretary,
        contact_phone=f"138{rng.randint(10000000, 99999999)}",
        address=f"{organization.region.name}{organization.name.replace('党支部', '').replace('党委', '')}",
    )


def _people(site, rng, leader_user) -> None:
    if site.group_members.exists():
        return
    secretary = site.secretary_name or "书记"
    members = [
        CreationGroupMember(
            site=site,
            role=GroupRole.LEADER,
            name=leader_user.full_name if leader_user else secretary,
            user=leader_user,
            position="党组织书记",
            phone=site.secretary_phone,
            order=1,
        ),
        CreationGroupMember(site=site, role=GroupRole.DEPUTY, name=f"副组长{site.pk}", position="党务工作者", order=2),
        CreationGroupMember(site=site, role=GroupRole.MEMBER, name=f"组员{site.pk}", position="党员代表", order=3),
    ]
    CreationGroupMember.objects.bulk_create(members)
    Narrator.objects.bulk_create(
        [
            Narrator(site=site, name=secretary, is_secretary=True, trained=True, order=1),
            Narrator(site=site, name=f"解说员{site.pk}", trained=rng.random() < 0.7, order=2),
        ]
    )
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
