"""The data the evaluations benchmark measures on, written in bulk: the services would take an hour for it.

Every row is one the services could have written (same fields, states and totals that agree with the entries):
a standard of 60 items (十有, 六个有, 五个一, a domain section, 一票否决) frozen as an open round leaves it; a round
being scored with `sites` sites, each sent to a team of `scorers` scorers (teams of 50 sites, as a city would
form them), so sites × scorers sheets; part of the sheets with entries (submitted ones complete, in-progress
ones about half); one site with evidence for its items; the users the pages are measured as.
"""

import random
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import cache

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from accounts.choices import DataScope, Domain, OrganizationKind, RegionKind
from accounts.models import PartyOrganization, Region, User
from accounts.roles import Role
from archives.models import Material, MaterialVersion
from evaluations import rules
from evaluations.choices import RoundStatus, SheetKind, SheetStatus, Stage
from evaluations.models import ItemScore, Round, RoundSite, ScoreSheet, Team
from sites.choices import SiteState
from sites.models import Site
from standards.choices import DEFAULT_LEVELS, ScoringKind, SectionKind, StandardStatus
from standards.models import Item, Section, Standard
from standards.rules import allowed_scores

BATCH = 2000
SITES_PER_TEAM = 50
# (code, title, section kind, domain, items: [(count, max, scoring kind, veto, required)]): 60 items, 100 points.
P, PRESENCE, LEVELS = ScoringKind.POINTS, ScoringKind.PRESENCE, ScoringKind.LEVELS
RURAL_ITEMS = [(10, "0.5", P, False, False), (1, "2", P, False, False)]
SECTIONS = [
    ("SY", "十有", SectionKind.TEN_HAVES, "", [(30, "2", P, False, False)]),
    ("LGY", "六个有", SectionKind.SIX_HAVES, "", [(6, "3", PRESENCE, False, True)]),
    ("WGY", "五个一", SectionKind.FIVE_ONES, "", [(10, "1.5", LEVELS, False, False)]),
    (
        "RURAL",
        "农村领域特色",
        SectionKind.DOMAIN,
        Domain.RURAL,
        [(10, "0.5", P, False, False), (1, "2", P, False, False)],
    ),
    ("FJ", "一票否决", SectionKind.VETO, "", [(3, "0", PRESENCE, True, False)]),
]


@dataclass
class BenchData:
    round: Round
    standard: Standard
    staff: User
    admin: User
    teamlead: User
    scorer: User
    sheet: ScoreSheet  # the scorer's sheet measured: in progress, about half its 60 items scored
    service_sheet: ScoreSheet  # another of the scorer's sheets, for the sync service measured directly
    items: list[Item]


def build(*, sites: int, scorers: int, filled: float, seed: int = 7, timed=None) -> BenchData:
    """Write it all; `timed(label)` (a context manager) times each step."""
    with transaction.atomic():  # one transaction: SQLite would commit every statement otherwise
        return _build(sites=sites, scorers=scorers, filled=filled, rng=random.Random(seed), timed=timed)


def _build(*, sites: int, scorers: int, filled: float, rng, timed) -> BenchData:
    timed = timed or (lambda label: nullcontext())
    password = make_password(None)  # nobody logs in with a password: the Client logs users in directly
    with timed("users, standard (60 items)"):
        users = _people(password)
        standard, items = _standard()
    with timed(f"{sites} sites"):
        site_ids = _sites(sites)
    with timed(f"round, teams, {sites} entries"):
        round_, team_members = _round(standard, site_ids, scorers, users["teamlead"], password)
    with timed(f"{sites * scorers} sheets and their entries"):
        _sheets(round_, items, team_members, filled, rng)
    scorer = team_members[0][0]
    sheets = list(
        ScoreSheet.objects.filter(scorer=scorer, kind=SheetKind.ONSITE, entry__round=round_).order_by("entry__site_id")
    )
    sheet, service_sheet = sheets[0], sheets[1]
    for each in (sheet, service_sheet):
        _half_filled(each, items, rng)
    _evidence(sheet.entry.site, items, users["staff"])
    return BenchData(
        round_, standard, users["staff"], users["admin"], users["teamlead"], scorer, sheet, service_sheet, items
    )


