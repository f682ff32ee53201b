"""Demo data of evaluations: this year's sites evaluated in three batches (三批), each at another point of its life.

Why all three are this year's rounds: the registry (sites/demo.py) has already applied last year's outcomes
(last year's candidates are formal or not passed, the year before's named sites reviewed), so a round of last
year still waiting for publication would contradict it — finalizing it would apply those outcomes a second
time, and each of its sites would show the stage of its *present* state. Last year's frozen standard
(standards/demo.py) stands for the round that decided those outcomes; this year's batches score against this
year's standard, each site at the stage its state gives it (candidate → 验收, formal → 复评, improving → 年检):

- 第一批 (`finalized`): every sheet submitted by the 3–6 scorers of its team, totals mostly 80–95; two sites
  tie on purpose (their scorers handed in identical sheets for both) and one fails a veto item (most of its
  sheets mark it absent) although its score would pass; two self-assessments. Then its results: a deduction
  and a bonus line, published, two objections (one rejected, one upheld: the deduction withdrawn and the
  results published again), finalized — states changed, a batch named, subsidies and rectification items.
- 第二批 (`scoring`): sheets in every state — not started, in progress, submitted, excused (one a declared
  conflict of interest), one submitted, returned by the team leader and corrected since (its change log) —
  with the demo `scorer` on several of its sites in `teamlead`'s team; its third team scored on paper and
  waits for the import.
- 第三批 (`self_assessment`): the rest of this year's sites, the demo `leader`'s among them with her
  self-assessment still to fill in; teams partly formed.

Everything goes through evaluations.services, so audit entries, notifications and the rules hold as if people
had done it. Deterministic (fixed random seed) and idempotent: a round that exists (by name and year) is left
alone. Synthetic sites (`seed_demo --sites N`) have no people and never join: the rounds keep the programme's
size whatever the registry's (the benchmark in bench/ builds its own large round).
"""

import random
import uuid
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO
from unittest import mock

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.choices import DataScope
from accounts.models import PartyOrganization, User
from accounts.roles import ADMIN_SITE_ROLES, Role
from accounts.services import user_set_roles
from archives.models import Material
from sites.choices import GroupRole
from sites.models import Site
from sites.services import member_account_open
from standards.choices import ScoringKind
from standards.models import Standard
from standards.selectors import applicable_items, standard_for_year

from . import adjustments, finalization, publication, rules, services, supervision_lines
from .choices import AdjustmentKind, RoundStatus, SheetKind, Stage
from .models import Round, RoundSite, ScoreSheet, Team

