"""Reads of evaluations, always through the user's role and assignments (DOMAIN.md §8).

Blindness: a scorer sees no other scorer's sheet and no aggregate of a site until their own sheet for it is
submitted (`may_see_other_sheets`). Every page that shows several sheets of a site asks it.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.choices import DataScope
from archives.models import MaterialVersion
from archives.selectors import completeness
from sites.models import CreationGroupMember
from sites.selectors import sites_visible_to
from standards.models import Item

from .choices import CLOSED_STATUSES, RoundStatus, SheetKind, SheetStatus, Stage
from .models import ItemScore, Round, RoundSite, ScoreChange, ScoreSheet, SheetPhoto, Team
from .permissions import may_manage_rounds
from .sheet_tally import round_sheet_counts

# A scorer's sheets are open to them once on-site scoring starts; after it completes they stay readable.
SCORER_ROUND_STATUSES = (RoundStatus.SCORING, *CLOSED_STATUSES)
# Rounds whose results are published: readable by everyone with a site of the round in their scope.
PUBLISHED_STATUSES = (RoundStatus.PUBLISHED, RoundStatus.FINALIZED)


def _city_reader(user) -> bool:
    """Staff, administrators and city-wide leaders (viewers) know every round; only staff see its sheets."""
    return may_manage_rounds(user) or (user.scope == DataScope.CITY and user.has_perm("evaluations.view_round"))


def rounds_visible_to(user) -> QuerySet[Round]:
    """Staff, administrators and city-wide readers see every round; others the rounds they take part in: as a
    team leader, a scorer, or the leader of a site in it; and, once its results are published, every round with
    a site in their scope (a district's staff read their region's published results)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Round.objects.none()
    if _city_reader(user):
        return Round.objects.all()
    own_sites = CreationGroupMember.objects.filter(user=user).values("site")
    in_scope = sites_visible_to(user).values("pk")
    # Exists, not joins: joining teams × entries × sheets multiplies a 2,000-site round into 400,000 rows.
    return Round.objects.filter(
        Exists(Team.objects.filter(round=OuterRef("pk"), leader=user))
        | Exists(ScoreSheet.objects.filter(entry__round=OuterRef("pk"), scorer=user, kind=SheetKind.ONSITE))
        | Exists(RoundSite.objects.filter(round=OuterRef("pk"), site__in=own_sites))
        | (Q(status__in=PUBLISHED_STATUSES) & Exists(RoundSite.objects.filter(round=OuterRef("pk"), site__in=in_scope)))
    )


def round_for(user, pk: int) -> Round:
    try:
        return rounds_visible_to(user).select_related("standard", "created_by").get(pk=pk)
    except Round.DoesNotExist as error:
        raise Http404 from error


def scorer_sheets(user) -> QuerySet[ScoreSheet]:
    """The on-site sheets a scorer works on: their own, in rounds being scored (or scored), not excused."""
    return (
        ScoreSheet.objects.filter(scorer=user, kind=SheetKind.ONSITE, entry__round__status__in=SCORER_ROUND_STATUSES)
        .exclude(status=SheetStatus.EXCUSED)
        .select_related("entry__round", "entry__site__region", "entry__site__organization__region", "entry__team")
        .order_by("-entry__round__year", "status", "entry__site__name")
    )


