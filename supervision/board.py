"""Reads of the supervision board (督办看板): who is behind on which task, each site's open obligations, and each
district's share of answers on time.

Everything starts from the user's scope (selectors.targets_visible_to / rectifications_visible_to, both built on
sites.selectors.sites_visible_to) and the board's filter (filters.BoardFilter), so the page and its workbook show
the same rows. Counts are conditional aggregates in SQL: the overdue status and the traffic light are never
stored (rules.answer_status, rules.light), so they are computed here from the due time against `now`, with the
same boundaries as the rules — the due second itself is not yet overdue, yellow is "due on one of the next
three local days"."""

import datetime
import functools
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.expressions import Window
from django.db.models.functions import Coalesce, RowNumber
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import Region
from accounts.roles import Role
from sites.models import Site
from sites.selectors import sites_visible_to, target_districts

from . import rules
from .choices import OWING, STORED_ANSWER_STATUSES, AnswerStatus, AssignmentStatus, Light, RectificationStatus
from .models import Assignment, AssignmentSite, Rectification
from .permissions import may_manage_supervision

# Rectification items still to be put right (reported ones wait for the recorder's acceptance).
OPEN_RECTIFICATION = (RectificationStatus.OPEN, RectificationStatus.SUBMITTED)
# How many sites behind each task lists on the board (the rest are a click away, filtered by that task).
BEHIND_SHOWN = 10


def may_see_board(user) -> bool:
    """City staff see the whole city, district users their region, instructors their sites, and the city's
    leaders (领导, read-only viewers) who is behind (DOMAIN.md §9) — the menu's rule, apps._sees_board. Site
    leaders, scorers and team leaders have their own pages."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return may_manage_supervision(user) or user.has_role(Role.DISTRICT, Role.INSTRUCTOR, Role.VIEWER)


def link(name: str, pk) -> str:
    """The URL of a page another part of supervision provides, or "" while that page does not exist."""
    if not _page_exists(name):
        return ""
    return reverse(f"supervision:{name}", args=[pk])


@functools.cache
def _page_exists(name: str) -> bool:
    # Asked once per process: a failing reverse() is slow (it tries every pattern), and the URLs do not change.
    try:
        reverse(f"supervision:{name}", args=[1])
    except NoReverseMatch:
        return False
    return True


@dataclass(frozen=True)
class Moment:
    """The instant the board is computed for, and the boundaries of its traffic light."""

    now: datetime.datetime
    tz: datetime.tzinfo
    today: datetime.date
    yellow_until: datetime.datetime  # due before this local midnight (within YELLOW_DAYS days) and owed: yellow
    yellow_until_day: datetime.date  # rectifications: due on or before this day and open: yellow

    @classmethod
    def at(cls, now: datetime.datetime | None = None) -> "Moment":
        now = now or timezone.now()
        tz = timezone.get_current_timezone()
        today = rules.local_day(now, tz)
        last_yellow = today + datetime.timedelta(days=rules.YELLOW_DAYS)
        until = datetime.datetime.combine(last_yellow + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        return cls(now=now, tz=tz, today=today, yellow_until=until, yellow_until_day=last_yellow)


# --- conditions (on AssignmentSite, or on Rectification), matching rules.answer_status and rules.light ---------


def target_status_q(status: str, moment: Moment, prefix: str = "") -> Q:
    """The targets whose board status (rules.answer_status) is `status`."""
    due = f"{prefix}assignment__due_at"
    if status == AnswerStatus.OVERDUE:
        return Q(**{f"{prefix}status__in": OWING, f"{due}__lt": moment.now})
    if status in OWING:
        return Q(**{f"{prefix}status": status, f"{due}__gte": moment.now})
    return Q(**{f"{prefix}status": status})


def target_light_q(light: str, moment: Moment, prefix: str = "") -> Q:
    """The targets whose traffic light (rules.light) is `light`."""
    due = f"{prefix}assignment__due_at"
    owing = Q(**{f"{prefix}status__in": OWING})
    if light == Light.RED:
        return owing & Q(**{f"{due}__lt": moment.now})
    if light == Light.YELLOW:
        return owing & Q(**{f"{due}__gte": moment.now, f"{due}__lt": moment.yellow_until})
    return ~owing | Q(**{f"{due}__gte": moment.yellow_until})


def rectification_light_q(light: str, moment: Moment, prefix: str = "") -> Q:
    """Open items by deadline: red past it (rules.rectification_overdue), yellow within three days."""
    due = f"{prefix}due_on"
    still_open = Q(**{f"{prefix}status__in": OPEN_RECTIFICATION})
    if light == Light.RED:
        return still_open & Q(**{f"{due}__lt": moment.today})
    if light == Light.YELLOW:
        return still_open & Q(**{f"{due}__gte": moment.today, f"{due}__lte": moment.yellow_until_day})
    return still_open & (Q(**{f"{due}__isnull": True}) | Q(**{f"{due}__gt": moment.yellow_until_day}))


def rectification_light(item, moment: Moment) -> str:
    if rules.rectification_overdue(status=item.status, due_on=item.due_on, today=moment.today):
        return Light.RED
    if item.due_on is not None and item.due_on <= moment.yellow_until_day:
        return Light.YELLOW
    return Light.GREEN


# --- the base querysets ------------------------------------------------------------------------------------


def board_targets(user) -> QuerySet[AssignmentSite]:
    """Every site's standing on every published (or closed) task the user may see."""
    from .selectors import targets_visible_to

    if not sites_visible_to(user).query.where:
        # A city-wide scope restricts nothing: leave out its "site in all sites" join, which every aggregate of
        # the board would otherwise pay for once more (the same rows, measurably faster at 10,000 sites).
        # The tasks as a list of ids (a few dozen a year), not a join: every count then reads AssignmentSite
        # alone, and the covering indexes answer it without the table.
        tasks = Assignment.objects.exclude(status=AssignmentStatus.DRAFT).values_list("pk", flat=True)
        return AssignmentSite.objects.filter(assignment_id__in=list(tasks))
    return targets_visible_to(user)