def _people(password: str) -> dict[str, User]:
    people = {}
    for username, role in (("bench-admin", Role.ADMIN), ("bench-staff", Role.STAFF), ("bench-teamlead", Role.TEAMLEAD)):
        user = User.objects.create(
            username=username,
            full_name=username,
            password=password,
            scope=DataScope.CITY if role in (Role.ADMIN, Role.STAFF) else DataScope.ASSIGNED,
            is_staff=role in (Role.ADMIN, Role.STAFF),
            is_superuser=role == Role.ADMIN,
        )
        user.groups.add(Group.objects.get(name=role))
        people[username.removeprefix("bench-")] = user
    return people


def _ten_haves(values) -> Decimal:
    """The 十有 sections' part of a sheet's total (ScoreSheet.ten_haves, as services._refresh_totals keeps it)."""
    return sum((score for item, score, _present, _level in values if item.section.kind == "ten_haves"), Decimal("0"))


def _standard() -> tuple[Standard, list[Item]]:
    now = timezone.now()
    standard = Standard.objects.create(
        name="基准测试评分标准", year=now.year, status=StandardStatus.FROZEN, published_at=now, frozen_at=now
    )
    items = []
    for order, (code, title, kind, domain, groups) in enumerate(SECTIONS, start=1):
        maximum = sum(Decimal(top) * count for count, top, *_rest in groups)
        section = Section.objects.create(
            standard=standard, code=code, title=title, kind=kind, domain=domain, max_score=maximum, order=order
        )
        number = 0
        for count, top, scoring, veto, required in groups:
            for _ in range(count):
                number += 1
                items.append(
                    Item(
                        standard=standard,
                        section=section,
                        code=f"{code}-{number:02d}",
                        title=f"{title}第{number}项",
                        guide="对照评分细则逐项打分：资料齐全、记录规范、现场与材料一致的得满分，缺一项扣相应分值。",
                        max_score=Decimal(top),
                        kind=scoring,
                        levels=DEFAULT_LEVELS if scoring == ScoringKind.LEVELS else [],
                        is_veto=veto,
                        is_required=required,
                        order=number,
                    )
                )
    items = Item.objects.bulk_create(items)
    assert len(items) == 60 and sum(item.max_score for item in items) == 100
    return standard, list(Item.objects.filter(standard=standard).select_related("section"))


def _sites(count: int) -> list[int]:
    """`count` sites in a small city (ten districts of four villages), each on its own organization."""
    city = Region.objects.create(name="基准市", kind=RegionKind.CITY)
    villages = []
    for d in range(10):
        district = Region.objects.create(name=f"第{d + 1}区", kind=RegionKind.DISTRICT, parent=city)
        for v in range(4):
            villages.append(Region.objects.create(name=f"第{v + 1}村", kind=RegionKind.VILLAGE, parent=district))
    organizations = PartyOrganization.objects.bulk_create(
        [
            PartyOrganization(
                name=f"基准党支部{n:05d}",
                kind=OrganizationKind.BRANCH,
                domain=Domain.RURAL,
                region=villages[n % len(villages)],
                secretary="张三",
                member_count=30,
            )
            for n in range(count)
        ],
        batch_size=BATCH,
    )
    year = timezone.localdate().year
    created = Site.objects.bulk_create(
        [
            Site(
                name=f"{organization.name}党建示范点",
                organization=organization,
                domain=organization.domain,
                region_id=organization.region_id,
                nomination_year=year,
                state=SiteState.CANDIDATE,
                brand_name="红色引擎",
            )
            for organization in organizations
        ],
        batch_size=BATCH,
    )
    return [site.pk for site in created]


