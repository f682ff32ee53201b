"""A programme at a country's scale, written in bulk from a seed: the data `make bench` measures on.

Every row is one the product's services could have written (same fields, a region tree whose `path`, `depth`
and `label` are what Region.save() would set, sites whose region and domain are their organization's), but it
is written in bulk: PostgreSQL takes the big tables by COPY with ids chosen here (so a region's path is known
before it is written and nothing is read back), SQLite by executemany (the test of this module runs on it).
Rows are generated as they are written, so memory stays flat however many there are.

What is built (see Params for the sizes, README.md for the defaults):

- a region tree: `city` (1 city, 12 districts, ~150 towns, ~3,000 villages) or `country` (1 root, ~2,800
  districts, ~40,000 towns, ~157,000 villages: 200,000 regions), names drawn from a small pool so that a
  real country's repeats are there (hundreds of 杨柳村, each told apart by its label);
- Party organizations in the villages (a tenth more than sites), named after their village or a unit in it
  (杨柳村党支部, 杨柳小学党支部, 杨柳村第2网格党支部…), their domain following the unit;
- one site per organization (for the first `sites` of them), over six years, every state, two levels, batches
  for the named ones, an instructor on a third of them;
- `materials_per_site` materials a site over the categories, one file version each (a tenth have two), most
  accepted, a quarter waiting for review, a few returned or in the trash; no file is on disk (list pages and
  the archive page do not open files);
- users: city staff, an administrator, a district liaison (region scope on the district with most sites), an
  instructor (fifty sites), a site leader (one site), a viewer, one leader account for every fifth site (the
  user list), and the scorers and team leader of the rounds;
- a scored round over `round_sites` sites, `round_scorers` submitted 60-item sheets each, deduction and bonus
  lines (what the results, explanation, ranking and progress pages read);
- a round being scored over `scoring_sites` sites (bench/evaluations_data.py's shape: a fifth of the sheets
  with entries), the measured scorer's sheet half filled with evidence: the score sheet and its autosave;
- `tasks` published supervision tasks sent to every site, their standings spread, an open rectification
  item on every tenth site, and a draft task (bench/supervision_bench.py's shape).
"""

import io
import json
import random
from collections import defaultdict
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, models, transaction
from django.utils import timezone

BATCH = 5000
SITES_PER_TEAM = 50

# Place names: two characters each, combined with 村/社区, 镇/街道 and (pairs of them) 区/县/市.
WORDS = (
    "杨柳 石门 桃园 清河 红旗 新华 东风 光明 胜利 和平 长安 永安 太平 丰收 前进 幸福 团结 白沙 青山 绿水 "
    "龙泉 凤凰 金山 银湖 梅林 松岭 柏树 竹园 荷塘 李庄 王庄 张家 刘家 陈家 马鞍 鹤鸣 双桥 三元 四方 五里 "
    "六合 七星 八里 九龙 十里 新民 民主 建设 向阳 红星 朝阳 东升 西湖 南山 北塘 中和 兴隆 富民 安乐 丰乐"
).split()
DISTRICT_SUFFIXES = ("区", "县", "市")
# The units a village's organizations belong to: (name after the place word, domain, organization kind, weight).
UNITS = [
    ("", "rural", "branch", 45),  # the village's own branch: 杨柳村党支部 (a community's: 杨柳社区党支部)
    ("小学", "school", "branch", 8),
    ("卫生院", "institution", "branch", 7),
    ("供电所", "soe", "branch", 6),
    ("物流有限公司", "two_new", "branch", 12),
    ("便民服务中心", "organ", "branch", 7),
    ("股份经济合作社", "rural", "general_branch", 5),
    ("商会", "association", "joint_branch", 2),
]
STATES = [("nominated", 15), ("candidate", 30), ("formal", 30), ("improving", 8), ("not_passed", 10), ("eliminated", 7)]
NAMED_STATES = {"formal", "improving", "eliminated"}
MATERIAL_STATES = [("accepted", 70), ("submitted", 25), ("returned", 5)]
TREES = {
    # districts at depth 1, towns at depth 2, villages at depth 3 (the root is depth 0)
    "tiny": (2, 4, 12),
    "city": (12, 150, 3_000),
    "country": (2_800, 40_000, 157_199),
}
TASK_STATUSES = ("pending", "submitted", "returned", "accepted", "pending", "submitted", "accepted", "accepted")