def board_rectifications(user) -> QuerySet[Rectification]:
    from .selectors import rectifications_visible_to

    if not sites_visible_to(user).query.where:
        return Rectification.objects.filter(status__in=OPEN_RECTIFICATION)
    return rectifications_visible_to(user).filter(status__in=OPEN_RECTIFICATION)


def _fetch(queryset) -> list[tuple]:
    """The rows of a values() queryset as plain tuples, without the ORM's per-value converters (thousands of
    rows of counts: the converters cost more than the query)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # .none(), e.g. the items under a status filter other than overdue
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- per assignment ----------------------------------------------------------------------------------------


def status_counts(moment: Moment) -> dict:
    """Aggregates over AssignmentSite: one count per board status (they partition the targets), and the total."""
    counts = {
        status: Count("pk", filter=target_status_q(status, moment))
        for status in (
            AnswerStatus.PENDING,
            AnswerStatus.SUBMITTED,
            AnswerStatus.RETURNED,
            AnswerStatus.ACCEPTED,
            AnswerStatus.OVERDUE,
        )
    }
    counts["yellow"] = Count("pk", filter=target_light_q(Light.YELLOW, moment))
    counts["total"] = Count("pk")
    return counts


def assignment_rows(targets: QuerySet[AssignmentSite], moment: Moment) -> QuerySet:
    """One row per task among `targets` (already scoped and filtered): its id and counts by status, open tasks
    first, then by due time (the longest overdue first)."""
    return (
        targets.order_by()
        .values("assignment_id")
        .annotate(
            **status_counts(moment),
            open=Case(When(assignment__status=AssignmentStatus.PUBLISHED, then=Value(0)), default=Value(1)),
            due_at=F("assignment__due_at"),
        )
        .order_by("open", "due_at", "assignment_id")
    )


@dataclass
class TaskRow:
    assignment: Assignment
    counts: dict
    behind: list = field(default_factory=list)  # BehindSite, at most BEHIND_SHOWN
    url: str = ""

    @property
    def total(self) -> int:
        return self.counts["total"]

    @property
    def owing(self) -> int:
        return self.counts["pending"] + self.counts["returned"] + self.counts["overdue"]

    @property
    def done(self) -> int:
        return self.counts["submitted"] + self.counts["accepted"]

    @property
    def done_percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def more_behind(self) -> int:
        return max(0, self.owing - len(self.behind))


@dataclass
class Obligation:
    """One thing a site owes: a task's answer or a rectification item, with its light and days to/past due."""

    kind: str  # "task" or "rectification"
    title: str
    status: str  # the board status (overdue computed)
    status_label: str
    light: str
    due: object  # datetime (task) or date (rectification) or None
    days: int | None  # to the due day (negative: past it)
    url: str
    site: Site
    pk: int

    @property
    def days_past(self) -> int | None:
        return -self.days if self.days is not None else None