# The demo's scorers besides `scorer` (孙伟): officials of the city's and the districts' organization departments
# and offices. Each belongs to a real organization of the demo city: that is what the conflict-of-interest rule
# compares a site against (a district official never scores a site of their own district).
SCORERS = [
    # username, full name, unit as shown, organization (its name in the demo city)
    ("scorer02", "吴晓东", "市委组织部组织一科", "市委组织部机关第一党支部"),
    ("scorer03", "郑春霞", "市纪委监委党风政风监督室", "市纪委监委机关第一党支部"),
    ("scorer04", "马志强", "临江区委组织部", "临江区委组织部党支部"),
    ("scorer05", "何丽华", "东湖区委组织部", "东湖区委组织部党支部"),
    ("scorer06", "罗建华", "西山区委组织部", "西山区委组织部党支部"),
    ("scorer07", "梁玉兰", "南溪县委组织部", "南溪县委组织部党支部"),
    ("scorer08", "谢国庆", "北岭县委组织部", "北岭县委组织部党支部"),
    ("scorer09", "宋红梅", "青石市委组织部", "青石市委组织部党支部"),
    ("scorer10", "唐文军", "市委宣传部", "市委宣传部机关第一党支部"),
    ("scorer11", "许立新", "临江区委办公室", "临江区委办公室党支部"),
    ("scorer12", "韩桂芳", "南溪县委办公室", "南溪县委办公室党支部"),
    ("scorer13", "冯明亮", "北岭县委办公室", "北岭县委办公室党支部"),
]
TEAM_LEADERS = [
    ("teamlead02", "曾卫东", "市委组织部干部监督科"),
    ("teamlead03", "彭淑珍", "市直机关工委"),
]
# Teams: (name, leader, members). Between them a team's members must avoid only part of the city (东湖, 市直 and
# 青石 for the first; 南溪 and 北岭 for the second; 临江 and 西山 for the third), so each has sites left to score.
# Sizes 6, 4 and 3: a site's on-site score is a mean of 3–6 sheets, trimmed from five on (DOMAIN.md §5).
TEAMS = [
    ("第一验收组", "teamlead", ["scorer", "scorer05", "scorer02", "scorer03", "scorer10", "scorer09"]),
    ("第二验收组", "teamlead02", ["scorer07", "scorer12", "scorer08", "scorer13"]),
    ("第三验收组", "teamlead03", ["scorer04", "scorer06", "scorer11"]),
]
# The second batch: 郑春霞 (scorer03) went to the third team, which scored on paper.
SECOND_TEAMS = [
    ("第一验收组", "teamlead", ["scorer", "scorer02", "scorer05", "scorer10", "scorer09"]),
    ("第二验收组", "teamlead02", ["scorer07", "scorer08", "scorer12", "scorer13"]),
    ("第三验收组", "teamlead03", ["scorer04", "scorer06", "scorer11", "scorer03"]),
]
ACC, REV, INS = Stage.ACCEPTANCE, Stage.REVIEW, Stage.INSPECTION
# The stages of each team's sites, in the order they are picked.
FIRST_PLAN = [[ACC, REV, INS, ACC, INS], [ACC, ACC, REV, INS], [REV, ACC, INS, REV]]
SECOND_PLAN = [[REV, ACC, INS, REV, ACC], [INS, REV, ACC, INS, REV], [ACC, REV, INS, ACC, REV]]
# Where each sheet of the second batch stands, per team, per site, one letter per member in the team's order:
# N not started, P in progress, S submitted, R submitted then returned and corrected, C a declared conflict of
# interest, E excused by staff. The demo `scorer` is the first member of the first team.
SECOND_STATES = [
    ["SSSSS", "RSSSP", "PSSPN", "NSPPN", "CSSPP"],
    ["SSSS", "SSSP", "SSPE", "SPNS", "PPNN"],
    ["NNNN", "NNNN", "NNNN", "NNNN", "NNNN"],  # scored on paper: staff import the sheets
]
REAL_NOW = timezone.now  # the clock, before Demo.at moves it for a while
THIRD_BATCH_CAP = 80  # the third batch takes the rest of the year's sites, never a synthetic registry's worth

STEP = Decimal("0.5")
ONSITE_REMARKS = [
    "台账资料不够完整，部分会议记录缺少签到",
    "现场展示内容更新不及时",
    "解说员对创建历程介绍不够熟练",
    "特色做法总结提炼还不够",
    "制度上墙内容与实际执行有差距",
    "群众对创建工作的知晓率有待提高",
    "活动开展频次偏少，记录较为简单",
]
SELF_REMARKS = [
    "已按要求落实，详见佐证材料",
    "已完成，相关记录已归档",
    "基本完成，正在进一步完善",
    "已落实，照片和台账见附件",
]
VETO_REMARK = "抽查发现部分会议记录系事后补记，创建材料存在不实情况"
RETURN_REASON = "SY-05 得分与现场记录不一致（扣分未注明理由），请核实后重新提交"
CORRECTION_REMARK = "复核现场记录后调整：扣分项为活动记录不全"
CONFLICT_REASON = "本人配偶在该单位任职，申报回避"
EXCUSE_REASON = "因病住院，未能参加实地考评，经考评办批准免评"


def add_arguments(parser):
    parser.add_argument("--without-rounds", action="store_true", help="不生成考评轮次演示数据（测试用，更快）")