def _round(standard, site_ids, scorers: int, teamlead, password):
    """The round, being scored; teams of `scorers` scorers with 50 sites each. Returns the round and each
    team's members."""
    today = timezone.localdate()
    now = timezone.now()
    round_ = Round.objects.create(
        name="基准测试考评轮次",
        year=today.year,
        standard=standard,
        status=RoundStatus.SCORING,
        self_assessment_start=today - timedelta(days=30),
        self_assessment_end=today - timedelta(days=15),
        scoring_start=today - timedelta(days=10),
        scoring_end=today + timedelta(days=20),
        opened_at=now - timedelta(days=30),
        scoring_opened_at=now - timedelta(days=10),
    )
    team_count = max(1, -(-len(site_ids) // SITES_PER_TEAM))
    scorer_group = Group.objects.get(name=Role.SCORER)
    users = User.objects.bulk_create(
        [
            User(
                username=f"bench-scorer{n:04d}", full_name=f"评分人{n:04d}", password=password, scope=DataScope.ASSIGNED
            )
            for n in range(team_count * scorers)
        ],
        batch_size=BATCH,
    )
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=user.pk, group_id=scorer_group.pk) for user in users], batch_size=BATCH
    )
    teams = Team.objects.bulk_create(
        [Team(round=round_, name=f"第{n + 1}验收组", leader=teamlead if n == 0 else None) for n in range(team_count)]
    )
    members = [users[n * scorers : (n + 1) * scorers] for n in range(team_count)]
    Team.members.through.objects.bulk_create(
        [
            Team.members.through(team_id=team.pk, user_id=user.pk)
            for team, people in zip(teams, members, strict=True)
            for user in people
        ],
        batch_size=BATCH,
    )
    RoundSite.objects.bulk_create(
        [
            RoundSite(round=round_, site_id=site_id, stage=Stage.ACCEPTANCE, team=teams[index // SITES_PER_TEAM])
            for index, site_id in enumerate(site_ids)
        ],
        batch_size=BATCH,
    )
    return round_, members


@cache
def _upper_steps(kind: str, maximum: Decimal) -> list[Decimal]:
    """The upper half of an item's allowed scores (a site being evaluated is mostly doing well)."""
    steps = allowed_scores(kind, maximum)
    return steps[len(steps) // 2 :]


# How often a site lacks a veto or required thing, and how often a scorer marks it absent: scorers judge the same
# site, so their marks agree. (Marking each sheet's items absent independently put a mark on 78 % of sites.)
LACKS_REQUIRED, LACKS_VETO = 0.03, 0.004  # per item and site: about 17 % of sites lack some required thing
SEES_LACK, MISTAKES_PRESENT = 0.9, 0.002  # a scorer marks a lacking item absent, or by mistake a present one


def _section_totals(values) -> dict:
    """Each section's part of a sheet's total (ScoreSheet.section_totals, as services._refresh_totals keeps it)."""
    return rules.section_totals((item.section_id, score) for item, score, _present, _level in values)


def _lacking(items, rng) -> frozenset:
    """The ids of the veto and required presence items one site lacks."""
    return frozenset(
        item.pk
        for item in items
        if item.kind == ScoringKind.PRESENCE
        and (item.is_veto or item.is_required)
        and rng.random() < (LACKS_VETO if item.is_veto else LACKS_REQUIRED)
    )


def _entry_values(items, rng, share: float, lacking=frozenset()) -> list[tuple[Item, Decimal, bool | None, str]]:
    """Entries for the first `share` of the items: (item, score, present, level), each allowed for its item;
    the items of `lacking` (the site's, from `_lacking`) are mostly marked absent, the others rarely."""
    chosen = items[: round(len(items) * share)]
    values = []
    for item in chosen:
        if item.kind == ScoringKind.PRESENCE:
            present = rng.random() > (SEES_LACK if item.pk in lacking else MISTAKES_PRESENT)
            values.append((item, item.max_score if present else Decimal("0.00"), present, ""))
        elif item.kind == ScoringKind.LEVELS:
            level = rng.choice(item.effective_levels)
            score = (item.max_score * Decimal(str(level["fraction"]))).quantize(Decimal("0.01"))
            values.append((item, score, None, level["label"]))
        else:
            steps = _upper_steps(item.kind, item.max_score)
            values.append((item, rng.choice(steps), None, ""))
    return values


def _sheets(round_, items, team_members, filled: float, rng) -> None:
    """Every team member's sheet for every site of the team; `filled` of them have entries: half of those are
    submitted (complete), half in progress (about half the items); 5% of the rest are excused."""
    now = timezone.now()
    entries = list(RoundSite.objects.filter(round=round_).values_list("pk", "team_id").order_by("pk"))
    team_ids = list(Team.objects.filter(round=round_).order_by("pk").values_list("pk", flat=True))
    members = dict(zip(team_ids, team_members, strict=True))
    sheets = []
    for entry_id, team_id in entries:
        lacking = _lacking(items, rng)
        for user in members[team_id]:
            sheet = ScoreSheet(entry_id=entry_id, scorer=user, kind=SheetKind.ONSITE)
            draw = rng.random()
            if draw < filled:
                complete = draw < filled / 2
                values = _entry_values(items, rng, 1.0 if complete else rng.uniform(0.3, 0.7), lacking)
                sheet.total = sum((score for _item, score, _present, _level in values), Decimal("0"))
                sheet.ten_haves = _ten_haves(values)
                sheet.section_totals = _section_totals(values)
                sheet.scored_count = sheet.version = len(values)
                sheet.status = SheetStatus.SUBMITTED if complete else SheetStatus.IN_PROGRESS
                if complete:
                    sheet.submitted_at = sheet.first_submitted_at = now - timedelta(hours=rng.randint(1, 200))
                sheet._values = values
            elif draw > 0.95:
                sheet.status, sheet.excuse_reason = SheetStatus.EXCUSED, "因公出差，经批准免评"
            sheets.append(sheet)
    created = ScoreSheet.objects.bulk_create(sheets, batch_size=BATCH)
    scores = [
        (sheet.pk, item.pk, score, present, level)
        for sheet in created
        for item, score, present, level in getattr(sheet, "_values", ())
    ]
    _insert_scores(scores)


def _insert_scores(rows) -> None:
    """Write entries (sheet id, item id, score, present, level) straight to the table: the ORM's bulk_create
    spends most of a minute building 100,000 model instances that nothing reads. PostgreSQL takes them by COPY;
    SQLite by executemany, the values adapted by the backend's own operations as bulk_create would."""
    table = ItemScore._meta.db_table
    columns = ["sheet_id", "item_id", "score", "present", "level", "remark", "version", "updated_at"]
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    now = timezone.now()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for sheet, item, score, present, level in rows:
                    copy.write_row((sheet, item, score, present, level, "", 1, now))
            return
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"  # noqa: S608 (names from the model, values bound)
        adapt_time, adapt_decimal = connection.ops.adapt_datetimefield_value, connection.ops.adapt_decimalfield_value
        stamp = adapt_time(now)
        for start in range(0, len(rows), 10 * BATCH):
            batch = rows[start : start + 10 * BATCH]
            cursor.executemany(
                sql,
                [
                    (sheet, item, adapt_decimal(score, 6, 2), present, level, "", 1, stamp)
                    for sheet, item, score, present, level in batch
                ],
            )


def _half_filled(sheet: ScoreSheet, items, rng) -> None:
    """Make a measured sheet in progress with about half its items scored, whatever the draw gave it."""
    sheet.scores.all().delete()
    values = _entry_values(items, rng, 0.5)
    ItemScore.objects.bulk_create(
        [
            ItemScore(sheet=sheet, item=item, score=score, present=present, level=level, version=1)
            for item, score, present, level in values
        ]
    )
    sheet.status, sheet.excuse_reason, sheet.submitted_at, sheet.first_submitted_at = (
        SheetStatus.IN_PROGRESS,
        "",
        None,
        None,
    )
    sheet.total = sum((score for _item, score, _present, _level in values), Decimal("0"))
    sheet.ten_haves = _ten_haves(values)
    sheet.section_totals = _section_totals(values)
    sheet.scored_count = sheet.version = len(values)
    sheet.save()


def _evidence(site, items, staff) -> None:
    """Twenty materials of the measured site, each evidencing three items, with one file version each (the files
    themselves are not needed: the sheet page lists them and links to them)."""
    materials = Material.objects.bulk_create(
        [
            Material(
                site=site,
                category="activity_photos",
                title=f"党员活动照片{n + 1}",
                year=site.nomination_year,
                uploaded_by=staff,
                state="accepted",
            )
            for n in range(20)
        ]
    )
    Material.items.through.objects.bulk_create(
        [
            Material.items.through(material_id=material.pk, item_id=items[(n * 3 + k) % len(items)].pk)
            for n, material in enumerate(materials)
            for k in range(3)
        ]
    )
    MaterialVersion.objects.bulk_create(
        [
            MaterialVersion(
                material=material,
                number=1,
                file=f"bench/{uuid.uuid4().hex}.jpg",
                thumbnail=f"bench/thumb-{uuid.uuid4().hex}.jpg",
                original_name=f"活动照片{n + 1}.jpg",
                kind="jpeg",
                content_type="image/jpeg",
                size=180_000,
                sha256="0" * 64,
                processed=True,
                uploaded_by=staff,
            )
            for n, material in enumerate(materials)
        ]
    )