def target_obligation(target: AssignmentSite, moment: Moment, *, with_url: bool = True) -> Obligation:
    due_at = target.assignment.due_at
    status = rules.answer_status(target.status, due_at, moment.now)
    return Obligation(
        kind="task",
        title=target.assignment.title,
        status=status,
        status_label=str(AnswerStatus(status).label),
        light=rules.light(target.status, due_at, moment.now, moment.tz),
        due=due_at,
        days=rules.days_to_due(due_at, moment.now, moment.tz),
        url=link("target_detail", target.pk) if with_url else "",
        site=target.site,
        pk=target.pk,
    )


def rectification_obligation(item: Rectification, moment: Moment, *, with_url: bool = True) -> Obligation:
    overdue = rules.rectification_overdue(status=item.status, due_on=item.due_on, today=moment.today)
    return Obligation(
        kind="rectification",
        title=item.title,
        status="overdue" if overdue else item.status,
        status_label=str(AnswerStatus.OVERDUE.label) if overdue else str(RectificationStatus(item.status).label),
        light=rectification_light(item, moment),
        due=item.due_on,
        days=(item.due_on - moment.today).days if item.due_on else None,
        url=link("rectification_detail", item.pk) if with_url else "",
        site=item.site,
        pk=item.pk,
    )


def behind_sites(targets: QuerySet[AssignmentSite], assignment_ids, moment: Moment) -> dict[int, list[Obligation]]:
    """Up to BEHIND_SHOWN owing sites per task (in the order they were sent the task), for the tasks on the page.

    Two queries whatever the number of sites: a window function numbers each task's owing rows (on the targets
    alone, no joins), then the chosen rows are read with their sites."""
    ranked = (
        targets.filter(assignment_id__in=assignment_ids, status__in=OWING)
        .annotate(rank=Window(RowNumber(), partition_by=[F("assignment_id")], order_by=[F("site_id").asc()]))
        .filter(rank__lte=BEHIND_SHOWN)
        .values_list("pk", flat=True)
    )
    chosen = AssignmentSite.objects.filter(pk__in=list(ranked)).select_related("assignment", "site", "site__region")
    found: dict[int, list[Obligation]] = {}
    for target in chosen.order_by("assignment_id", "site__name", "site_id"):
        found.setdefault(target.assignment_id, []).append(target_obligation(target, moment))
    return found


def task_rows(rows_page, targets: QuerySet[AssignmentSite], moment: Moment, behind=None) -> list[TaskRow]:
    """The TaskRows of one page of assignment_rows (two queries: the tasks, and their sites behind — or given)."""
    ids = [row["assignment_id"] for row in rows_page]
    assignments = Assignment.objects.in_bulk(ids)
    behind = behind_sites(targets, ids, moment) if behind is None else behind
    result = []
    for row in rows_page:
        counts = {
            key: row[key] for key in ("pending", "submitted", "returned", "accepted", "overdue", "yellow", "total")
        }
        assignment = assignments[row["assignment_id"]]
        result.append(
            TaskRow(
                assignment=assignment,
                counts=counts,
                behind=behind.get(assignment.pk, []),
                url=link("assignment_detail", assignment.pk),
            )
        )
    return result


def task_counts(targets: QuerySet[AssignmentSite], moment: Moment, *, per_task: bool = True) -> list[dict]:
    """The rows of assignment_rows (same keys, same order, same numbers), read as one count per task and stored
    status: each a correlated `COUNT(*)` that PostgreSQL answers from one range of the (assignment, status, site)
    index without touching the table (a GROUP BY over every standing hashed them all). A task's due time is one
    value, so its overdue and yellow counts follow from its owing counts here, as rules.answer_status and
    rules.light say (the due second itself not yet overdue; yellow until local midnight three days ahead).

    `per_task=False` (a district's or a filtered board: a part of the standings, found through the sites) counts
    them in one GROUP BY instead, which reads only that part."""
    if not per_task:
        return _grouped_task_counts(targets, moment)

    def counted(status):
        matching = targets.filter(assignment_id=OuterRef("pk"), status=status).order_by().values("assignment_id")
        return Coalesce(Subquery(matching.annotate(n=Count("*")).values("n")), 0)

    stored = [str(status) for status in STORED_ANSWER_STATUSES]
    tasks = (
        Assignment.objects.exclude(status=AssignmentStatus.DRAFT)
        .order_by()
        .annotate(**{f"n_{status}": counted(status) for status in stored})
        .values_list("pk", "status", "due_at", *(f"n_{status}" for status in stored))
    )
    keys = ("pending", "submitted", "returned", "accepted", "overdue", "yellow", "total")
    rows = []
    for pk, assignment_status, due_at, *numbers in tasks:
        row = {"assignment_id": pk, **dict.fromkeys(keys, 0)}
        row["open"] = 0 if assignment_status == AssignmentStatus.PUBLISHED else 1
        row["due_at"] = due_at
        for status, n in zip(stored, numbers, strict=True):
            row["total"] += n
            owing = status in OWING
            row["overdue" if owing and due_at < moment.now else status] += n
            if owing and moment.now <= due_at < moment.yellow_until:
                row["yellow"] += n
        if row["total"]:
            rows.append(row)
    return sorted(rows, key=lambda row: (row["open"], row["due_at"], row["assignment_id"]))