@dataclass
class Demo:
    """What every part of the demo needs: the year, its standard, the people, a seeded random generator."""

    year: int
    today: date
    standard: Standard
    users: dict[str, User]
    password_hash: str  # the demo password, hashed once for every account made here
    rng: random.Random

    @property
    def staff(self) -> User:
        return self.users["staff"]

    @contextmanager
    def at(self, days: int, hour: int, minute: int = 0):
        """Let what happens inside be stamped `days` from today at `hour`:`minute` (never later than an hour ago),
        plus the real seconds elapsed, so the order of events holds. A round's history spans weeks and its pages
        show when each step happened, not the second the demo ran: every stamp (auto_now fields, the services'
        timezone.now(), audit entries, notifications) reads django.utils.timezone.now."""
        moment = timezone.make_aware(datetime.combine(self.today + timedelta(days=days), time(hour, minute)))
        moment = min(moment, REAL_NOW() - timedelta(hours=1))
        start = REAL_NOW()
        with mock.patch.object(timezone, "now", lambda: moment + (REAL_NOW() - start)):
            yield


def seed(options, stdout):
    if options.get("without_rounds"):
        return
    today = timezone.localdate()
    password_hash = make_password(options["password"])
    users = _users(password_hash)
    standard = standard_for_year(today.year)
    if standard is None or not all(users.get(name) for name in ("staff", "scorer", "teamlead")):
        stdout.write("evaluations: 缺少本年度评分标准或演示用户，跳过考评演示数据")
        return
    demo = Demo(today.year, today, standard, users, password_hash, random.Random(today.year))
    batches = [("第一批", _first_batch), ("第二批", _second_batch), ("第三批", _third_batch)]
    for batch, build in batches:
        name = f"{demo.year}年度示范点考评（{batch}）"
        if not Round.objects.filter(name=name, year=demo.year).exists():
            build(demo, name)
    _sync_supervision(demo, stdout)
    rounds = Round.objects.filter(year=demo.year)
    sheets = ScoreSheet.objects.filter(entry__round__in=rounds, kind=SheetKind.ONSITE).count()
    stdout.write(f"evaluations: {rounds.count()} 个考评轮次, {sheets} 份评分表")


def _sync_supervision(demo: Demo, stdout) -> None:
    """The second batch (being scored) carries the automatic lines the demo's supervision records give (notices,
    late answers, overdue rectification items, promoted experiences), as the nightly job would (idempotent)."""
    name = f"{demo.year}年度示范点考评（第二批）"
    round_ = Round.objects.filter(name=name, year=demo.year, status=RoundStatus.SCORING).first()
    if round_ is not None:
        synced = supervision_lines.round_sync_supervision(round_, by=None)
        if synced.changed:
            stdout.write(f"evaluations: 第二批按督办记录生成扣分加分 {len(synced.added)} 项")


# --- people ---------------------------------------------------------------------------------------------


def _users(password_hash: str) -> dict[str, User]:
    """The demo's scorers and team leaders (made, or refreshed like accounts/demo.py refreshes its users), with
    the demo users the rounds need. One hash serves them all: hashing the password for each would take longer
    than the rest of the demo."""
    users = {user.username: user for user in User.objects.filter(username__in=["staff", "scorer", "teamlead"])}
    people = [(username, Role.SCORER, name, unit, organization) for username, name, unit, organization in SCORERS]
    people += [(username, Role.TEAMLEAD, name, unit, None) for username, name, unit in TEAM_LEADERS]
    for index, (username, role, full_name, unit, organization_name) in enumerate(people, start=1):
        organization = None
        if organization_name:
            organization = PartyOrganization.objects.filter(name=organization_name).order_by("id").first()
        user, _created = User.objects.update_or_create(
            username=username,
            defaults={
                "full_name": full_name,
                "unit": unit,
                "scope": DataScope.ASSIGNED,
                "organization": organization,
                "phone": f"1390000{index:04d}",
                "password": password_hash,
                "is_staff": role in ADMIN_SITE_ROLES,
                "is_active": True,
                "must_change_password": False,
            },
        )
        if set(user.roles) != {role}:
            user_set_roles(user=user, roles=[role])
        users[username] = user
    # The site leaders' accounts opened for self-assessments (below) keep the demo password too.
    User.objects.filter(username__regex=r"^leader\d\d$").update(password=password_hash)
    return users


