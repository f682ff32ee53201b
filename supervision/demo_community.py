"""Demo data of supervision's community features: typical experiences across two districts (one promoted on the
demo leader's site, one selected, one submitted), a notice of criticism issued this year, a study tour along the
demo belt with feedback, and a pairing with two activities on the demo leader's site. Idempotent: a record that
exists (by title) is left alone. Runs after sites and accounts, before evaluations."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.choices import RegionKind
from accounts.models import PartyOrganization, Region
from sites.choices import ZoneKind
from sites.models import CreationGroupMember, Site, Zone

from . import experiences, notices, tours
from .models import Experience, Notice, Pairing, StudyTour
from .tours import zone_sites

# The notice of criticism goes to a site the evaluations demo puts in its second batch (its picks are
# deterministic), so that batch's results carry the deduction; if the registry differs, any other site of
# another district than the demo leader's.
NOTICE_SITE_NAMES = ["光明村党建示范点"]


def _in(region: Region | None):
    return Site.objects.filter(region__path__startswith=region.path) if region else Site.objects.none()


def seed(options, stdout):
    User = get_user_model()
    staff = User.objects.filter(username="staff").first()
    leader = User.objects.filter(username="leader").first()
    district_user = User.objects.filter(username="district").first()
    if staff is None:
        return
    today = timezone.localdate()
    year_start = datetime.date(today.year, 1, 1)

    def days_ago(n: int) -> datetime.date:
        return max(year_start, today - datetime.timedelta(days=n))

    member = CreationGroupMember.objects.filter(user=leader).select_related("site").order_by("id").first()
    own_site = member.site if member else None
    linjiang = Region.objects.filter(name="临江区", kind=RegionKind.DISTRICT).first()
    other = Region.objects.filter(depth=1, kind=RegionKind.DISTRICT).exclude(pk=getattr(linjiang, "pk", None))
    other = other.order_by("path").first()
    others = list(_in(other).exclude(pk=getattr(own_site, "pk", None)).order_by("name")[:3])
    in_linjiang = list(_in(linjiang).exclude(pk=getattr(own_site, "pk", None)).order_by("name")[:3])

    made = 0
    # 1. Experiences.
    if own_site and leader and not Experience.objects.filter(title="“村事民议”议事会推动村级治理").exists():
        experience = experiences.experience_submit(
            by=leader,
            title="“村事民议”议事会推动村级治理",
            summary="每月召开村民议事会，党员带头、群众参与，村里大事小情议在前、办在后，全年解决实事 12 件。",
            sites=[own_site],
        )
        experiences.experience_select(experience=experience, by=staff, note="做法实、成效好，入选本年度典型经验。")
        experiences.experience_promote(experience=experience, by=staff, note="在全市农村示范点推广。")
        made += 1
    if others and not Experience.objects.filter(title="“党建+网格”服务企业职工").exists():
        experience = experiences.experience_submit(
            by=staff,
            title="“党建+网格”服务企业职工",
            summary="把党小组建在网格上，党员联系职工户，收集诉求、解决困难，职工满意度明显提升。",
            sites=others[:1],
        )
        experiences.experience_select(experience=experience, by=staff, note="入选，待进一步总结后推广。")
        made += 1
    if in_linjiang and district_user and not Experience.objects.filter(title="红色教育基地“一站式”讲解").exists():
        experiences.experience_submit(
            by=district_user,
            title="红色教育基地“一站式”讲解",
            summary="整合辖区红色资源，培训党员讲解员，形成“一条线路、一套讲稿、一支队伍”的讲解模式。",
            sites=in_linjiang[:1],
        )
        made += 1
    if len(others) > 1 and not Experience.objects.filter(title="“积分超市”激发党员活力").exists():
        experiences.experience_submit(
            by=staff,
            title="“积分超市”激发党员活力",
            summary="党员参加志愿服务、学习活动记积分，积分可在“超市”兑换生活用品，党员参与率提高到九成以上。",
            sites=others[1:2],
        )
        made += 1

    # 2. A notice of criticism issued this year.
    if not Notice.objects.exists():
        target = Site.objects.filter(name__in=NOTICE_SITE_NAMES).order_by("id").first()
        if target is None:
            target = (others[2:] or others[:1] or [None])[0]
        if target is not None:
            notices.notice_record(
                by=staff,
                issued_on=days_ago(20),
                number=f"组通〔{today.year}〕7号",
                reason="创建工作推进迟缓，阵地建设未按方案完成，督办任务多次逾期未报送。",
                site=target,
            )
            made += 1

    # 3. A study tour along the demo belt, held ten days ago, with feedback.
    belt = Zone.objects.filter(kind=ZoneKind.BELT).order_by("name").first()
    title = "滨江红色观摩带现场观摩"
    if belt and not StudyTour.objects.filter(title=title).exists():
        stops = zone_sites(belt)
        if stops:
            tour = tours.tour_create(
                by=staff,
                title=title,
                held_on=days_ago(10),
                participants="各区县委组织部分管副部长、组织科长，部分示范点党组织书记，共 36 人",
                description="沿滨江红色观摩带依次观摩，每点听取 10 分钟介绍，最后座谈交流。",
                sites=stops,
            )
            tours.tour_feedback_record(
                tour=tour, by=staff, author_name="王建国", content="线路安排紧凑，阵地建设各有特色，值得学习。"
            )
            tours.tour_feedback_record(
                tour=tour,
                by=staff,
                author_name="陈晓燕",
                content="讲解员讲得生动，建议把党员积分制度的做法整理成材料分享。",
                site=stops[0],
            )
            made += 1

    # 4. A pairing on the demo leader's site with two activities.
    if own_site and leader and not Pairing.objects.filter(site=own_site).exists():
        partner = (
            PartyOrganization.objects.exclude(pk=own_site.organization_id)
            .filter(region__path__startswith=own_site.region.parent.path if own_site.region.parent else "/")
            .order_by("name")
            .first()
        )
        pairing = tours.pairing_record(
            by=staff,
            site=own_site,
            partner_organization=partner,
            partner_name="" if partner else "石门镇后进村党支部",
            aims="帮助结对党支部规范组织生活、建好活动阵地，一年内达到示范点申报条件。",
            started_on=datetime.date(today.year - 1, 3, 1),
        )
        tours.pairing_activity_record(
            pairing=pairing,
            by=leader,
            held_on=days_ago(120),
            title="联合主题党日：参观红色教育基地",
            description="两支部党员 40 余人参加，会后交流“三会一课”做法。",
        )
        tours.pairing_activity_record(
            pairing=pairing,
            by=leader,
            held_on=days_ago(30),
            title="帮助整理党建台账",
            description="派两名党员帮助结对支部整理会议记录和党费收缴台账。",
        )
        made += 1
    stdout.write(f"supervision (community): {made} 组演示记录")