def counts_per_task(user, filterset) -> bool:
    """Whether task_counts may count per task off the covering index: a city-wide board not narrowed to some sites
    (by region or domain). Otherwise one GROUP BY over the part of the standings the scope or filter leaves."""
    chosen = getattr(filterset.form, "cleaned_data", {})
    return not sites_visible_to(user).query.where and not (chosen.get("region") or chosen.get("domain"))


def _grouped_task_counts(targets: QuerySet[AssignmentSite], moment: Moment) -> list[dict]:
    stored = _fetch(targets.order_by().values("assignment_id", "status").annotate(n=Count("*")))
    tasks = Assignment.objects.filter(pk__in={pk for pk, _status, _n in stored}).values_list("pk", "status", "due_at")
    assignments = {pk: (status, due_at) for pk, status, due_at in tasks}
    keys = ("pending", "submitted", "returned", "accepted", "overdue", "yellow", "total")
    rows: dict[int, dict] = {}
    for pk, status, n in stored:
        assignment_status, due_at = assignments[pk]
        row = rows.get(pk)
        if row is None:
            row = rows[pk] = {"assignment_id": pk, **dict.fromkeys(keys, 0)}
            row["open"] = 0 if assignment_status == AssignmentStatus.PUBLISHED else 1
            row["due_at"] = due_at
        row["total"] += n
        owing = status in OWING
        row["overdue" if owing and due_at < moment.now else status] += n
        if owing and moment.now <= due_at < moment.yellow_until:
            row["yellow"] += n
    return sorted(rows.values(), key=lambda row: (row["open"], row["due_at"], row["assignment_id"]))


def behind_page(targets: QuerySet[AssignmentSite], assignment_ids, moment: Moment) -> dict[int, list[Obligation]]:
    """behind_sites for the tasks of one page, read without numbering every owing row: on PostgreSQL one query of
    per-task `ORDER BY site_id LIMIT 10` parts (each walks the (assignment, site) index and stops at ten), then
    the chosen rows with their sites. SQLite (which cannot limit the parts of a UNION) numbers the rows instead."""
    ids = list(assignment_ids)
    if not ids or not connections[targets.db].features.supports_slicing_ordering_in_compound:
        return behind_sites(targets, ids, moment)
    owing = targets.filter(status__in=OWING).order_by("site_id").values_list("pk", "site_id")
    parts = [owing.filter(assignment_id=pk)[:BEHIND_SHOWN] for pk in ids]
    rows = parts[0].union(*parts[1:], all=True).order_by() if len(parts) > 1 else parts[0]
    chosen_ids = [pk for pk, _site_id in rows]
    chosen = AssignmentSite.objects.filter(pk__in=chosen_ids).select_related("assignment", "site", "site__region")
    found: dict[int, list[Obligation]] = {}
    for target in chosen.order_by("assignment_id", "site__name", "site_id"):
        found.setdefault(target.assignment_id, []).append(target_obligation(target, moment))
    return found


# --- per site ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteTally:
    """How much a site owes: red and yellow obligations and all of them (the per-site list's order)."""

    site_id: int
    red: int
    yellow: int
    obligations: int

    @property
    def order(self):
        # Equal counts: the older site first (the site's name would need a join and text sorting on every site).
        return (-self.red, -self.yellow, -self.obligations, self.site_id)


@dataclass
class Tallies:
    """The board's counts by site, from one GROUP BY per table: the sites that owe something in board order, and
    per region the figures the district table adds up (targets past due, of them answered on time, overdue
    answers, open and overdue rectification items)."""

    sites: list[SiteTally]
    regions: dict  # region id (or the district's id, when by_district) → figures
    by_district: bool = False


