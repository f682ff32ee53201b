"""Reads that compute a round's results (DOMAIN.md §5): the facts are gathered in a handful of aggregate queries
(never a query per site) and handed to the pure rules in rules.py.

`round_results(round)` is what the results page, the publication, the finalization, the ranking workbook and the
what-if preview all use, so they always agree. `inputs_fingerprint(round)` hashes what the results are computed
from (sheets, deduction lines, policy) so that any later change shows against what was published.
"""

import hashlib
import json
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, Sum

from standards.models import Item

from . import rules
from .choices import AdjustmentKind, SheetKind, SheetStatus
from .models import POLICY_FIELDS, Adjustment, ItemScore, Round, RoundSite, ScoreSheet

COUNTED = Q(kind=SheetKind.ONSITE, status=SheetStatus.SUBMITTED)
# A save of a sheet in one of these can move a result (submitted: it counts; excused: taken out of the count). A
# sheet being filled in counts in none; the reopening that took it out (publication.sheet_reopen) says so itself.
MOVES_RESULTS = (SheetStatus.SUBMITTED, SheetStatus.EXCUSED)


def round_policy(round_: Round, **overrides) -> rules.Policy:
    """The round's policy, with `overrides` (field name → value) applied for a what-if preview."""
    values = {name: getattr(round_, name) for name in POLICY_FIELDS}
    values.update(overrides)
    return rules.Policy.of(values)


def submitted_sheets(round_: Round):
    return ScoreSheet.objects.filter(COUNTED, entry__round=round_)


def _votes(round_: Round, entries=None) -> list[tuple[int, rules.Vote]]:
    """(entry id, Vote) of every veto or required item that at least one counted sheet (of `entries`, a queryset
    of the round's RoundSites, or of the whole round) marked absent, by entry and item code. Only such items can
    fail a site, and absent marks are few: the (site, item) pairs with one are found through the partial index of
    absent entries (item_score_absent) and grouped first; then, once per pair, the sheets that decided the item
    are counted with a few index lookups. Counting every veto and required entry of every marked site instead
    read a million rows when a quarter of 100,000 sites carry one mark, and a subquery beside the grouping ran
    once per mark rather than once per pair."""
    decisive = Item.objects.filter(standard_id=round_.standard_id).filter(Q(is_veto=True) | Q(is_required=True))
    items = {item.pk: item for item in decisive.only("pk", "code", "title", "is_veto")}
    if not items:
        return []
    marks = ItemScore.objects.filter(
        present=False,
        item_id__in=list(items),
        sheet__kind=SheetKind.ONSITE,
        sheet__status=SheetStatus.SUBMITTED,
        sheet__entry__round=round_,
    )
    if entries is not None:
        marks = marks.filter(sheet__entry__in=entries.values("pk"))
    pairs_sql, pairs_params = (
        marks.order_by()
        .values("sheet__entry_id", "item_id")
        .annotate(absent=Count("item_id"))
        .values_list("sheet__entry_id", "item_id", "absent")
        .query.sql_with_params()
    )
    quote = connection.ops.quote_name
    scores, sheets = quote(ItemScore._meta.db_table), quote(ScoreSheet._meta.db_table)
    # The pairs' SQL is the ORM's (its parameters bound); the decided count is written out because it refers to
    # the grouped pairs, which the ORM cannot select from.
    sql = (
        f"SELECT pairs.{quote('sheet__entry_id')}, pairs.{quote('item_id')}, pairs.{quote('absent')}, "  # noqa: S608
        f"(SELECT COUNT(*) FROM {scores} decided INNER JOIN {sheets} sheet ON decided.sheet_id = sheet.id "
        f"WHERE sheet.entry_id = pairs.{quote('sheet__entry_id')} AND sheet.kind = %s AND sheet.status = %s "
        f"AND decided.item_id = pairs.{quote('item_id')} AND decided.present IS NOT NULL) "
        f"FROM ({pairs_sql}) pairs"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [SheetKind.ONSITE, SheetStatus.SUBMITTED, *pairs_params])  # in the order they appear
        counted = cursor.fetchall()
    found = [
        (entry_id, rules.Vote(items[item_id].code, items[item_id].title, items[item_id].is_veto, absent, decided))
        for entry_id, item_id, absent, decided in counted
    ]
    return sorted(found, key=lambda pair: (pair[0], pair[1].code))


def result_inputs(round_: Round, entries=None) -> list[rules.ResultInput]:
    """The facts of every site of the round (or of `entries`): see `_result_inputs`. Read with the cyclic GC
    paused (rules.without_cyclic_gc): a country's round is a million small objects."""
    with rules.without_cyclic_gc():
        return _result_inputs(round_, entries)


