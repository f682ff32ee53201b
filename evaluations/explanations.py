"""Reads that explain a round's results (DOMAIN.md §5): one site's result line by line, the scorers' calibration,
the radar of a site's sections against its domain, and the site page's results panel.

Everything is read from the same stored results as the results page (result_store, kept equal to
results.round_results) so that an explanation never disagrees with the row it explains, and every read here costs
a fixed number of queries whatever the size of the round (the per-site figures are aggregated in the database,
then put together in Python).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from standards.selectors import applicable_sections

from . import result_store, rules
from .choices import Aggregation, RoundStatus, SheetKind, SheetStatus
from .models import Adjustment, Finalization, ItemScore, Publication, Round, RoundSite
from .radar import Radar
from .results import round_policy, submitted_sheets
from .selectors import _city_reader
from .supervision_lines import with_source_links

# Rounds whose results are official: everyone who may see the site may see its result there.
PUBLIC_STATUSES = (RoundStatus.PUBLISHED, RoundStatus.FINALIZED)
CLOSED = (RoundStatus.SCORED, *PUBLIC_STATUSES)


def may_see_working_results(user) -> bool:
    """Staff and city-wide leaders (viewers) see the working results of a scored round and their explanations
    (selectors._city_reader); everyone else sees only what is published (the publication's list)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return _city_reader(user)


def explained_entry(user, pk: int) -> RoundSite:
    """A round's site whose explanation `user` may open (staff and city-wide viewers), or 404."""
    if not may_see_working_results(user):
        raise Http404
    try:
        return RoundSite.objects.select_related("round__standard", "site__region", "site__organization").get(pk=pk)
    except RoundSite.DoesNotExist as error:
        raise Http404 from error


# --- sections (shared by the explanation and the radar) ---------------------------------------------------


def scored_sections(sections) -> list:
    """The sections that carry points (a veto section scores 0 and has no place on a radar)."""
    return [section for section in sections if section.max_score and section.max_score > 0]


def radar_facts(entry: RoundSite, sections, stored: "result_store.Stored") -> Radar | None:
    """The radar of `entry`: its score per section (the mean over its counted sheets) against its domain's average
    in the same round (the mean over the domain's scored sites), both stored with the results; `sections` are
    applicable_sections of its round and domain. None when the site has no counted sheet."""
    if not stored.sections:
        return None
    sections = scored_sections(sections)
    return Radar(
        indicators=[(section.title, section.max_score) for section in sections],
        series=[
            (entry.site.name, [stored.sections.get(section.pk) for section in sections]),
            (
                _("%(domain)s平均") % {"domain": entry.site.get_domain_display()},
                [stored.domain_sections.get(section.pk) for section in sections],
            ),
        ],
    )


# --- the explanation of one site's result ----------------------------------------------------------------


@dataclass
class SheetLine:
    id: int
    scorer: str
    total: Decimal
    status: str
    status_label: str
    submitted_at: object
    source_label: str
    counted: bool
    dropped: bool


@dataclass
class VoteLine:
    item: object
    absent: int
    present: int
    sheets: int

    @property
    def failed(self) -> bool:
        return rules.Vote(self.item.code, self.item.title, self.item.is_veto, self.absent, self.sheets).failed


@dataclass
class Step:
    label: str
    formula: str
    value: str
    note: str = ""


@dataclass
class Explanation:
    entry: RoundSite
    result: rules.SiteResult
    policy: rules.Policy
    method_label: str
    sheets: list
    sections: list  # dicts: section, average, items: [(item, average)]
    votes: list  # VoteLine of every veto and required item
    adjustments: list
    steps: list
    decision: str
    radar: Radar | None = None
    counted_total: int = field(default=0)
    position: int = 0  # where the site stands in the round's listing order (0: first)


def _fmt(value) -> str:
    return "—" if value is None else f"{rules.round_half_up(value)}"


def _steps(result: rules.SiteResult, policy: rules.Policy, sheets: list, method_label: str) -> list:
    counted = [s for s in sheets if s.counted]
    totals = " + ".join(_fmt(s.total) for s in counted)
    if result.onsite is None:
        return [Step("实地得分", "没有已提交的实地评分表", "—")]
    if policy.aggregation == Aggregation.MEDIAN:
        formula = f"{'、'.join(_fmt(s.total) for s in counted)} 的中位数"
    else:
        formula = f"({totals}) ÷ {len(counted)}"
    dropped = [s for s in sheets if s.dropped]
    note = ""
    if dropped:
        note = "去掉最高分 {} 和最低分 {}".format(*[_fmt(s.total) for s in sorted(dropped, key=lambda s: -s.total)])
    elif policy.aggregation == Aggregation.TRIMMED:
        note = f"不足 {rules.TRIM_FROM} 份评分表，不去分，直接平均"
    steps = [Step(f"实地得分（{method_label}）", formula, _fmt(result.onsite), note)]
    steps.append(Step("扣分", "有效扣分条目合计", f"− {_fmt(result.deductions)}"))
    bonus_note = ""
    if result.bonus_raw > result.bonus:
        bonus_note = f"加分合计 {_fmt(result.bonus_raw)}，超过上限 {_fmt(policy.bonus_cap)}，按上限计"
    steps.append(
        Step("加分", f"有效加分条目合计，上限 {_fmt(policy.bonus_cap)}", f"+ {_fmt(result.bonus)}", bonus_note)
    )
    raw = result.onsite - result.deductions + result.bonus
    clamp_note = "" if rules.ZERO <= raw <= rules.HUNDRED else f"{_fmt(raw)} 超出 0–100，取界值"
    steps.append(
        Step(
            "最终得分",
            f"{_fmt(result.onsite)} − {_fmt(result.deductions)} + {_fmt(result.bonus)}，限定在 0–100",
            _fmt(result.final),
            clamp_note,
        )
    )
    return steps


def _decision(result: rules.SiteResult, policy: rules.Policy) -> str:
    if result.passed:
        return (
            f"最终得分 {_fmt(result.final)} 不低于合格分数线 {_fmt(policy.pass_threshold)}，"
            f"无一票否决项，必须具备项齐全：通过，{result.outcome_label}"
        )
    return f"{result.failing_rule}：未通过，{result.outcome_label}"


def explanation(entry: RoundSite, user=None) -> Explanation | None:
    """Everything that decided `entry`'s result, or None before the round's results exist (scoring not closed).

    With `user`, each automatic deduction or bonus line carries `source_url`, the page of the supervision record
    it comes from, when `user` may open that record (supervision_lines.source_links)."""
    round_ = entry.round
    if round_.status not in CLOSED:
        return None
    policy = round_policy(round_)
    found = result_store.result_at(round_, entry.pk)
    if found is None:
        return None
    result, position = found.result, found.position
    counted, dropped = set(result.counted), set(result.dropped)
    sheets = [
        SheetLine(
            id=sheet.pk,
            scorer=sheet.scorer.get_full_name() if sheet.scorer_id else "—",
            total=sheet.total,
            status=sheet.status,
            status_label=sheet.get_status_display(),
            submitted_at=sheet.submitted_at,
            source_label=sheet.get_source_display(),
            counted=sheet.pk in counted,
            dropped=sheet.pk in dropped,
        )
        for sheet in entry.sheets.filter(kind=SheetKind.ONSITE)
        .select_related("scorer")
        .order_by("-total", "scorer__full_name", "id")
    ]
    sections = applicable_sections(round_.standard, entry.site.domain)
    item_sums = dict(
        ItemScore.objects.filter(sheet_id__in=counted)
        .values("item_id")
        .annotate(total=Sum("score"))
        .order_by()
        .values_list("item_id", "total")
    )
    n = len(counted)
    section_rows = []
    for section in sections:
        sums = [(item, item_sums.get(item.pk)) for item in section.items.all()]
        items = [(item, rules.round_half_up(total / n) if n and total is not None else None) for item, total in sums]
        scored = [total for _item, total in sums if total is not None]
        average = rules.round_half_up(sum(scored, rules.ZERO) / n) if n and scored else None
        section_rows.append({"section": section, "average": average, "items": items})
    decided = [item for section in sections for item in section.items.all() if item.is_veto or item.is_required]
    counts = {
        row["item_id"]: row
        for row in ItemScore.objects.filter(
            sheet__entry=entry,
            sheet__kind=SheetKind.ONSITE,
            sheet__status=SheetStatus.SUBMITTED,
            item_id__in=[item.pk for item in decided],
        )
        .values("item_id")
        .annotate(
            n_absent=Count("id", filter=Q(present=False)),
            n_present=Count("id", filter=Q(present=True)),
            n_decided=Count("id", filter=Q(present__isnull=False)),
        )
        .order_by()
    }
    votes = [
        VoteLine(
            item=item,
            absent=counts.get(item.pk, {}).get("n_absent", 0),
            present=counts.get(item.pk, {}).get("n_present", 0),
            sheets=counts.get(item.pk, {}).get("n_decided", 0),
        )
        for item in sorted(decided, key=lambda item: (not item.is_veto, item.code))
    ]
    adjustments = list(
        Adjustment.objects.filter(entry=entry)
        .select_related("created_by", "withdrawn_by")
        .order_by("kind", "created_at", "id")
    )
    if user is not None:
        adjustments = with_source_links(user, adjustments)
    method_label = Aggregation(policy.aggregation).label if policy.aggregation in Aggregation.values else ""
    return Explanation(
        entry=entry,
        result=result,
        policy=policy,
        method_label=method_label,
        sheets=sheets,
        sections=section_rows,
        votes=votes,
        adjustments=adjustments,
        steps=_steps(result, policy, sheets, method_label),
        decision=_decision(result, policy),
        radar=radar_facts(entry, sections, found),
        counted_total=n,
        position=position,
    )


# --- scorer calibration ----------------------------------------------------------------------------------


def calibration(round_: Round) -> list[rules.Calibration]:
    """Each scorer's mean deviation from their co-scorers over the round's submitted sheets (one query)."""
    by_site = defaultdict(list)
    for sheet_id, entry_id, scorer_id, total, full_name, username in (
        submitted_sheets(round_)
        .order_by("entry_id", "id")
        .values_list("id", "entry_id", "scorer_id", "total", "scorer__full_name", "scorer__username")
    ):
        by_site[entry_id].append(
            rules.SheetScore(id=sheet_id, scorer=full_name or username, total=total, scorer_id=scorer_id)
        )
    return rules.scorer_calibration(by_site.values())


# --- the site page's panel -------------------------------------------------------------------------------


@dataclass
class SitePanel:
    entry: RoundSite
    line: dict  # a results.snapshot line (published or finalized), or the working result as one
    source: str  # "finalized" / "published" / "working"
    radar: Radar | None
    may_explain: bool


def _line(result: rules.SiteResult) -> dict:
    from .results import snapshot

    return snapshot([result])[0]


def site_panel(user, site) -> SitePanel | None:
    """The site's latest result that `user` may see: staff and city-wide viewers that of any round whose scoring
    closed (the working result until published); everyone else who sees the site only published or finalized
    ones, as published. A fixed number of queries: the stored snapshot is read rather than the round recomputed."""
    working = may_see_working_results(user)
    statuses = CLOSED if working else PUBLIC_STATUSES
    entry = (
        RoundSite.objects.filter(site=site, round__status__in=statuses)
        .select_related("round__standard", "site")
        .order_by("-round__year", "-round_id")
        .first()
    )
    if entry is None:
        return None
    round_ = entry.round
    line, source, found = None, "working", None
    if round_.status == RoundStatus.FINALIZED:
        final = Finalization.objects.filter(round=round_, undone_at__isnull=True).order_by("-id").first()
        if final is not None:
            line, source = _snapshot_line(final.results, entry.pk), "finalized"
    if line is None and round_.status in PUBLIC_STATUSES:
        publication = Publication.objects.filter(round=round_).order_by("-number", "-id").first()
        if publication is not None:
            line, source = _snapshot_line(publication.results, entry.pk), "published"
    if line is None:
        found = result_store.result_at(round_, entry.pk)
        line = _line(found.result) if found else None
    if line is None:
        return None
    sections = applicable_sections(round_.standard, site.domain, with_items=False)
    found = found or result_store.result_at(round_, entry.pk)  # the radar: the current figures
    radar = radar_facts(entry, sections, found) if found else None
    return SitePanel(entry=entry, line=line, source=source, radar=radar, may_explain=working)


def _snapshot_line(lines, entry_id: int) -> dict | None:
    return next((line for line in lines or [] if line.get("entry") == entry_id), None)