def tally(targets: QuerySet[AssignmentSite], rectifications: QuerySet[Rectification], moment: Moment) -> Tallies:
    """Counting per site in correlated subqueries and sorting on them took PostgreSQL seconds at 10,000 sites;
    one GROUP BY per table (merged here) takes milliseconds and feeds both the per-site and per-district views."""
    past_due = Q(assignment__due_at__lt=moment.now)
    target_rows = (
        targets.order_by()
        .values("site_id", "site__region_id")
        .annotate(
            red=Count("pk", filter=target_light_q(Light.RED, moment)),
            yellow=Count("pk", filter=target_light_q(Light.YELLOW, moment)),
            owing=Count("pk", filter=Q(status__in=OWING)),
            due=Count("pk", filter=past_due),
            on_time=Count("pk", filter=past_due & Q(first_submitted_at__isnull=False, late=False)),
        )
        .values_list("site_id", "site__region_id", "red", "yellow", "owing", "due", "on_time")
    )
    item_rows = (
        rectifications.order_by()
        .values("site_id", "site__region_id")
        .annotate(red=Count("pk", filter=rectification_light_q(Light.RED, moment)), total=Count("pk"))
        .annotate(yellow=Count("pk", filter=rectification_light_q(Light.YELLOW, moment)))
        .values_list("site_id", "site__region_id", "red", "yellow", "total")
    )
    sites: dict[int, list] = {}
    regions: dict[int, list[int]] = {}
    for site_id, region_id, red, yellow, owing, due, on_time in _fetch(target_rows):
        if owing:
            sites[site_id] = [red, yellow, owing]
        figures = regions.setdefault(region_id, [0, 0, 0, 0, 0])
        figures[0] += due
        figures[1] += on_time
        figures[2] += red
    for site_id, region_id, red, yellow, total in _fetch(item_rows):
        counts = sites.setdefault(site_id, [0, 0, 0])
        counts[0] += red
        counts[1] += yellow
        counts[2] += total
        figures = regions.setdefault(region_id, [0, 0, 0, 0, 0])
        figures[3] += total
        figures[4] += red
    found = [SiteTally(pk, red, yellow, total) for pk, (red, yellow, total) in sites.items()]
    found.sort(key=lambda each: each.order)
    return Tallies(sites=found, regions=regions)


def sites_with_obligations(
    targets: QuerySet[AssignmentSite], rectifications: QuerySet[Rectification], moment: Moment
) -> list[SiteTally]:
    """The sites that owe something among `targets` (owing answers) or `rectifications` (open items), most red
    first, then most yellow, then most obligations."""
    return tally(targets, rectifications, moment).sites


PAGE_ORDER = "GROUP BY u.site_id ORDER BY 2 DESC, 3 DESC, 4 DESC, u.site_id LIMIT %s OFFSET %s"  # SiteTally.order