def _result_inputs(round_: Round, entries=None) -> list[rules.ResultInput]:
    """The facts of every site of the round (or of `entries`, a queryset of its RoundSites), in a few aggregate
    queries that never sum the item scores: each sheet keeps its total and 十有 subtotal, and only the veto and
    required items some sheet marked absent are counted."""
    chosen = entries  # None: the whole round
    if entries is None:
        entries, sheets = RoundSite.objects.filter(round=round_), submitted_sheets(round_)
    else:
        sheets = submitted_sheets(round_).filter(entry__in=entries.values("pk"))
    by_entry = defaultdict(list)
    # Ordered by ids: the sheets' default order joins the sites, regions and scorers and sorts 50,000 rows by name.
    # The scorer's name is not read: no result shows it (the calibration reads its own).
    for sheet_id, entry_id, scorer_id, total, ten_haves in sheets.order_by("entry_id", "id").values_list(
        "id", "entry_id", "scorer_id", "total", "ten_haves"
    ):
        by_entry[entry_id].append(rules.SheetScore(sheet_id, "", total, ten_haves, scorer_id))
    votes = defaultdict(list)
    for vote_entry, vote in _votes(round_, chosen):
        votes[vote_entry].append(vote)
    adjustments = defaultdict(lambda: {AdjustmentKind.DEDUCTION: rules.ZERO, AdjustmentKind.BONUS: rules.ZERO})
    for entry_id, kind, points in (
        Adjustment.objects.filter(entry__in=entries.values("pk"), withdrawn_at__isnull=True)
        .order_by()  # the default ordering would join the sites and regions into the grouping
        .values("entry_id", "kind")
        .annotate(points=Sum("points"))
        .values_list("entry_id", "kind", "points")
    ):
        adjustments[entry_id][kind] = points
    return [
        rules.ResultInput(
            entry_id=entry_id,
            site_name=name,
            domain=domain,
            stage=stage,
            sheets=tuple(by_entry.get(entry_id, ())),
            votes=tuple(votes.get(entry_id, ())),
            deductions=adjustments[entry_id][AdjustmentKind.DEDUCTION] if entry_id in adjustments else rules.ZERO,
            bonus=adjustments[entry_id][AdjustmentKind.BONUS] if entry_id in adjustments else rules.ZERO,
            site_id=site_id,
            region=region,
        )
        # By id: the rules decide the listing order; the entries' default order sorts 100,000 rows by region and name.
        for entry_id, site_id, name, domain, stage, region in entries.order_by("id").values_list(
            "id", "site_id", "site__name", "site__domain", "stage", "site__region__path"
        )
    ]


def round_results(round_: Round, policy: rules.Policy | None = None) -> list[rules.SiteResult]:
    """Every site's result in the round, ranked overall and per domain, in listing order."""
    with rules.without_cyclic_gc():  # from reading to ranking: no full collection in between either
        return rules.compute_results(result_inputs(round_), policy or round_policy(round_))


def _canonical(value):
    """A policy value as the same text whether it was just assigned (85) or read back from the database (85.00):
    numbers to two decimals, grade bands as (label, minimum) pairs."""
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return str(rules.round_half_up(value))
    if isinstance(value, list):
        return [
            [str(b.get("label", "")), str(rules.round_half_up(b.get("min", 0)))] for b in value if isinstance(b, dict)
        ]
    return str(value)


def inputs_fingerprint(round_: Round) -> str:
    """A hash of everything the results are computed from: the sites taking part (with their stage and domain,
    which decide the outcome and the rank in domain), every on-site sheet's state, total and version (a version
    moves with every entry, so a veto or required item's vote too), every deduction and bonus line, and the
    policy. Equal fingerprints mean equal results."""
    digest = hashlib.sha256()
    policy = {name: _canonical(getattr(round_, name)) for name in POLICY_FIELDS}
    digest.update(json.dumps(policy, sort_keys=True, ensure_ascii=False).encode())
    for row in RoundSite.objects.filter(round=round_).order_by("id").values_list("id", "stage", "site__domain"):
        digest.update(repr(("entry", *row)).encode())
    sheets = (
        ScoreSheet.objects.filter(entry__round=round_, kind=SheetKind.ONSITE)
        .order_by("id")
        .values_list("id", "status", "total", "version")
    )
    # One update for all the sheets: the same digest as one per sheet (a hash reads a stream), a fifth of the time.
    digest.update("".join(map(repr, sheets.iterator(chunk_size=10_000))).encode())
    for row in (
        Adjustment.objects.filter(entry__round=round_)
        .order_by("id")
        .values_list("id", "entry_id", "kind", "points", "withdrawn_at")
    ):
        digest.update(repr((row[0], row[1], row[2], str(row[3]), row[4] is not None)).encode())
    return digest.hexdigest()


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(results) -> list[dict]:
    """Results as stored with a publication or finalization: JSON, one dict per site, in listing order."""
    return [
        {
            "entry": r.entry_id,
            "site": r.site_id,
            "name": r.site_name,
            "domain": r.domain,
            "stage": r.stage,
            "onsite": _plain(r.onsite),
            "mean": _plain(r.mean),
            "median": _plain(r.median),
            "deductions": _plain(r.deductions),
            "bonus": _plain(r.bonus),
            "final": _plain(r.final),
            "grade": r.grade,
            "passed": r.passed,
            "reasons": list(r.reasons),
            "outcome": r.outcome,
            "rank": r.rank,
            "domain_rank": r.domain_rank,
        }
        for r in results
    ]


# The fields of a snapshot line whose change is a difference worth showing and explaining.
COMPARED = ("onsite", "deductions", "bonus", "final", "grade", "passed", "outcome", "rank", "domain_rank")


def differences(published: list[dict], current: list[dict]) -> list[dict]:
    """The sites whose published line differs from the current one: {"entry", "name", "changes": {field: [old,
    new]}} in the current listing order, then any site published but no longer in the results."""
    old = {line["entry"]: line for line in published}
    now = {line["entry"] for line in current}
    found = []
    for line in current:
        before = old.get(line["entry"])
        if before is None:
            found.append({"entry": line["entry"], "name": line["name"], "changes": {"entry": [None, "新增"]}})
            continue
        changes = {f: [before.get(f), line.get(f)] for f in COMPARED if before.get(f) != line.get(f)}
        if changes:
            found.append({"entry": line["entry"], "name": line["name"], "changes": changes})
    for line in published:
        if line["entry"] not in now:
            found.append({"entry": line["entry"], "name": line["name"], "changes": {"entry": ["已公示", "移出"]}})
    return found