def sheets_visible_to(user) -> QuerySet[ScoreSheet]:
    """Every sheet the user may open: staff all; a team leader their teams' sheets; a scorer their own, and the
    others of a site once their own for it is submitted; a site leader their site's self-assessment."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ScoreSheet.objects.none()
    if may_manage_rounds(user):
        return ScoreSheet.objects.all()
    own_submitted = ScoreSheet.objects.filter(
        entry=OuterRef("entry"), scorer=user, kind=SheetKind.ONSITE, status=SheetStatus.SUBMITTED
    )
    own_sites = CreationGroupMember.objects.filter(user=user).values("site")
    return ScoreSheet.objects.filter(
        Q(scorer=user, kind=SheetKind.ONSITE, entry__round__status__in=SCORER_ROUND_STATUSES)
        | Q(entry__team__leader=user)
        | (Q(Exists(own_submitted)) & Q(kind=SheetKind.ONSITE))
        | Q(kind=SheetKind.SELF, entry__site__in=own_sites)
    )


def sheet_for(user, pk: int) -> ScoreSheet:
    """A sheet the user may open, with what its page needs, or 404 (never 403: a sheet's address reveals nothing)."""
    try:
        return (
            sheets_visible_to(user)
            .select_related(
                "entry__round__standard",
                "entry__site__region",
                "entry__site__organization__region",
                "entry__team__leader",
                "scorer",
                "keyed_by",
            )
            .get(pk=pk)
        )
    except ScoreSheet.DoesNotExist as error:
        raise Http404 from error


def own_sheet(user, pk: int) -> ScoreSheet | None:
    """The user's own on-site sheet `pk` in a round being scored (or scored), or None: the cheap check of the
    score sheet's autosave, which only its scorer makes (anyone else goes through sheet_for)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return ScoreSheet.objects.filter(
        pk=pk, scorer=user, kind=SheetKind.ONSITE, entry__round__status__in=SCORER_ROUND_STATUSES
    ).first()


def may_see_other_sheets(user, entry: RoundSite) -> bool:
    """Whether `user` may see the other sheets and any aggregate of this site (blindness, DOMAIN.md §8)."""
    if may_manage_rounds(user):
        return True
    if entry.team_id and entry.team.leader_id == user.pk:
        return True
    return ScoreSheet.objects.filter(
        entry=entry, scorer=user, kind=SheetKind.ONSITE, status=SheetStatus.SUBMITTED
    ).exists()


def sheet_scores(sheet: ScoreSheet) -> dict[int, ItemScore]:
    """Item id -> the sheet's entry (with its chosen materials)."""
    return {score.item_id: score for score in sheet.scores.prefetch_related("materials")}


def sheet_photos(sheet: ScoreSheet) -> dict[int, list[SheetPhoto]]:
    photos: dict[int, list[SheetPhoto]] = {}
    for photo in sheet.photos.order_by("captured_at", "id"):
        photos.setdefault(photo.item_id, []).append(photo)
    return photos


def sheet_history(sheet: ScoreSheet) -> QuerySet[ScoreChange]:
    """The changes made after a first submission (and each return), newest first, for the sheet's record."""
    return sheet.changes.filter(after_submission=True).select_related("item", "by").order_by("-at", "-id")


def sheet_evidence(sheet: ScoreSheet) -> dict[int, list]:
    """Item id -> the site's materials evidencing it (archives.selectors.completeness: matched by item code), each
    with `latest` set to its newest file version (None for a link without a file). A constant number of queries."""
    entry = sheet.entry
    rows = completeness(entry.site, entry.round.standard).rows
    ids = {material.pk for row in rows for material in row.materials}
    latest = {}
    for version in MaterialVersion.objects.filter(material_id__in=ids).order_by("material_id", "-number"):
        latest.setdefault(version.material_id, version)
    evidence = {}
    for row in rows:
        for material in row.materials:
            material.latest = latest.get(material.pk)
        evidence[row.item.pk] = row.materials
    return evidence


def sheet_item_counts(sheets) -> dict[int, int]:
    """Sheet id -> how many items it scores (its standard's items applicable to its site's domain), in one query
    for any number of sheets (the sheets need entry__round and entry__site loaded)."""
    sheets = list(sheets)
    standards = {sheet.entry.round.standard_id for sheet in sheets}
    rows = (
        Item.objects.filter(standard_id__in=standards)
        .values("standard_id", "section__domain")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[tuple, int] = {(row["standard_id"], row["section__domain"]): row["n"] for row in rows}
    return {
        sheet.pk: counts.get((sheet.entry.round.standard_id, ""), 0)
        + counts.get((sheet.entry.round.standard_id, sheet.entry.site.domain), 0)
        for sheet in sheets
    }


def round_entries(round_: Round, user) -> QuerySet[RoundSite]:
    """A round's sites as `user` may see them in progress pages: all for staff, a team leader's teams' only."""
    entries = round_.entries.select_related("site__region", "site__organization", "team__leader")
    if may_manage_rounds(user):
        return entries
    return entries.filter(team__leader=user)


def progress_sheets(round_: Round, user) -> QuerySet[ScoreSheet]:
    """Every on-site sheet of the round that `user` may follow, with its site and scorer."""
    sheets = ScoreSheet.objects.filter(entry__round=round_, kind=SheetKind.ONSITE).select_related(
        "entry__site", "entry__team", "scorer", "keyed_by"
    )
    if may_manage_rounds(user):
        return sheets
    return sheets.filter(entry__team__leader=user)


def sheet_status_counts(round_: Round, user) -> dict[str, int]:
    """The on-site sheets `user` may follow, by status: the whole round's kept counts for those who run rounds
    (sheet_tally), a team leader's own teams counted."""
    if may_manage_rounds(user):
        return round_sheet_counts([round_.pk])[round_.pk]
    rows = progress_sheets(round_, user).order_by().values("status").annotate(n=Count("id"))
    counts = dict.fromkeys(SheetStatus.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def self_assessment_entries(user) -> QuerySet[RoundSite]:
    """The round entries whose self-assessment `user` (a site leader) fills in."""
    own_sites = CreationGroupMember.objects.filter(user=user).values("site")
    return (
        RoundSite.objects.filter(site__in=own_sites)
        .exclude(round__status=RoundStatus.DRAFT)
        .select_related("round", "site")
        .prefetch_related(Prefetch("sheets", queryset=ScoreSheet.objects.filter(kind=SheetKind.SELF)))
    )


def self_assessment_entry_for(user, pk: int) -> RoundSite:
    """A round entry whose self-assessment `user` may open, or 404: the site's leaders once the round has opened;
    staff; the entry's team leader; its scorers once on-site scoring has started (DOMAIN.md §8)."""
    from .permissions import is_site_leader_of

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise Http404
    try:
        entry = (
            RoundSite.objects.exclude(round__status=RoundStatus.DRAFT)
            .select_related("round__standard", "site__region", "site__organization", "team__leader")
            .get(pk=pk)
        )
    except RoundSite.DoesNotExist as error:
        raise Http404 from error
    if may_manage_rounds(user) or is_site_leader_of(user, entry.site):
        return entry
    if entry.team_id and entry.team.leader_id == user.pk:
        return entry
    if (
        entry.round.status in SCORER_ROUND_STATUSES
        and ScoreSheet.objects.filter(entry=entry, scorer=user, kind=SheetKind.ONSITE)
        .exclude(status=SheetStatus.EXCUSED)
        .exists()
    ):
        return entry
    raise Http404


def self_assessment_of(entry: RoundSite) -> ScoreSheet | None:
    return ScoreSheet.objects.filter(entry=entry, kind=SheetKind.SELF).select_related("scorer").first()


@dataclass
class SelfRow:
    """One item of a self-assessment as the panel beside an on-site sheet shows it."""

    item: object
    score: ItemScore | None

    @property
    def materials(self) -> list:
        return list(self.score.materials.all()) if self.score else []


def self_assessment_panel(entry: RoundSite, items) -> dict:
    """The context of templates/evaluations/_self_assessment_panel.html for a site's entry: its self-assessment
    (None when nobody has opened it) and, per item of `items`, the self-assessed entry with its materials.
    At most three queries, whatever the number of items."""
    sheet = self_assessment_of(entry)
    scores = sheet_scores(sheet) if sheet else {}
    return {"self_sheet": sheet, "items": [SelfRow(item, scores.get(item.pk)) for item in items]}


# --- pages of rounds, progress and entries (views/rounds.py, progress.py, entries.py) ------------------

DONE_STATUSES = (SheetStatus.SUBMITTED, SheetStatus.EXCUSED)


def rounds_with_progress(user) -> QuerySet[Round]:
    """The rounds `user` sees, each with its number of sites (`site_count`: a correlated count that the round index
    answers alone). Their sheets are counted per page by add_sheet_progress: counted here, every on-site sheet of
    every round was joined and counted distinct twice, for the page and again for the paginator's count (a
    20,000-site round has 100,000 sheets)."""
    sites = RoundSite.objects.filter(round=OuterRef("pk")).order_by().values("round").annotate(n=Count("*"))
    return (
        Round.objects.filter(pk__in=rounds_visible_to(user).values("pk"))
        .select_related("standard")
        .annotate(site_count=Coalesce(Subquery(sites.values("n")), 0))
        .order_by("-year", "-created_at", "-id")
    )


def add_sheet_progress(rounds) -> list[Round]:
    """Set `sheets_total` (on-site sheets) and `sheets_done` (of those, submitted or excused) on each of `rounds` (a
    page of rounds_with_progress), from the counts kept between changes (sheet_tally.round_sheet_counts)."""
    rounds = list(rounds)
    counts = round_sheet_counts([round_.pk for round_ in rounds])
    for round_ in rounds:
        by_status = counts[round_.pk]
        round_.sheets_total = sum(by_status.values())
        round_.sheets_done = sum(by_status[status] for status in DONE_STATUSES)
    return rounds


def round_counts(round_: Round) -> dict:
    """What the round page counts: sites by stage, teams, unassigned sites (sheets: sheet_status_counts)."""
    stages = dict(round_.entries.order_by().values_list("stage").annotate(n=Count("id")))
    return {
        "stages": [(label, stages.get(value, 0)) for value, label in Stage.choices],
        "sites": sum(stages.values()),
        "unassigned": round_.entries.filter(team__isnull=True).count(),
        "teams": round_.teams.count(),
    }


def add_sites_preview(round_: Round, sites: QuerySet) -> dict:
    """How the sites matching a filter would fare if added to the round, in one query: the same checks, in the same
    order, as services.round_add_sites (already in, a state that takes no part, a domain outside the standard)."""
    from . import rules

    present = Q(pk__in=RoundSite.objects.filter(round=round_).values("site"))
    state_ok = Q(state__in=list(rules.STAGE_OF_STATE))
    domain_ok = Q(domain__in=round_.standard.applicable_domains)
    return sites.order_by().aggregate(
        total=Count("pk"),
        addable=Count("pk", filter=~present & state_ok & domain_ok),
        already=Count("pk", filter=present),
        wrong_state=Count("pk", filter=~present & ~state_ok),
        wrong_domain=Count("pk", filter=~present & state_ok & ~domain_ok),
    )


def progress_scorers(round_: Round, user) -> QuerySet:
    """Per scorer (as values): their sheets in the part of the round `user` follows, counted by state."""
    count = {status: Count("id", filter=Q(status=status)) for status in SheetStatus.values}
    return (
        progress_sheets(round_, user)
        .order_by()
        .values("scorer", "scorer__full_name", "scorer__username")
        .annotate(sheets=Count("id"), **count)
        .order_by("scorer__full_name", "scorer__username")
    )


def entry_for(user, pk: int) -> RoundSite:
    """A round's site whose sheets `user` may see side by side, or 404: staff, its team's leader, and a scorer
    once their own sheet for it is submitted (may_see_other_sheets). Site leaders use their self-assessment."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise Http404
    try:
        entry = RoundSite.objects.select_related(
            "round__standard", "site__region", "site__organization", "team__leader"
        ).get(pk=pk)
    except RoundSite.DoesNotExist as error:
        raise Http404 from error
    if not may_see_other_sheets(user, entry):
        raise Http404
    return entry


def entry_sheets(entry: RoundSite) -> tuple[list[ScoreSheet], dict[int, dict[int, ItemScore]]]:
    """An entry's sheets (on-site ones by scorer, then the self-assessment) and their entries: sheet id -> item id
    -> ItemScore, in two queries however many sheets and items."""
    sheets = list(
        entry.sheets.select_related("scorer", "keyed_by", "excused_by").order_by("kind", "scorer__full_name", "id")
    )
    scores: dict[int, dict[int, ItemScore]] = {sheet.pk: {} for sheet in sheets}
    for score in ItemScore.objects.filter(sheet__entry=entry):
        scores[score.sheet_id][score.item_id] = score
    return sheets, scores


def items_per_domain(standard) -> dict[str, int]:
    """How many items a sheet of a site in each domain scores (the common sections plus the domain's own), in one
    query: a progress row says "12 of 37 scored" without asking per site."""
    from accounts.choices import Domain
    from standards.models import Item

    rows = dict(
        Item.objects.filter(standard=standard).order_by().values_list("section__domain").annotate(n=Count("id"))
    )
    common = rows.get("", 0)
    return {domain: common + rows.get(domain, 0) for domain in Domain.values}


def entries_sheets(entry_ids) -> dict[int, list[dict]]:
    """The on-site sheets of these entries (as values, by scorer), for a page of progress rows: one query."""
    sheets: dict[int, list[dict]] = {pk: [] for pk in entry_ids}
    rows = (
        ScoreSheet.objects.filter(entry_id__in=entry_ids, kind=SheetKind.ONSITE)
        .order_by("scorer__full_name", "id")
        .values("id", "entry_id", "status", "scored_count", "scorer__full_name", "scorer__username", "is_conflict")
    )
    for row in rows:
        sheets[row["entry_id"]].append(row)
    return sheets