class SitePage:
    """sites_with_obligations as a sequence for a Paginator, read a page at a time: the count and each slice are
    one SQL query (per-site counts of the owing targets and open items, UNION ALL, summed per site, ordered as
    SiteTally.order, LIMIT/OFFSET), so no per-site list is built in Python, whatever the number of sites."""

    def __init__(self, targets: QuerySet[AssignmentSite], rectifications: QuerySet[Rectification], moment: Moment):
        owing = targets.filter(status__in=OWING).order_by()
        self.db = targets.db
        self._owing_sites = owing.values("site_id")
        self._item_sites = rectifications.order_by().values("site_id")
        # One row per obligation (site, red?, yellow?, 1), summed once per site outside. An owing answer's light
        # is its task's (one due time): the tasks are sorted into red and yellow here, so the rows need no join.
        due = dict(Assignment.objects.exclude(status=AssignmentStatus.DRAFT).values_list("pk", "due_at"))
        red = [pk for pk, at in due.items() if at < moment.now]
        yellow = [pk for pk, at in due.items() if moment.now <= at < moment.yellow_until]
        one, zero = Value(1), Value(0)
        self._parts = [
            owing.annotate(
                red=Case(When(assignment_id__in=red, then=one), default=zero),
                yellow=Case(When(assignment_id__in=yellow, then=one), default=zero),
                total=one,
            ).values_list("site_id", "red", "yellow", "total"),
            rectifications.order_by()
            .annotate(
                red=Case(When(rectification_light_q(Light.RED, moment), then=one), default=zero),
                yellow=Case(When(rectification_light_q(Light.YELLOW, moment), then=one), default=zero),
                total=one,
            )
            .values_list("site_id", "red", "yellow", "total"),
        ]
        self._count = None
        self._read: dict[int, list[SiteTally]] = {}  # offset → rows read ahead by read_page

    def read_page(self, number, per_page: int) -> None:
        """Read page `number` and the count together, in one pass over the obligations, so that the Paginator's
        count() and slice take them from here: the first page by `ORDER BY … LIMIT` with `COUNT(*) OVER ()`;
        any later one with the per-site rows numbered (`ROW_NUMBER() OVER`), which also answers a page past the
        end (an old link, a hand-typed number) with the last page, as the Paginator shows it — rather than an
        empty page, then a count, then the last page. Not a number: page 1."""
        try:
            number = max(1, int(number or 1))
        except (TypeError, ValueError):
            number = 1
        if number > 1:
            self._read_numbered((number - 1) * per_page, per_page)
            return
        rows = self._rows(0, per_page, with_count=True)
        self._count = rows[0][-1] if rows else 0
        self._read[0] = [SiteTally(*row[:4]) for row in rows]

    def _read_numbered(self, start: int, per_page: int) -> None:
        parts = self._sql_parts()
        if not parts:
            self._count = 0
            self._read[0] = []
            return
        inner = " UNION ALL ".join(f"SELECT * FROM ({part}) AS p{n}" for n, (part, _params) in enumerate(parts))  # noqa: S608
        # The per-site rows numbered in SiteTally.order; the page starts at `start`, or at the last page's start
        # (the largest multiple of per_page below the count: integer division on both databases) when beyond it.
        last = "(n - 1) / %s * %s"
        sql = (
            "SELECT site_id, red, yellow, total, n FROM (SELECT u.site_id, SUM(u.red) AS red, SUM(u.yellow) AS yellow, "  # noqa: S608
            "SUM(u.total) AS total, COUNT(*) OVER () AS n, ROW_NUMBER() OVER (ORDER BY SUM(u.red) DESC, "
            f"SUM(u.yellow) DESC, SUM(u.total) DESC, u.site_id) AS rn FROM ({inner}) AS u GROUP BY u.site_id) AS g "
            f"WHERE rn > CASE WHEN %s < {last} THEN %s ELSE {last} END ORDER BY rn LIMIT %s"
        )
        params = [param for _part, each in parts for param in each]
        params += [start, per_page, per_page, start, per_page, per_page, per_page]
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = [tuple(int(value) for value in row) for row in cursor.fetchall()]
        self._count = rows[0][-1] if rows else 0
        last_start = (self._count - 1) // per_page * per_page if self._count else 0
        self._read[min(start, last_start)] = [SiteTally(*row[:4]) for row in rows]

    def count(self) -> int:
        if self._count is None:
            self._count = self._owing_sites.union(self._item_sites).count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[SiteTally]:
        start, stop = window.start or 0, window.stop
        if start in self._read:
            return self._read[start][: stop - start]
        return [SiteTally(*row) for row in self._rows(start, stop - start)]

    def _sql_parts(self) -> list[tuple]:
        parts = []
        for part in self._parts:
            try:
                parts.append(part.query.sql_with_params())
            except EmptyResultSet:  # a filter that leaves no items (e.g. a status other than overdue)
                continue
        return parts

    def _rows(self, start: int, limit: int, *, with_count: bool = False) -> list[tuple]:
        parts = self._sql_parts()
        if not parts or limit <= 0:
            return []
        # The parts are the ORM's own SQL with their parameters passed alongside: nothing typed is pasted in.
        inner = " UNION ALL ".join(f"SELECT * FROM ({part}) AS p{n}" for n, (part, _params) in enumerate(parts))  # noqa: S608
        counted = ", COUNT(*) OVER ()" if with_count else ""
        sql = f"SELECT u.site_id, SUM(u.red), SUM(u.yellow), SUM(u.total){counted} FROM ({inner}) AS u {PAGE_ORDER}"  # noqa: S608
        params = [param for _part, each in parts for param in each] + [limit, start]
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, params)
            return [tuple(int(value) for value in row) for row in cursor.fetchall()]


def tallied(user, filterset) -> bool:
    """Whether the sites tab may read its order off the stored signatures (TalliedSitePage): a city-wide board, no
    filter chosen. A district's, an instructor's or a filtered board counts its part of the rows (SitePage)."""
    return not filterset.active and not sites_visible_to(user).query.where