def _site_leader(demo: Demo, site: Site) -> User | None:
    """The account of the site's group leader (组长), opened by staff as they would on the site page."""
    member = site.group_members.filter(role=GroupRole.LEADER).select_related("user").first()
    if member is None:
        return None
    if member.user_id:
        return member.user
    number = 2
    while User.objects.filter(username=f"leader{number:02d}").exists():
        number += 1
    user, _one_time = member_account_open(by=demo.staff, member=member, username=f"leader{number:02d}")
    user.password, user.must_change_password = demo.password_hash, False
    user.save(update_fields=["password", "must_change_password"])
    return user


# --- the batches ----------------------------------------------------------------------------------------


def _create(demo: Demo, name: str, days: tuple[int, int, int, int], notes: str) -> Round:
    """A round of this year, its windows `days` from today: self-assessment start and end, scoring start and end."""
    start, end, scoring_start, scoring_end = (demo.today + timedelta(days=n) for n in days)
    return services.round_create(
        by=demo.staff,
        name=name,
        year=demo.year,
        standard=demo.standard,
        self_assessment_start=start,
        self_assessment_end=end,
        scoring_start=scoring_start,
        scoring_end=scoring_end,
        notes=notes,
    )


def _visit_days(first: int, last: int, count: int) -> list[int]:
    """The days (from today) a round's `count` sites are visited, spread over its on-site window."""
    return [first + round(index * (last - first) / max(1, count - 1)) for index in range(count)]


def _first_batch(demo: Demo, name: str) -> None:
    """Scored, ready to be published: every sheet submitted, a tie and a veto failure among its sites."""
    with demo.at(-77, 10):  # prepared a week before its self-assessment opens
        notes = "本年度第一批新创建单位验收，以及第二年复评和年检。实地考评已全部完成，待公示。"
        round_ = _create(demo, name, (-70, -56, -50, -22), notes)
        # The second team's first two sites tie (picked in one domain: they score the same items); its third
        # fails a veto item although its score would pass.
        teams = _teams_and_sites(demo, round_, TEAMS, FIRST_PLAN, same_domain=(1, 1))
    second = teams[1].entries
    tie = second[:2] if len(second) > 1 and second[0].site.domain == second[1].site.domain else []
    veto = second[2] if len(second) > 2 else None
    with demo.at(-70, 9):
        services.round_open(round=round_, by=demo.staff)
    for days, entry in zip((-66, -60), teams[0].entries[:1] + second[3:4], strict=False):
        with demo.at(days, 16):
            _self_assess(demo, entry)
    with demo.at(-50, 8):
        services.round_start_scoring(round=round_, by=demo.staff)
    visits = [(team, entry) for team in teams for entry in team.entries if not (tie and entry == tie[1])]
    for days, (team, entry) in zip(_visit_days(-50, -23, len(visits)), visits, strict=True):
        twins = [_sheets(each, team.members) for each in (tie if tie and entry == tie[0] else [entry])]
        quality = 0.92 if entry == veto else demo.rng.uniform(0.77, 0.94)
        items = _items(entry)
        for position in range(len(team.members)):
            # More than half of the veto site's sheets find its materials untrue: all but one.
            absent = _untrue(items) if entry == veto and position < len(team.members) - 1 else None
            values = _values(items, quality + demo.rng.uniform(-0.03, 0.03), demo.rng, absent_veto=absent)
            with demo.at(days, 11, 5 * position):  # the team hands its sheets in at the end of the visit
                for sheets in twins:  # the tie: each scorer hands in the same sheet for both sites
                    _fill(sheets[position], values)
                    services.sheet_submit(sheet=sheets[position], by=sheets[position].scorer)
    with demo.at(-21, 10):
        services.round_close_scoring(round=round_, by=demo.staff)
    _publish_and_finalize(demo, round_, veto=veto, others=[e for team in teams for e in team.entries if e != veto])