@dataclass(frozen=True)
class Params:
    """What a build is made of; the same Params and seed build the same rows."""

    seed: int = 12
    tree: str = "country"
    sites: int = 100_000
    materials_per_site: int = 10
    round_sites: int | None = None  # None: all sites, at most ROUND_SITES_CAP
    round_scorers: int = 5
    scoring_sites: int = 2_000
    tasks: int = 4

    # The target is a 100,000-site round (issue 12): by default every site of the default build is in it.
    ROUND_SITES_CAP = 100_000

    @property
    def round_size(self) -> int:
        wanted = self.round_sites if self.round_sites is not None else min(self.sites, self.ROUND_SITES_CAP)
        return max(2, min(wanted, self.sites))

    @property
    def scoring_size(self) -> int:
        return max(2, min(self.scoring_sites, self.sites))

    def as_dict(self) -> dict:
        values = asdict(self)
        values["round_sites"] = self.round_size
        values["scoring_sites"] = self.scoring_size
        return values


# --- writing rows in bulk --------------------------------------------------------------------------------------


class Rows:
    """Write rows of a model's table: `fields` (attnames) given in each row, every other concrete field set to
    its default (auto_now and auto_now_add ones to now). COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self, model, fields: list[str]):
        self.model, self.fields = model, fields
        now = timezone.now()
        by_attname = {field.attname: field for field in model._meta.concrete_fields}
        self.given = [by_attname[name] for name in fields]
        self.rest = [
            field for field in model._meta.concrete_fields if field.attname not in fields and not field.primary_key
        ]
        self.defaults = tuple(
            field.get_db_prep_save(
                now
                if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
                else field.get_default(),
                connection,
            )
            for field in self.rest
        )
        quote = connection.ops.quote_name
        # COPY takes JSON as its text; executemany gets it from get_db_prep_save like any other value.
        self.json_given = [i for i, field in enumerate(self.given) if isinstance(field, models.JSONField)]
        self.table = quote(model._meta.db_table)
        self.columns = ", ".join(quote(field.column) for field in self.given + self.rest)

    def write(self, rows: Iterable[tuple]) -> int:
        count = 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
                    for row in rows:
                        if self.json_given:
                            row = tuple(
                                json.dumps(value) if i in self.json_given and value is not None else value
                                for i, value in enumerate(row)
                            )
                        copy.write_row(row + self.defaults)
                        count += 1
                return count
            marks = ", ".join(["%s"] * (len(self.given) + len(self.rest)))
            sql = f"INSERT INTO {self.table} ({self.columns}) VALUES ({marks})"  # noqa: S608 (names from the model)
            batch = []
            for row in rows:
                batch.append(
                    tuple(
                        field.get_db_prep_save(value, connection) for field, value in zip(self.given, row, strict=True)
                    )
                    + self.defaults
                )
                if len(batch) >= BATCH:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
        return count


def _next_id(model) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def _reset_sequences(models) -> None:
    """After rows written with their own ids, the next id the database hands out must come after them."""
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _weighted(rng: random.Random, choices):
    values = [value for value, _weight in choices]
    weights = [weight for _value, weight in choices]
    return lambda: rng.choices(values, weights)[0]


# --- the build -------------------------------------------------------------------------------------------------


def build(params: Params, *, timed=None) -> dict:
    """Write the programme (see the module's docstring) into the current, migrated database with the defaults
    loaded; returns the handles the pages are measured with (ids of users, sites, rounds…)."""
    timed = timed or (lambda label: nullcontext())
    rng = random.Random(params.seed)
    handles: dict = {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
    with transaction.atomic():
        with timed("regions"):
            tree = _regions(params, rng)
        with timed(f"organizations and {params.sites} sites"):
            site_ids = _organizations_and_sites(params, rng, tree)
        with timed("users"):
            handles.update(_users(params, rng, tree, site_ids))
    with transaction.atomic(), timed(f"{params.sites * params.materials_per_site} materials and their versions"):
        handles.update(_materials(params, rng, site_ids, handles["staff"]))
    with transaction.atomic(), timed(f"standard and a scored round of {params.round_size} sites"):
        handles.update(_scored_round(params, rng, site_ids, handles))
    with transaction.atomic(), timed(f"a round being scored, {params.scoring_size} sites"):
        handles.update(_scoring_round(params, rng, site_ids, handles))
    with transaction.atomic(), timed(f"{params.tasks} supervision tasks to every site"):
        _supervision(params, site_ids, handles)
    return handles


def analyze() -> None:
    """Statistics and the visibility map, as autovacuum leaves them after a bulk load."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


@dataclass
class Tree:
    root: int
    districts: list[int]
    towns: list[int]
    villages: list[tuple[int, str, str, str]]  # (id, name, kind, label)
    district_of: dict[int, int]  # village id -> district id
    town_of: dict[int, int]  # village id -> town id


def _regions(params: Params, rng: random.Random) -> Tree:
    from accounts.models import LABEL_SEPARATOR, Region

    district_count, town_count, village_count = TREES[params.tree]
    next_id = _next_id(Region)
    rows = []

    def add(name, kind, parent, parent_path, parent_label, depth, order):
        nonlocal next_id
        pk = next_id
        next_id += 1
        path = f"{parent_path}{pk}/"
        label = name if depth <= 1 else f"{parent_label}{LABEL_SEPARATOR}{name}"
        rows.append((pk, name, kind, "", parent, path, depth, label, order))
        return pk, path, label

    root, root_path, _root_label = add(
        "基准市" if params.tree != "country" else "基准全国", "city", None, "/", "", 0, 0
    )
    pairs = [a[0] + b[1] + suffix for a in WORDS for b in WORDS for suffix in DISTRICT_SUFFIXES]
    district_names = rng.sample(sorted(set(pairs)), district_count)
    towns_of = _spread(town_count, district_count)
    villages_of = _spread(village_count, town_count)
    place_names = [(word + "镇", "town") for word in WORDS] + [(word + "街道", "subdistrict") for word in WORDS]
    village_names = [(word + "村", "village") for word in WORDS] + [(word + "社区", "community") for word in WORDS[:15]]
    tree = Tree(root, [], [], [], {}, {})
    town_index = 0
    for d, name in enumerate(district_names):
        district, d_path, d_label = add(name, "district", root, root_path, "", 1, d)
        tree.districts.append(district)
        for t, (town_name, town_kind) in enumerate(rng.sample(place_names, towns_of[d])):
            town, t_path, t_label = add(town_name, town_kind, district, d_path, d_label, 2, t)
            tree.towns.append(town)
            chosen = rng.sample(village_names, villages_of[town_index])
            for v, (village_name, village_kind) in enumerate(chosen):
                village, _path, label = add(village_name, village_kind, town, t_path, t_label, 3, v)
                tree.villages.append((village, village_name, village_kind, label))
                tree.district_of[village], tree.town_of[village] = district, town
            town_index += 1
    Rows(Region, ["id", "name", "kind", "code", "parent_id", "path", "depth", "label", "sort_order"]).write(rows)
    _reset_sequences([Region])
    return tree


def _spread(total: int, over: int) -> list[int]:
    """`total` things over `over` places, as evenly as whole numbers allow."""
    return [total // over + (1 if index < total % over else 0) for index in range(over)]


def _organizations_and_sites(params: Params, rng: random.Random, tree: Tree) -> list[int]:
    from accounts.models import PartyOrganization
    from sites.demo import BRANDS, MOBILE_PREFIXES, People
    from sites.models import Batch, Site

    year = timezone.localdate().year
    people = People(rng)
    organization_count = params.sites + params.sites // 10
    unit = _weighted(rng, [((name, domain, kind), weight) for name, domain, kind, weight in UNITS])
    used: dict[tuple[int, str], int] = defaultdict(int)
    organizations, sites = [], []
    next_org, next_site = _next_id(PartyOrganization), _next_id(Site)
    batches = {
        y: Batch.objects.create(name=f"{y}年第一批（基准）", named_on=date(y, 12, 20)).pk
        for y in range(year - 5, year + 1)
    }
    state = _weighted(rng, STATES)
    for n in range(organization_count):
        village, village_name, village_kind, _label = tree.villages[rng.randrange(len(tree.villages))]
        unit_name, domain, kind = unit()
        word = village_name.removesuffix("村").removesuffix("社区")
        if not unit_name:
            domain = "community" if village_kind == "community" else "rural"
            base = village_name
        else:
            base = word + unit_name
        used[(village, base)] += 1
        count = used[(village, base)]
        name = (
            f"{base}党支部"
            if count == 1
            else f"{base}第{count}网格党支部"
            if not unit_name
            else f"{base}第{count}党支部"
        )
        if kind == "general_branch":
            name = name.replace("党支部", "党总支")
        pk = next_org
        next_org += 1
        secretary = people.name()
        organizations.append((pk, name, kind, domain, village, None, secretary, rng.randint(8, 120), True))
        if n < params.sites:
            site_state = state()
            nomination = rng.randint(year - 5, year)
            sites.append(
                (
                    next_site,
                    name.removesuffix("党支部").removesuffix("党总支") + "党建示范点",
                    pk,
                    domain,
                    village,
                    "city" if rng.random() < 0.8 else "district",
                    nomination,
                    site_state,
                    batches[nomination] if site_state in NAMED_STATES else None,
                    rng.choice(BRANDS),
                    secretary,
                    f"{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 99_999_999):08d}",
                )
            )
            next_site += 1
    Rows(
        PartyOrganization,
        ["id", "name", "kind", "domain", "region_id", "parent_id", "secretary", "member_count", "is_active"],
    ).write(organizations)
    Rows(
        Site,
        [
            "id",
            "name",
            "organization_id",
            "domain",
            "region_id",
            "level",
            "nomination_year",
            "state",
            "batch_id",
            "brand_name",
            "secretary_name",
            "contact_phone",
        ],
    ).write(sites)
    _reset_sequences([PartyOrganization, Site])
    return [row[0] for row in sites]


def _users(params: Params, rng: random.Random, tree: Tree, site_ids: list[int]) -> dict:
    import evaluations_data as data
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db.models import Count

    from accounts.models import Region, User
    from accounts.roles import Role
    from sites.demo import People
    from sites.models import CreationGroupMember, Site

    password = make_password(None)  # nobody logs in with a password: the Client logs users in directly
    people = data._people(password)  # bench-admin, bench-staff, bench-teamlead
    groups = {group.name: group for group in Group.objects.all()}

    def person(username, role, **fields):
        user = User.objects.create(username=username, password=password, **fields)
        user.groups.add(groups[role])
        return user

    # The district with most sites (its page 200 exists at the default size of the city tree).
    per_district = defaultdict(int)
    for path, count in Site.objects.values_list("region__path").annotate(n=Count("id")):
        per_district[int(path.strip("/").split("/")[1])] += count
    district = Region.objects.get(pk=max(per_district, key=per_district.get))
    town_counts = defaultdict(int)
    for path, count in (
        Site.objects.filter(region__path__startswith=district.path).values_list("region__path").annotate(n=Count("id"))
    ):
        town_counts[int(path.strip("/").split("/")[2])] += count
    town = Region.objects.get(pk=max(town_counts, key=town_counts.get))
    handles = {name: user.pk for name, user in people.items()}
    handles["district_region"], handles["town_region"] = district.pk, town.pk
    handles["district"] = person(
        "bench-district", Role.DISTRICT, full_name="区县联络员", scope="region", region=district
    ).pk
    handles["viewer"] = person("bench-viewer", Role.VIEWER, full_name="市领导", scope="city").pk
    instructor = person("bench-instructor", Role.INSTRUCTOR, full_name="督查指导员", scope="assigned")
    handles["instructor"] = instructor.pk
    through = Site.instructors.through
    Rows(through, ["site_id", "user_id"]).write(
        (site_id, instructor.pk) for site_id in site_ids[:: max(1, len(site_ids) // 50)][:50]
    )
    # More instructors, on a third of the sites (the export lists them).
    namer = People(rng)
    others = User.objects.bulk_create(
        [
            User(username=f"bench-instructor{n:03d}", full_name=namer.name(), password=password, scope="assigned")
            for n in range(max(2, len(site_ids) // 500))
        ]
    )
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=user.pk, group_id=groups[Role.INSTRUCTOR].pk) for user in others]
    )
    Rows(through, ["site_id", "user_id"]).write(
        (site_id, others[index % len(others)].pk) for index, site_id in enumerate(site_ids) if index % 3 == 1
    )
    # A site leader with one site, and one leader account for every fifth site (what the user list holds).
    leader_site = Site.objects.get(pk=site_ids[len(site_ids) // 2])
    leader = person(
        "bench-leader",
        Role.LEADER,
        full_name="示范点负责人",
        scope="assigned",
        organization_id=leader_site.organization_id,
    )
    CreationGroupMember.objects.create(site=leader_site, role="leader", user=leader, name=leader.full_name)
    handles["leader"], handles["leader_site"] = leader.pk, leader_site.pk
    chosen = site_ids[::5]
    start = _next_id(User)
    Rows(User, ["id", "username", "full_name", "password", "scope", "phone", "is_active"]).write(
        (start + n, f"leader{site_id:07d}", namer.name(), password, "assigned", namer.phone(), True)
        for n, site_id in enumerate(chosen)
    )
    _reset_sequences([User])
    Rows(User.groups.through, ["user_id", "group_id"]).write(
        (start + n, groups[Role.LEADER].pk) for n in range(len(chosen))
    )
    Rows(CreationGroupMember, ["site_id", "role", "user_id", "name", "position", "phone", "order"]).write(
        (site_id, "leader", start + n, f"负责人{n}", "党支部书记", "", 0) for n, site_id in enumerate(chosen)
    )
    # A site in the district with everything a detail page shows (the measured detail and edit pages).
    handles["site"] = (
        Site.objects.filter(region__path__startswith=town.path).order_by("pk").values_list("pk", flat=True)[0]
    )
    return handles


MATERIAL_FIELDS = [
    "id",
    "site_id",
    "category",
    "title",
    "year",
    "description",
    "link",
    "uploaded_by_id",
    "state",
    "review_reason",
    "reviewed_by_id",
    "reviewed_at",
    "reviewed_as_staff",
    "is_public",
    "deleted_at",
    "deleted_by_id",
    "created_at",
    "updated_at",
]
VERSION_FIELDS = [
    "id",
    "material_id",
    "number",
    "file",
    "original_name",
    "kind",
    "content_type",
    "size",
    "sha256",
    "thumbnail",
    "processed",
    "uploaded_by_id",
    "uploaded_at",
]


def _materials(params: Params, rng: random.Random, site_ids: list[int], staff: int) -> dict:
    """Materials and their versions, a thousand sites' at a time (materials first: versions point at them)."""
    from archives.models import Material, MaterialVersion
    from standards.choices import MaterialCategory

    categories = list(MaterialCategory.values)
    labels = {category: str(MaterialCategory(category).label) for category in categories}
    state = _weighted(rng, MATERIAL_STATES)
    now = timezone.now()
    year = timezone.localdate().year
    material_writer, version_writer = Rows(Material, MATERIAL_FIELDS), Rows(MaterialVersion, VERSION_FIELDS)
    first_material = material_id = _next_id(Material)
    version_id = _next_id(MaterialVersion)
    for start in range(0, len(site_ids), 1000):
        materials, versions = [], []
        for site_id in site_ids[start : start + 1000]:
            for n in range(params.materials_per_site):
                category = categories[n % len(categories)]
                chosen = state()
                created = now - timedelta(minutes=rng.randint(0, 525_600))
                deleted = created + timedelta(days=1) if rng.random() < 0.01 else None
                reviewed = chosen != "submitted"
                materials.append(
                    (
                        material_id,
                        site_id,
                        category,
                        f"{labels[category]}（{n + 1}）",
                        year - rng.randint(0, 2),
                        "",
                        "",
                        staff,
                        chosen,
                        "材料不完整，请补充" if chosen == "returned" else "",
                        staff if reviewed else None,
                        created + timedelta(days=2) if reviewed else None,
                        reviewed,
                        n == 0,
                        deleted,
                        staff if deleted else None,
                        created,
                        created,
                    )
                )
                for number in range(1, 3 if rng.random() < 0.1 else 2):
                    versions.append(
                        (
                            version_id,
                            material_id,
                            number,
                            f"archives/bench/{material_id}/{version_id:x}.pdf",
                            f"材料{material_id}-{number}.pdf",
                            "pdf",
                            "application/pdf",
                            200_000 + material_id % 100_000,
                            "0" * 64,
                            "",
                            True,
                            staff,
                            created + timedelta(hours=number),
                        )
                    )
                    version_id += 1
                material_id += 1
        material_writer.write(materials)
        version_writer.write(versions)
    _reset_sequences([Material, MaterialVersion])
    return {"material": first_material}


def _scorers(prefix: str, count: int, password: str) -> list[int]:
    from django.contrib.auth.models import Group

    from accounts.models import User
    from accounts.roles import Role

    start = _next_id(User)
    Rows(User, ["id", "username", "full_name", "password", "scope", "is_active"]).write(
        (start + n, f"{prefix}{n:05d}", f"评分人{n:05d}", password, "assigned", True) for n in range(count)
    )
    _reset_sequences([User])
    group = Group.objects.get(name=Role.SCORER).pk
    Rows(User.groups.through, ["user_id", "group_id"]).write((start + n, group) for n in range(count))
    return list(range(start, start + count))


def _round(name, status, standard, site_ids, scorers: int, teamlead: int, password: str, prefix: str):
    """A round over `site_ids` with teams of 50 sites, each of `scorers` scorers; returns the round and each
    team's members (user ids)."""
    from evaluations.models import Round, RoundSite, Team

    today, now = timezone.localdate(), timezone.now()
    round_ = Round.objects.create(
        name=name,
        year=today.year,
        standard=standard,
        status=status,
        self_assessment_start=today - timedelta(days=30),
        self_assessment_end=today - timedelta(days=15),
        scoring_start=today - timedelta(days=10),
        scoring_end=today + timedelta(days=20),
        opened_at=now - timedelta(days=30),
        scoring_opened_at=now - timedelta(days=10),
    )
    team_count = max(1, -(-len(site_ids) // SITES_PER_TEAM))
    users = _scorers(prefix, team_count * scorers, password)
    teams = Team.objects.bulk_create(
        [Team(round=round_, name=f"第{n + 1}验收组", leader_id=teamlead if n == 0 else None) for n in range(team_count)]
    )
    members = [users[n * scorers : (n + 1) * scorers] for n in range(team_count)]
    Rows(Team.members.through, ["team_id", "user_id"]).write(
        (team.pk, user) for team, people in zip(teams, members, strict=True) for user in people
    )
    Rows(RoundSite, ["round_id", "site_id", "stage", "team_id"]).write(
        (round_.pk, site_id, "acceptance", teams[index // SITES_PER_TEAM].pk) for index, site_id in enumerate(site_ids)
    )
    return round_, members


def _scored_round(params: Params, rng: random.Random, site_ids: list[int], handles: dict) -> dict:
    """results_bench's round (every sheet submitted, all 60 items) over `round_size` sites spread over the
    programme, and its deduction and bonus lines."""
    import evaluations_data as data
    import results_bench
    from django.contrib.auth.hashers import make_password

    from evaluations.choices import RoundStatus
    from evaluations.models import Adjustment, RoundSite, ScoreSheet

    password = make_password(None)
    standard, items = data._standard()
    step = max(1, len(site_ids) // params.round_size)
    chosen = site_ids[::step][: params.round_size]
    round_, members = _round(
        "基准测试考评轮次（已评分）",
        RoundStatus.SCORING,
        standard,
        chosen,
        params.round_scorers,
        handles["teamlead"],
        password,
        "bench-scorer",
    )
    now = timezone.now()
    entries = list(RoundSite.objects.filter(round=round_).order_by("pk").values_list("pk", "team_id"))
    team_ids = list(round_.teams.order_by("pk").values_list("pk", flat=True))
    team_members = dict(zip(team_ids, members, strict=True))
    sheet_id = _next_id(ScoreSheet)
    sheet_writer = Rows(
        ScoreSheet,
        [
            "id",
            "entry_id",
            "scorer_id",
            "kind",
            "status",
            "total",
            "ten_haves",
            "section_totals",
            "scored_count",
            "version",
            "submitted_at",
            "first_submitted_at",
        ],
    )
    sheets, scores = [], []
    for entry_id, team_id in entries:
        lacking = data._lacking(items, rng)
        for user in team_members[team_id]:
            values = data._entry_values(items, rng, 1.0, lacking)
            total = sum((score for _item, score, _present, _level in values), Decimal("0"))
            sheets.append(
                (
                    sheet_id,
                    entry_id,
                    user,
                    "onsite",
                    "submitted",
                    total,
                    data._ten_haves(values),
                    data._section_totals(values),
                    len(values),
                    len(values),
                    now,
                    now,
                )
            )
            scores.extend((sheet_id, item.pk, score, present, level) for item, score, present, level in values)
            sheet_id += 1
        if len(sheets) >= 2000:
            sheet_writer.write(sheets)
            data._insert_scores(scores)
            sheets, scores = [], []
    sheet_writer.write(sheets)
    data._insert_scores(scores)
    _reset_sequences([ScoreSheet])
    lines = results_bench.adjustment_lines([entry_id for entry_id, _team in entries], handles["staff"])
    Adjustment.objects.bulk_create(lines, batch_size=BATCH)
    round_.status, round_.scored_at = RoundStatus.SCORED, now
    round_.save(update_fields=["status", "scored_at"])
    return {"round_scored": round_.pk, "standard": standard.pk, "entry": entries[len(entries) // 2][0]}


def _scoring_round(params: Params, rng: random.Random, site_ids: list[int], handles: dict) -> dict:
    """evaluations_data's round being scored, over `scoring_size` other sites where there are enough."""
    import evaluations_data as data
    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from evaluations.choices import RoundStatus, SheetKind
    from evaluations.models import ScoreSheet
    from sites.models import Site
    from standards.models import Item, Standard

    standard = Standard.objects.get(pk=handles["standard"])
    items = list(Item.objects.filter(standard=standard).select_related("section"))
    chosen = site_ids[1::7][: params.scoring_size] if len(site_ids) >= 7 * 2 else site_ids[: params.scoring_size]
    round_, members = _round(
        "基准测试考评轮次（评分中）",
        RoundStatus.SCORING,
        standard,
        chosen,
        5,
        handles["teamlead"],
        make_password(None),
        "bench-onsite",
    )
    data._sheets(round_, items, [[User(pk=pk) for pk in team] for team in members], 0.2, rng)
    scorer = User.objects.get(pk=members[0][0])
    sheets = list(
        ScoreSheet.objects.filter(scorer=scorer, kind=SheetKind.ONSITE, entry__round=round_).order_by("entry__site_id")
    )
    sheet, service_sheet = sheets[0], sheets[1]
    for each in (sheet, service_sheet):
        data._half_filled(each, items, rng)
    data._evidence(Site.objects.get(pk=sheet.entry.site_id), items, User.objects.get(pk=handles["staff"]))
    points = [item.pk for item in items if item.kind == "points"]
    return {
        "round_scoring": round_.pk,
        "scorer": scorer.pk,
        "sheet": sheet.pk,
        "sheet_items": points[:2],
    }


def _supervision(params: Params, site_ids: list[int], handles: dict) -> None:
    from supervision.models import Assignment, AssignmentSite, Rectification

    now = timezone.now()
    offsets = [-2, 0, 2, 10, 20, 30, 40, 50]
    assignments = [
        Assignment.objects.create(
            title=f"基准工作任务{n + 1}",
            due_at=now + timedelta(days=offsets[n % len(offsets)], hours=1),
            status="published",
            published_at=now - timedelta(days=5),
            created_by_id=handles["staff"],
        )
        for n in range(params.tasks)
    ]
    assignments.append(Assignment.objects.create(title="基准草稿任务", due_at=now - timedelta(days=9), status="draft"))

    district = _site_districts()  # each row carries its site's district, as the services write it

    def rows():
        for index, assignment in enumerate(assignments):
            for number, site_id in enumerate(site_ids):
                status = TASK_STATUSES[(number + index) % len(TASK_STATUSES)]
                answered = status in ("submitted", "accepted")
                late = answered and number % 5 == 0
                at = assignment.due_at + (timedelta(hours=3) if late else -timedelta(days=1))
                yield (
                    assignment.pk,
                    site_id,
                    status,
                    at if answered else None,
                    at if answered else None,
                    late,
                    district[site_id],
                )

    columns = ["assignment_id", "site_id", "status", "first_submitted_at", "submitted_at", "late", "district_id"]
    Rows(AssignmentSite, columns).write(rows())
    today = timezone.localdate()
    Rows(Rectification, ["site_id", "title", "due_on", "status", "district_id"]).write(
        (site_id, "整改事项：台账不全", today + timedelta(days=-3 if index % 2 else 7), "open", district[site_id])
        for index, site_id in enumerate(site_ids[::10])
    )
    from supervision.owing import owing_refresh

    owing_refresh()  # each site's owing signature, as the services keep it
    from supervision.models import Assignment
    from supervision.task_tally import recount

    recount(list(Assignment.objects.exclude(status="draft").values_list("pk", flat=True)))  # each task's numbers


def _site_districts() -> dict:
    """Every site's district id (supervision.districts), from its region's path: one query."""
    from sites.models import Site

    return {
        pk: (int(path.strip("/").split("/")[1]) if path.count("/") > 2 else None)
        for pk, path in Site.objects.values_list("pk", "region__path").iterator(chunk_size=10_000)
    }


# --- what was built --------------------------------------------------------------------------------------------

TABLE = "bench_build"


def save_build(params: Params, handles: dict, seconds: float) -> None:
    """Remember what this database holds (a rerun with --reuse measures it again if the parameters agree)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (params TEXT NOT NULL, handles TEXT NOT NULL, seconds REAL)"
        )
        cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608 (a constant)
        cursor.execute(
            f"INSERT INTO {TABLE} (params, handles, seconds) VALUES (%s, %s, %s)",  # noqa: S608 (a constant)
            [json.dumps(params.as_dict(), sort_keys=True), json.dumps(handles), seconds],
        )


def load_build() -> tuple[dict, dict, float] | None:
    """(params, handles, seconds) of the build in this database, or None if it holds none."""
    if TABLE not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT params, handles, seconds FROM {TABLE}")  # noqa: S608 (a constant)
        row = cursor.fetchone()
    return (json.loads(row[0]), json.loads(row[1]), row[2]) if row else None


def summary() -> dict:
    """How many rows of each kind there are (printed, and kept in the results)."""
    from accounts.models import PartyOrganization, Region, User
    from archives.models import Material, MaterialVersion
    from evaluations.models import ItemScore, RoundSite, ScoreSheet
    from sites.models import Site
    from supervision.models import AssignmentSite

    models = {
        "regions": Region,
        "organizations": PartyOrganization,
        "sites": Site,
        "materials": Material,
        "material_versions": MaterialVersion,
        "users": User,
        "round_entries": RoundSite,
        "score_sheets": ScoreSheet,
        "item_scores": ItemScore,
        "task_standings": AssignmentSite,
    }
    if connection.vendor == "postgresql":  # exact counts of millions of rows take seconds; the statistics suffice
        with connection.cursor() as cursor:
            found = {}
            for name, model in models.items():
                cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [model._meta.db_table])
                found[name] = int(cursor.fetchone()[0])
            return found
    return {name: model.objects.count() for name, model in models.items()}


def load_defaults() -> None:
    from django.core.management import call_command

    call_command("load_defaults", stdout=io.StringIO())