class TalliedSitePage:
    """SitePage for the whole city unfiltered, without grouping every owing row: the sites are counted per stored
    signature (SiteOwing: the tasks a site owes, its open items' due days — one GROUP BY over one row per owing
    site, giving at most a few hundred signatures), each signature's red, yellow and total worked out here for
    the moment as SitePage's SQL does (a task red past its due time, yellow until local midnight three days
    ahead; an item by its due day); the signatures with the same figures form one run of sites in id order, and
    a page is read off the primary key within the runs it falls in (one query). Same rows, same order as
    SitePage."""

    def __init__(self, moment: Moment):
        from .models import SiteOwing
        from .owing import NO_DUE_DAY, parse

        due = dict(Assignment.objects.exclude(status=AssignmentStatus.DRAFT).values_list("pk", "due_at"))
        today, last_yellow = moment.today.isoformat(), moment.yellow_until_day.isoformat()
        runs: dict[tuple, list] = {}  # (red, yellow, total) → [signatures, sites]
        counted = SiteOwing.objects.order_by().values_list("signature").annotate(n=Count("*"))
        for signature, n in _fetch(counted):
            task_ids, items = parse(signature)
            tasks = [due[pk] for pk in task_ids if pk in due]  # a draft's standings are not on the board
            days = [day for day in items if day != NO_DUE_DAY]  # ISO days compare as the dates do
            red = sum(at < moment.now for at in tasks) + sum(day < today for day in days)
            yellow = sum(moment.now <= at < moment.yellow_until for at in tasks)
            yellow += sum(today <= day <= last_yellow for day in days)
            total = len(tasks) + len(items)
            if not total:
                continue
            run = runs.setdefault((red, yellow, total), [[], 0])
            run[0].append(signature)
            run[1] += n
        # SiteTally.order: most red first, then most yellow, then most obligations (site ids within a run).
        self._runs = [(key, *runs[key]) for key in sorted(runs, key=lambda key: (-key[0], -key[1], -key[2]))]
        self._count = sum(sites for _key, _signatures, sites in self._runs)

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, window: slice) -> list[SiteTally]:
        from .models import SiteOwing

        start, stop = window.start or 0, min(window.stop, self._count)
        if start >= stop:
            return []
        first, chosen, seen = None, [], 0  # the runs the page falls in, and where in the first one it starts
        for key, signatures, sites in self._runs:
            if seen + sites > start and seen < stop:
                first = start - seen if first is None else first
                chosen.append((key, signatures))
            seen += sites
        key_of = {signature: key for key, signatures in chosen for signature in signatures}
        rows = SiteOwing.objects.filter(signature__in=list(key_of)).values_list("site_id", "signature")
        if len(chosen) > 1:
            order = Case(*(When(signature__in=sigs, then=Value(n)) for n, (_key, sigs) in enumerate(chosen)))
            rows = rows.order_by(order, "site_id")
        else:
            rows = rows.order_by("site_id")
        return [SiteTally(site_id, *key_of[signature]) for site_id, signature in rows[first : first + stop - start]]


def region_tallies(targets: QuerySet[AssignmentSite], rectifications: QuerySet[Rectification], moment: Moment):
    """The per-region half of `tally` (the district table's figures) without the per-site half: one GROUP BY per
    table on the district each row carries (AssignmentSite.district, Rectification.district, kept by
    supervision.districts), so that the standings are counted off their (task, district, …) index without a join
    to their sites and regions, and district_rows adds up a few thousand rows at most, however many regions."""
    # A task's due time is one value: the tasks past it, as a list of ids, spare every row a join to its task.
    # Every figure counts only the standings of those tasks, so only theirs are read (not the open tasks' too).
    past = Assignment.objects.exclude(status=AssignmentStatus.DRAFT).filter(due_at__lt=moment.now)
    past_ids = list(past.values_list("pk", flat=True)) or [0]  # [0]: no id, none past
    target_rows = (
        targets.filter(assignment_id__in=past_ids)
        .order_by()
        .values("district_id")
        .annotate(
            # Of the status (never null), not of the id: every column read is in the index, an index-only scan.
            due=Count("status"),
            on_time=Count("status", filter=Q(first_submitted_at__isnull=False, late=False)),
            red=Count("status", filter=Q(status__in=OWING)),
        )
        .values_list("district_id", "due", "on_time", "red")
    )
    item_rows = (
        rectifications.order_by()
        .values("district_id")
        .annotate(total=Count("status"), red=Count("status", filter=rectification_light_q(Light.RED, moment)))
        .values_list("district_id", "total", "red")
    )
    districts: dict[int, list[int]] = {}
    for district_id, due, on_time, red in _fetch(target_rows):
        figures = districts.setdefault(district_id, [0, 0, 0, 0, 0])
        figures[0] += due
        figures[1] += on_time
        figures[2] += red
    for district_id, total, red in _fetch(item_rows):
        figures = districts.setdefault(district_id, [0, 0, 0, 0, 0])
        figures[3] += total
        figures[4] += red
    return Tallies(sites=[], regions=districts, by_district=True)