def _publish_and_finalize(demo: Demo, round_: Round, *, veto, others) -> None:
    """The first batch's results: a deduction for a notice of criticism and a bonus for a promoted experience,
    published; the veto site's leader objects (rejected), another site's objection to its deduction is upheld
    (the line withdrawn, the results published again); then finalized: states, batch, subsidies, rectification."""
    criticised, promoted = [*others, None, None][:2]
    lines = []
    with demo.at(-20, 15):
        if criticised is not None:
            lines.append(
                adjustments.adjustment_add(
                    entry=criticised,
                    by=demo.staff,
                    kind=AdjustmentKind.DEDUCTION,
                    points=Decimal("2"),
                    reason="市委组织部通报批评：创建工作推进迟缓，推诿扯皮",
                )
            )
        if promoted is not None:
            adjustments.adjustment_add(
                entry=promoted,
                by=demo.staff,
                kind=AdjustmentKind.BONUS,
                points=Decimal("1"),
                reason="典型经验“红色驿站”被市委组织部选树推广",
            )
    with demo.at(-19, 9):
        # The lines above stand for this batch's supervision facts: the demo's supervision records stay out of it.
        publication.round_publish(round=round_, by=demo.staff, sync_supervision=False)
    objectors = [(entry, _site_leader(demo, entry.site)) for entry in (veto, criticised) if entry is not None]
    for position, (entry, leader) in enumerate(objectors):
        if leader is None:
            continue
        text = (
            "我单位创建材料均真实有效，评分表中判定“无”的依据不足，请求复核。"
            if entry == veto
            else "通报批评所指问题已于当月整改到位，并已书面报告，请求撤销扣分。"
        )
        with demo.at(-18, 10 + position):
            objection = publication.objection_lodge(entry=entry, by=leader, text=text)
        upheld = entry != veto
        with demo.at(-17, 15 + position):
            publication.objection_answer(
                objection=objection,
                by=demo.staff,
                upheld=upheld,
                answer=(
                    "经核实，整改情况属实，撤销该项扣分并重新公示。"
                    if upheld
                    else "经验收组复核现场记录，多数评分人员判定材料存在不实，维持原结果。"
                ),
            )
        if upheld and lines:
            with demo.at(-17, 16):
                adjustments.adjustment_withdraw(adjustment=lines[0], by=demo.staff, reason="异议成立：整改已到位")
            with demo.at(-16, 9):
                reason = "异议成立，撤销一项通报批评扣分后重新公示"
                publication.round_publish(round=round_, by=demo.staff, reason=reason, sync_supervision=False)
    with demo.at(-9, 10):
        finalization.round_finalize(round=round_, by=demo.staff, today=demo.today - timedelta(days=9))


def _second_batch(demo: Demo, name: str) -> None:
    """Being scored: sheets in every state; the demo scorer's sites in the demo team leader's team."""
    with demo.at(-42, 10):
        notes = "第三验收组赴偏远乡镇考评，使用纸质评分表，结束后由考评办统一导入。"
        round_ = _create(demo, name, (-35, -21, -14, 14), notes)
        teams = _teams_and_sites(demo, round_, SECOND_TEAMS, SECOND_PLAN)
    with demo.at(-35, 9):
        services.round_open(round=round_, by=demo.staff)
    for days, entry in zip((-30, -25), teams[0].entries[:2], strict=False):
        with demo.at(days, 16):
            _self_assess(demo, entry)
    with demo.at(-14, 8):
        services.round_start_scoring(round=round_, by=demo.staff)
    # The first two teams have visited their sites since; the third scored on paper and has not reported yet.
    visits = [
        (team, entry, letters)
        for team, states in zip(teams, SECOND_STATES, strict=True)
        for entry, letters in zip(team.entries, states, strict=False)
    ]
    for days, (team, entry, letters) in zip(_visit_days(-13, -3, len(visits)), visits, strict=True):
        quality = demo.rng.uniform(0.76, 0.93)
        for position, (sheet, letter) in enumerate(zip(_sheets(entry, team.members), letters, strict=True)):
            _bring(demo, sheet, letter, _items(entry), quality, leader=team.team.leader, days=days, position=position)


