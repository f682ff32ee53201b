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

from django.db.models import Count, Q, Sum

from standards.choices import SectionKind
from standards.models import Item, Section

from . import rules
from .choices import AdjustmentKind, SheetKind, SheetStatus
from .models import POLICY_FIELDS, Adjustment, ItemScore, Round, RoundSite, ScoreSheet

COUNTED = Q(kind=SheetKind.ONSITE, status=SheetStatus.SUBMITTED)


def round_policy(round_: Round, **overrides) -> rules.Policy:
    """The round's policy, with `overrides` (field name → value) applied for a what-if preview."""
    values = {name: getattr(round_, name) for name in POLICY_FIELDS}
    values.update(overrides)
    return rules.Policy.of(values)


def submitted_sheets(round_: Round):
    return ScoreSheet.objects.filter(COUNTED, entry__round=round_)


def result_inputs(round_: Round, entries=None, subtotals=None) -> list[rules.ResultInput]:
    """The facts of every site of the round (or of `entries`, a queryset of its RoundSites). `subtotals` (sheet id →
    section id → subtotal, rankings.sheet_section_subtotals), when the caller has them, give the 十有 subtotals
    without summing the item scores a second time."""
    entries = entries if entries is not None else RoundSite.objects.filter(round=round_)
    sheets = submitted_sheets(round_).filter(entry__in=entries.values("pk"))
    # Items of the round's standard as a subquery: PostgreSQL then reads each item's scores from the (item, sheet,
    # present, score) index alone (an index-only scan), instead of visiting 3,000,000 rows of a 10,000-site round.
    items = Item.objects.filter(standard_id=round_.standard_id)
    if subtotals is None:
        ten_haves = dict(
            ItemScore.objects.filter(
                sheet__in=sheets.values("pk"), item__in=items.filter(section__kind=SectionKind.TEN_HAVES).values("pk")
            )
            .values("sheet_id")
            .annotate(subtotal=Sum("score"))
            .values_list("sheet_id", "subtotal")
        )
    else:
        kinds = set(
            Section.objects.filter(standard_id=round_.standard_id, kind=SectionKind.TEN_HAVES).values_list(
                "pk", flat=True
            )
        )
        ten_haves = {
            sheet_id: sum((value for section, value in sections.items() if section in kinds), rules.ZERO)
            for sheet_id, sections in subtotals.items()
        }
    by_entry = defaultdict(list)
    # Ordered by ids: the sheets' default order joins the sites, regions and scorers and sorts 50,000 rows by name.
    for sheet_id, entry_id, scorer_id, total, full_name, username in sheets.order_by("entry_id", "id").values_list(
        "id", "entry_id", "scorer_id", "total", "scorer__full_name", "scorer__username"
    ):
        by_entry[entry_id].append(
            rules.SheetScore(
                id=sheet_id,
                scorer=full_name or username,
                total=total,
                ten_haves=ten_haves.get(sheet_id) or rules.ZERO,
                scorer_id=scorer_id,
            )
        )
    votes = defaultdict(list)
    # Only items some sheet marked absent can fail; the rest need not be read (a round of 10,000 sites).
    for entry_id, code, title, is_veto, absent, decided in (
        ItemScore.objects.filter(
            sheet__in=sheets.values("pk"), item__in=items.filter(Q(is_veto=True) | Q(is_required=True)).values("pk")
        )
        .values("sheet__entry_id", "item_id")
        # Counted on indexed columns (not the id), so that the index alone answers.
        .annotate(absent=Count("item_id", filter=Q(present=False)), decided=Count("present"))
        .filter(absent__gt=0)
        .values_list("sheet__entry_id", "item__code", "item__title", "item__is_veto", "absent", "decided")
        .order_by("sheet__entry_id", "item__code")
    ):
        votes[entry_id].append(rules.Vote(code, title, is_veto, absent, decided))
    adjustments = defaultdict(lambda: {AdjustmentKind.DEDUCTION: rules.ZERO, AdjustmentKind.BONUS: rules.ZERO})
    for entry_id, kind, points in (
        Adjustment.objects.filter(entry__in=entries.values("pk"), withdrawn_at__isnull=True)
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
        for entry_id, site_id, name, domain, stage, region in entries.values_list(
            "id", "site_id", "site__name", "site__domain", "stage", "site__region__path"
        )
    ]


def round_results(round_: Round, policy: rules.Policy | None = None) -> list[rules.SiteResult]:
    """Every site's result in the round, ranked overall and per domain, in listing order."""
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
    for row in (
        ScoreSheet.objects.filter(entry__round=round_, kind=SheetKind.ONSITE)
        .order_by("id")
        .values_list("id", "status", "total", "version")
    ):
        digest.update(repr(row).encode())
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