@dataclass
class SiteRow:
    site: Site
    obligations: list[Obligation]

    @property
    def red(self) -> int:
        return sum(1 for each in self.obligations if each.light == Light.RED)

    @property
    def yellow(self) -> int:
        return sum(1 for each in self.obligations if each.light == Light.YELLOW)


def _obligation_order(each: Obligation):
    order = {Light.RED: 0, Light.YELLOW: 1, Light.GREEN: 2}[each.light]
    return (order, each.days if each.days is not None else 10**6, each.title)


def site_rows(
    tallies, targets: QuerySet[AssignmentSite], rectifications: QuerySet[Rectification], moment: Moment
) -> list[SiteRow]:
    """Each site's obligations, for one page of sites_with_obligations (three queries: the sites, their owing
    answers, their open items)."""
    ids = [tally.site_id for tally in tallies]
    found = Site.objects.select_related("region").in_bulk(ids)
    sites = [found[pk] for pk in ids]
    by_site: dict[int, list[Obligation]] = {pk: [] for pk in ids}
    owing = targets.filter(site_id__in=ids, status__in=OWING).select_related("assignment", "site")
    for target in owing:
        by_site[target.site_id].append(target_obligation(target, moment))
    for item in rectifications.filter(site_id__in=ids).select_related("site"):
        by_site[item.site_id].append(rectification_obligation(item, moment))
    return [SiteRow(site=site, obligations=sorted(by_site[site.pk], key=_obligation_order)) for site in sites]


# --- per district ------------------------------------------------------------------------------------------


@dataclass
class DistrictRow:
    district: object
    due: int  # targets whose due time has passed
    on_time: int  # of those, answered by the due time
    overdue_tasks: int  # owing past the due time
    overdue_rectifications: int
    open_rectifications: int

    @property
    def on_time_percent(self) -> int | None:
        return round(100 * self.on_time / self.due) if self.due else None


class DistrictName(NamedTuple):
    """A district-level region as the district table shows it."""

    pk: int
    name: str
    path: str


def district_rows(
    user,
    targets: QuerySet[AssignmentSite],
    rectifications: QuerySet[Rectification],
    moment: Moment,
    tallies: Tallies | None = None,
) -> list[DistrictRow]:
    """Per district-level region (sites.selectors.target_districts): of the targets whose due time has passed,
    how many answered on time (first answer not late), and how many tasks and rectification items are overdue
    now — the per-region tallies (`tally`) added up here, plus two queries: the districts and the paths of the
    regions counted."""
    # Thousands in a country, as plain (pk, name, path) rows: model instances cost more than the counting.
    districts = [DistrictName(*row) for row in target_districts().values_list("pk", "name", "path")]
    if not districts:
        return []
    tallies = tallies or tally(targets, rectifications, moment)
    totals = {district.pk: [0, 0, 0, 0, 0] for district in districts}
    if tallies.by_district:
        for district_id, figures in tallies.regions.items():
            if district_id in totals:
                totals[district_id] = [a + b for a, b in zip(totals[district_id], figures, strict=True)]
    else:
        paths = dict(Region.objects.filter(pk__in=list(tallies.regions)).values_list("pk", "path"))
        by_path = {district.path: district for district in districts}
        for region, figures in tallies.regions.items():
            # A district is a depth-1 node: its path is the first two ids of the paths under it ("/1/4/" of
            # "/1/4/17/").
            path = paths.get(region) or ""
            district = by_path.get("/".join(path.split("/")[:3]) + "/")
            if district is not None:
                totals[district.pk] = [a + b for a, b in zip(totals[district.pk], figures, strict=True)]
    rows = [
        DistrictRow(
            district=district,
            due=totals[district.pk][0],
            on_time=totals[district.pk][1],
            overdue_tasks=totals[district.pk][2],
            open_rectifications=totals[district.pk][3],
            overdue_rectifications=totals[district.pk][4],
        )
        for district in districts
    ]
    if may_manage_supervision(user):
        return rows
    # Others see the districts they work in or have figures in, not a list of zeros for the rest of the city.
    own = user.region.path if getattr(user, "region_id", None) else None
    return [
        row
        for row in rows
        if row.due or row.overdue_tasks or row.open_rectifications or (own and own.startswith(row.district.path))
    ]