def _third_batch(demo: Demo, name: str) -> None:
    """In self-assessment: the rest of the year's sites (the demo leader's first); teams for two thirds."""
    own = _leaders_sites()
    sites = sorted(_available(demo.year), key=lambda site: (site.pk not in own, site.pk))[:THIRD_BATCH_CAP]
    if not sites:
        return
    with demo.at(-14, 10):
        notes = "本年度其余参评单位。自评截止后开始实地考评；验收组正在组建，尚有示范点未分配。"
        round_ = _create(demo, name, (-7, 21, 28, 49), notes)
        services.round_add_sites(round=round_, sites=sites, by=demo.staff)
        teams = _form_teams(demo, round_, TEAMS)
        entries = list(round_.entries.select_related("site__region").order_by("site_id"))
        # About two thirds are sent to a team; the round page says what starting on-site scoring still needs.
        chosen = defaultdict(list)
        for index, entry in enumerate(entries[: len(entries) * 2 // 3]):
            for shift in range(len(teams)):
                team = teams[(index + shift) % len(teams)]
                if team.may_score(entry.site):
                    chosen[team.team].append(entry)
                    break
        for team, team_entries in chosen.items():
            services.assign_sites(round=round_, team=team, entries=team_entries, by=demo.staff)
    with demo.at(-7, 9):
        services.round_open(round=round_, by=demo.staff)
    others = [entry for entry in entries if entry.site_id not in own]
    if others:  # one leader has handed theirs in already; the demo leader's is still to do
        with demo.at(-2, 16):
            _self_assess(demo, others[0])


# --- sites and teams ------------------------------------------------------------------------------------


@dataclass
class DemoTeam:
    team: Team
    members: list[str]  # usernames, in the roster's order
    facts: list  # the members' rules.ScorerFacts
    entries: list = field(default_factory=list)

    def may_score(self, site) -> bool:
        """No member must avoid the site (DOMAIN.md §8)."""
        return not any(rules.conflict_reason(scorer, services.site_facts(site)) for scorer in self.facts)


def _leaders_sites() -> set[int]:
    leader = User.objects.filter(username="leader").first()
    return set(leader.creation_groups.values_list("site", flat=True)) if leader else set()


def _available(year: int) -> list[Site]:
    """The programme's sites a round can take that no round of this year has yet. Synthetic ones have no
    creation group: they are registry padding for performance work, not units being evaluated."""
    taken = RoundSite.objects.filter(round__year=year).values("site")
    return list(
        Site.objects.filter(state__in=list(rules.STAGE_OF_STATE), group_members__isnull=False)
        .exclude(pk__in=taken)
        .select_related("region")
        .distinct()
        .order_by("pk")
    )


def _form_teams(demo: Demo, round_: Round, roster) -> list[DemoTeam]:
    teams = []
    for name, leader, usernames in roster:
        members = [demo.users[username] for username in usernames]
        team = services.team_save(round=round_, by=demo.staff, name=name, leader=demo.users[leader], members=members)
        facts = [services.scorer_facts(user) for user in members]
        teams.append(DemoTeam(team=team, members=usernames, facts=facts))
    return teams


def _teams_and_sites(demo: Demo, round_: Round, roster, plan, same_domain=None) -> list[DemoTeam]:
    """Form the teams, pick each team's sites by the plan's stages among those none of its members must avoid
    (the demo leader's site stays for the third batch), add them to the round and send them to their team.
    `same_domain` = (team, position): that site is picked in the domain of the one before it if possible."""
    own = _leaders_sites()
    pools = defaultdict(list)
    for site in _available(round_.year):
        if site.pk not in own:
            pools[rules.stage_for_state(site.state)].append(site)
    for stage in sorted(pools):
        demo.rng.shuffle(pools[stage])
    teams = _form_teams(demo, round_, roster)
    picked = []
    for index, (team, stages) in enumerate(zip(teams, plan, strict=True)):
        sites = []
        for position, stage in enumerate(stages):
            candidates = [site for site in pools[stage] if team.may_score(site)]
            if same_domain == (index, position + 1):  # the first of a pair: a domain with a second site free
                after = [site for site in pools[stages[position + 1]] if team.may_score(site)]
                paired = [site for site in candidates if any(o.domain == site.domain and o != site for o in after)]
                candidates = paired or candidates
            if same_domain == (index, position) and sites:
                candidates = [site for site in candidates if site.domain == sites[-1].domain] or candidates
            if candidates:
                pools[stage].remove(candidates[0])
                sites.append(candidates[0])
        picked.append(sites)
    services.round_add_sites(round=round_, sites=[site for sites in picked for site in sites], by=demo.staff)
    entries = {entry.site_id: entry for entry in round_.entries.select_related("site", "team")}
    for team, sites in zip(teams, picked, strict=True):
        team.entries = [entries[site.pk] for site in sites]
        result = services.assign_sites(round=round_, team=team.team, entries=team.entries, by=demo.staff)
        if result.refused:  # the picking above leaves out every conflict: a refusal means the rule changed
            raise RuntimeError(f"演示验收组分配被拒绝：{[reason for _entry, reason in result.refused]}")
        for entry in team.entries:
            entry.refresh_from_db()
    return teams


# --- sheets ---------------------------------------------------------------------------------------------


def _items(entry: RoundSite) -> list:
    return applicable_items(entry.round.standard, entry.site.domain)


def _sheets(entry, members: list[str]) -> list[ScoreSheet]:
    """The entry's on-site sheets, in the order of its team's members."""
    sheets = {
        sheet.scorer.username: sheet
        for sheet in entry.sheets.filter(kind=SheetKind.ONSITE).select_related("scorer", "entry__site")
    }
    return [sheets[username] for username in members]


def _untrue(items) -> str | None:
    """The veto item a site fails when its materials are found untrue (创建材料真实、无弄虚作假), or the last one."""
    vetoes = [item for item in items if item.is_veto]
    return next((item.code for item in vetoes if "弄虚作假" in item.title), vetoes[-1].code if vetoes else None)


def _values(items, quality: float, rng, *, absent_veto: str | None = None, own: bool = False) -> dict:
    """One sheet's entries for a site of this quality (0–1), each in the item's allowed steps, with a remark
    where an item falls short (on the site's `own` self-assessment, on every item): {item id: change fields}."""
    values = {}
    for item in items:
        if item.kind == ScoringKind.PRESENCE:
            # A veto item is met unless this sheet finds otherwise; a 六个有 item now and then missing on a weaker site.
            chance_missing = 0.02 + max(0.0, 0.85 - quality) * 0.4
            present = item.code != absent_veto if item.is_veto else rng.random() > chance_missing
            value, fraction = {"present": present}, 1.0 if present else 0.0
        elif item.kind == ScoringKind.LEVELS:
            target = quality + rng.gauss(0, 0.08)
            level = min(item.effective_levels, key=lambda each: abs(float(each["fraction"]) - target))
            value, fraction = {"level": level["label"]}, float(level["fraction"])
        else:
            steps = int(item.max_score / STEP)
            target = min(1.0, max(0.4, quality + rng.gauss(0, 0.07)))
            score = STEP * round(target * steps)
            value, fraction = {"score": f"{score:.1f}"}, float(score / item.max_score) if steps else 1.0
        if item.is_veto and not value["present"]:
            value["remark"] = VETO_REMARK
        elif not item.is_veto and fraction == 0 and item.kind == ScoringKind.PRESENCE:
            value["remark"] = f"现场未见：{item.title.removeprefix('有')}"
        elif own:
            value["remark"] = rng.choice(SELF_REMARKS)
        elif fraction < 0.8 and rng.random() < 0.7:
            value["remark"] = rng.choice(ONSITE_REMARKS)
        values[item.pk] = value
    return values


def _fill(sheet: ScoreSheet, values: dict, *, by=None) -> None:
    """Apply entries as the phone would send them: one change per item, each on the item's current version."""
    by = by or sheet.scorer
    versions = dict(sheet.scores.values_list("item_id", "version"))
    changes = [
        {"client_id": str(uuid.uuid4()), "seq": seq, "item": item_id, "base": versions.get(item_id, 0), **value}
        for seq, (item_id, value) in enumerate(values.items(), start=1)
    ]
    results = services.sheet_apply_changes(sheet=sheet, by=by, changes=changes)
    refused = [result.message or result.outcome for result in results if result.outcome != "applied"]
    if refused:
        raise RuntimeError(f"演示评分未能保存：{refused}")


def _bring(demo: Demo, sheet: ScoreSheet, letter: str, items, quality: float, *, leader, days, position) -> None:
    """Bring a sheet of the second batch to its state (see SECOND_STATES), its site visited `days` from today."""
    rng = demo.rng
    if letter == "C":  # declared the morning of the visit
        with demo.at(days, 8, position):
            services.sheet_declare_conflict(sheet=sheet, by=sheet.scorer, reason=CONFLICT_REASON)
    elif letter == "E":  # excused the day before
        with demo.at(days - 1, 17):
            services.sheet_excuse(sheet=sheet, by=demo.staff, reason=EXCUSE_REASON)
    elif letter != "N":
        values = _values(items, quality + rng.uniform(-0.03, 0.03), rng)
        if letter == "P":  # partly filled, from the top, as a scorer walks through the site
            values = dict(list(values.items())[: len(values) // 2 + rng.randint(-4, 4)])
        with demo.at(days, 10, 5 * position):
            _fill(sheet, values)
            if sheet.scorer.username == "scorer" and letter in ("S", "P"):
                _photo(sheet, items[1] if len(items) > 1 else items[0], rng)
            if letter in ("S", "R"):
                services.sheet_submit(sheet=sheet, by=sheet.scorer)
        if letter == "R":  # the team leader returns it the next day; the scorer corrects it the day after
            with demo.at(days + 1, 17):
                services.sheet_return(sheet=sheet, by=leader or demo.staff, reason=RETURN_REASON)
            item = next((each for each in items if each.code == "SY-05"), items[0])
            score = Decimal(values[item.pk].get("score", "0"))
            corrected = max(Decimal("0"), score - 1) if score >= 1 else score + 1
            with demo.at(days + 2, 9):
                _fill(
                    sheet,
                    {item.pk: {"score": f"{corrected:.1f}", "remark": "复核现场记录后调整：扣分项为活动记录不全"}},
                )


def _self_assess(demo: Demo, entry: RoundSite) -> None:
    """The site leader's self-assessment, scored a little above what the team will find, each item with a
    remark and the site's materials that evidence it, handed in."""
    user = _site_leader(demo, entry.site)
    if user is None:
        return
    sheet = services.self_assessment_for(entry, user)
    items = _items(entry)
    _fill(sheet, _values(items, 0.95, demo.rng, own=True), by=user)
    evidence = defaultdict(list)
    for material in Material.objects.filter(site=entry.site, deleted_at__isnull=True).prefetch_related("items"):
        for item in material.items.all():
            evidence[item.code].append(material)
    for item in items:
        if evidence.get(item.code):
            services.sheet_set_materials(sheet=sheet, by=user, item=item, materials=evidence[item.code])
    services.self_assessment_submit(sheet=sheet, by=user)


def _photo(sheet: ScoreSheet, item, rng) -> None:
    """A photo of the activity room taken on the scorer's phone (a small JPEG: a wall in Party red, a gold
    banner), kept with the time it was taken."""
    image = Image.new("RGB", (800, 600), (rng.randint(170, 205), rng.randint(20, 40), rng.randint(25, 45)))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 420, 800, 600), fill=(222, 214, 196))
    draw.rectangle((120, 80, 680, 170), fill=(212, 160, 23))
    draw.rectangle((160, 230, 640, 400), outline=(255, 240, 200), width=6)
    buffer = BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    upload = SimpleUploadedFile("IMG_2031.jpg", buffer.getvalue(), content_type="image/jpeg")
    services.sheet_photo_add(
        sheet=sheet,
        item=item,
        upload=upload,
        by=sheet.scorer,
        client_id=uuid.uuid4(),
        captured_at=timezone.now() - timedelta(minutes=rng.randint(5, 90)),
    )
