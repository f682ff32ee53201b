"""Finalization (定案) of a round and its undoing (DOMAIN.md §5).

`round_finalize` applies the round's results in one transaction: every site's outcome through
`sites.services.site_transition` (its history naming the round and the rule), the batch (授牌批次) of the newly
formal sites, their subsidies, rectification items for the items the sites that stay scored poorly on; then it
freezes the round. Any failure leaves nothing changed; a second call returns the finalization in force and does
nothing. What it created is recorded by id on the Finalization, so that `finalization_undo` (an administrator's
act, with a reason) reverses exactly that, and records it.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import is_administrator
from core.services import audit_record, notify
from sites.choices import SiteState
from sites.models import Batch, Site, StateChange, Subsidy
from sites.services import (
    batch_delete,
    batch_name_sites,
    site_transition,
    site_transition_undo,
    site_update,
    subsidy_add,
    subsidy_remove,
)
from standards.models import Item
from supervision.services import rectifications_cancel, rectifications_create

from . import results
from .choices import RoundStatus, Stage
from .models import Finalization, ItemScore, Objection, Round
from .permissions import may_manage_rounds
from .publication import current_publication, drift, period_running, reopened_sheets, site_leaders
from .rules import SOURCE_STATE_OF_STAGE

# An item of a site that stays (named, promoted or kept) becomes a rectification item when the mean score of the
# sheets that count is below this share of its maximum: what the site "failed" without failing the round.
RECTIFY_BELOW = Decimal("0.6")
RECTIFY_WITHIN = timedelta(days=90)  # the deadline: about three months after finalization
STAYING = (SiteState.FORMAL, SiteState.IMPROVING)

CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (batch numbers, up to 99)."""
    if n < 10:
        return CHINESE_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CHINESE_DIGITS[tens]) + "十" + (CHINESE_DIGITS[ones] if ones else "")


def _number_of(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    for n in range(1, 100):
        if chinese_number(n) == text:
            return n
    return None


def next_batch_name(year: int, taken) -> str:
    """“{year}年第N批” with the first N not taken by any of the names `taken` (第一批 and 第1批 are the same)."""
    pattern = re.compile(rf"^{year}年第(\S+?)批$")
    used = {number for name in taken if (match := pattern.match(name)) and (number := _number_of(match.group(1)))}
    n = 1
    while n in used:
        n += 1
    return f"{year}年第{chinese_number(n)}批"


@dataclass
class Plan:
    """What finalizing the round would do now, and what stops it (the confirmation page shows it; the service
    carries it out)."""

    round: Round
    results: list
    problems: list = field(default_factory=list)
    drift: object = None
    newly_formal: list = field(default_factory=list)  # SiteResults of candidates named now
    batch_name: str = ""
    rectifications: dict = field(default_factory=dict)  # entry id -> [{"title", "detail", "item"}]

    @property
    def outcome_counts(self) -> list[tuple[str, int]]:
        """(the transition's name, how many sites) in the order first met in the listing."""
        return list(Counter(result.outcome_label for result in self.results).items())

    @property
    def subsidy_total(self) -> Decimal:
        amount = self.round.subsidy_amount or Decimal("0")
        return amount * len(self.newly_formal)

    @property
    def rectification_count(self) -> int:
        return sum(len(items) for items in self.rectifications.values())

    @property
    def needs_reason(self) -> bool:
        """The results differ from what was last published: finalizing them needs a reason on record."""
        return bool(self.drift and self.drift.changed)


def _rectification_items(round_: Round, staying) -> dict[int, list[dict]]:
    """For each site that stays, its items whose mean over the sheets that count is below RECTIFY_BELOW of the
    maximum: one aggregate query for the whole round."""
    counted = {sheet_id: r.entry_id for r in staying for sheet_id in r.counted}
    if not counted:
        return {}
    found = defaultdict(list)
    # By site, in slices: a large round's counted sheet ids would pass SQLite's limit of bound parameters.
    entry_ids = sorted({r.entry_id for r in staying})
    for start in range(0, len(entry_ids), 2000):
        chunk = set(entry_ids[start : start + 2000])
        sheet_ids = [sheet_id for sheet_id, entry_id in counted.items() if entry_id in chunk]
        rows = (
            ItemScore.objects.filter(sheet_id__in=sheet_ids, item__max_score__gt=0, score__isnull=False)
            .values("sheet__entry_id", "item_id")
            .annotate(average=Avg("score"))
            .order_by("sheet__entry_id", "item__section__order", "item__order", "item__code")
        )
        for row in rows:
            found[row["sheet__entry_id"]].append((row["item_id"], Decimal(str(row["average"]))))
    items = Item.objects.in_bulk([item_id for pairs in found.values() for item_id, _average in pairs])
    plan = defaultdict(list)
    for entry_id, pairs in found.items():
        for item_id, average in pairs:
            item = items[item_id]
            if average >= Decimal(str(item.max_score)) * RECTIFY_BELOW:
                continue
            average = results.rules.round_half_up(average)
            plan[entry_id].append(
                {
                    "title": _("%(code)s %(title)s：得分偏低") % {"code": item.code, "title": item.title},
                    "detail": _("%(round)s考评中该项平均得分 %(average)s（满分 %(max)s），请对照标准整改。")
                    % {"round": round_, "average": average, "max": item.max_score},
                    "item": item,
                }
            )
    return dict(plan)


def finalization_plan(round_: Round, *, today: date | None = None) -> Plan:
    """What finalizing `round_` would do and what stops it now: the round must be published, its publication
    period over, no objection open, no reopened sheet waiting, and every site still in the state its stage
    started from."""
    today = today or timezone.localdate()
    computed = results.round_results(round_)
    plan = Plan(round=round_, results=computed)
    if round_.status == RoundStatus.FINALIZED:
        plan.problems.append(_("考评轮次已定案"))
        return plan
    if round_.status != RoundStatus.PUBLISHED:
        plan.problems.append(_("考评结果尚未公示，公示期满后才能定案"))
        return plan
    publication = current_publication(round_)
    if period_running(publication, today) or (publication and today < publication.starts_on):
        plan.problems.append(
            _("公示期至 %(end)s 结束，期满后才能定案") % {"end": publication.ends_on.strftime("%Y-%m-%d")}
        )
    open_objections = Objection.objects.filter(entry__round=round_, status="open").count()
    if open_objections:
        plan.problems.append(_("还有 %(n)s 条异议未答复") % {"n": open_objections})
    waiting = reopened_sheets(round_).count()
    if waiting:
        plan.problems.append(_("有 %(n)s 份重新打开的评分表尚未再次提交") % {"n": waiting})
    states = dict(Site.objects.filter(round_entries__round=round_).values_list("pk", "state"))
    for result in computed:
        expected = SOURCE_STATE_OF_STAGE[result.stage]
        if states.get(result.site_id) != expected:
            plan.problems.append(
                _("“%(site)s”现为“%(state)s”，与考评类型“%(stage)s”不符（应为“%(expected)s”）")
                % {
                    "site": result.site_name,
                    "state": SiteState(states.get(result.site_id)).label,
                    "stage": Stage(result.stage).label,
                    "expected": SiteState(expected).label,
                }
            )
    plan.drift = drift(round_, publication)
    plan.newly_formal = [r for r in computed if r.stage == Stage.ACCEPTANCE and r.outcome == SiteState.FORMAL]
    if plan.newly_formal:
        plan.batch_name = next_batch_name(round_.year, Batch.objects.values_list("name", flat=True))
    plan.rectifications = _rectification_items(round_, [r for r in computed if r.outcome in STAYING])
    return plan


def _transition_reason(result) -> str:
    score = result.final if result.final is not None else "—"
    if result.passed:
        return _("考评通过，最终得分 %(score)s") % {"score": score}
    return _("%(rule)s（最终得分 %(score)s）") % {"rule": result.failing_rule, "score": score}


@transaction.atomic
def round_finalize(*, round: Round, by, reason: str = "", today: date | None = None) -> Finalization:
    """Apply the round's results, all or nothing (see the module's docstring), and freeze the round. A round
    already finalized returns its finalization unchanged. When the results differ from the last publication
    (corrections after objections), `reason` says why they are finalized as they are now."""
    if not may_manage_rounds(by):
        raise ValidationError(_("只有工作人员可以定案"))
    round_ = Round.objects.select_for_update().get(pk=round.pk)
    existing = round_.finalizations.filter(undone_at__isnull=True).first()
    if existing is not None:
        return existing
    plan = finalization_plan(round_, today=today)
    if plan.problems:
        raise ValidationError(plan.problems)
    reason = (reason or "").strip()
    if plan.needs_reason and not reason:
        raise ValidationError(_("当前结果与公示结果不同，定案须说明原因"))
    today = today or timezone.localdate()
    sites = Site.objects.in_bulk([r.site_id for r in plan.results])
    state_changes = []
    for result in plan.results:
        change = site_transition(
            site=sites[result.site_id],
            to_state=result.outcome,
            by=by,
            reason=_transition_reason(result),
            manual=False,
            cause=round_,
        )
        state_changes.append(change.pk)
    batch, named, subsidies = None, [], []
    if plan.newly_formal:
        batch = Batch(name=plan.batch_name, named_on=today, note=_("%(round)s定案") % {"round": round_})
        batch.full_clean()
        batch.save()
        audit_record(actor=by, action="batch_create", target=batch, changes={"name": [None, batch.name]})
        # Fresh instances: the transitions changed their state (a stale copy saved whole would undo them).
        formal = list(Site.objects.filter(pk__in=[r.site_id for r in plan.newly_formal]).order_by("pk"))
        batch_name_sites(batch=batch, sites=formal, by=by)
        named = [site.pk for site in formal]
        if round_.subsidy_amount and round_.subsidy_amount > 0:
            for site in formal:
                subsidy = subsidy_add(
                    site=site,
                    by=by,
                    year=round_.year,
                    amount=round_.subsidy_amount,
                    note=_("%(batch)s授牌补贴") % {"batch": batch.name},
                )
                subsidies.append(subsidy.pk)
    rectifications = []
    entries = {r.entry_id: r for r in plan.results}
    for entry_id, items in plan.rectifications.items():
        created = rectifications_create(
            site=sites[entries[entry_id].site_id],
            by=by,
            items=items,
            origin=round_,
            due_on=today + RECTIFY_WITHIN,
        )
        rectifications.extend(each.pk for each in created)
    finalization = Finalization(
        round=round_,
        fingerprint=results.inputs_fingerprint(round_),
        results=results.snapshot(plan.results),
        batch=batch,
        created={
            "state_changes": state_changes,
            "batch": batch.pk if batch else None,
            "named": named,
            "subsidies": subsidies,
            "rectifications": rectifications,
            "publication": plan.drift.publication.number if plan.drift and plan.drift.publication else None,
            "differences": plan.drift.lines if plan.drift else [],
            "reason": reason,
        },
        finalized_by=by,
    )
    finalization.full_clean()
    finalization.save()
    old_status = round_.status
    round_.status, round_.finalized_at = RoundStatus.FINALIZED, timezone.now()
    round_.save(update_fields=["status", "finalized_at", "updated_at"])
    audit_record(
        actor=by,
        action="round_finalize",
        target=round_,
        changes={
            "status": [old_status, RoundStatus.FINALIZED],
            "finalization": [
                None,
                _("状态变更 %(t)s，授牌 %(n)s，补贴 %(s)s，整改事项 %(r)s")
                % {"t": len(state_changes), "n": len(named), "s": len(subsidies), "r": len(rectifications)},
            ],
        },
        reason=reason,
    )
    outcomes = {r.site_id: r.outcome_label for r in plan.results}
    for member in site_leaders(round_):
        notify(
            recipient=member.user,
            actor=by,
            title=_("“%(round)s”已定案：“%(site)s”%(outcome)s")
            % {"round": round_.name, "site": member.site.name, "outcome": _(outcomes.get(member.site_id, ""))},
            url=member.site.get_absolute_url(),
        )
    round.refresh_from_db()
    return finalization


def undo_problems(round_: Round, by=None) -> list[str]:
    """What stops undoing the round's finalization now: each site must still be in the state it was left in."""
    if by is not None and not is_administrator(by):
        return [_("只有系统管理员可以撤销定案")]
    finalization = round_.finalizations.filter(undone_at__isnull=True).first()
    if round_.status != RoundStatus.FINALIZED or finalization is None:
        return [_("考评轮次尚未定案")]
    problems = []
    changes = StateChange.objects.filter(pk__in=finalization.created.get("state_changes", [])).select_related("site")
    for change in changes:
        if change.site.state != change.to_state:
            problems.append(
                _("“%(site)s”的状态已变为“%(state)s”，不能撤销")
                % {"site": change.site, "state": change.site.get_state_display()}
            )
    return problems


@transaction.atomic
def finalization_undo(*, round: Round, by, reason: str) -> Finalization:
    """An administrator undoes a finalized round, with a reason: every transition reversed (recorded on each
    site), the subsidies it recorded deleted, the batch's sites un-named and the batch deleted when it holds no
    other site, its rectification items cancelled; the round goes back to published. All or nothing."""
    if not is_administrator(by):
        raise ValidationError(_("只有系统管理员可以撤销定案"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("撤销定案须填写原因"))
    round_ = Round.objects.select_for_update().get(pk=round.pk)
    problems = undo_problems(round_)
    if problems:
        raise ValidationError(problems)
    finalization = round_.finalizations.select_for_update().get(undone_at__isnull=True)
    created = finalization.created or {}
    undo_reason = _("撤销“%(round)s”定案：%(reason)s") % {"round": round_, "reason": reason}
    changes = StateChange.objects.filter(pk__in=created.get("state_changes", [])).order_by("-pk")
    for change in changes:
        site_transition_undo(change=change, by=by, reason=undo_reason)
    for subsidy in Subsidy.objects.filter(pk__in=created.get("subsidies", [])).select_related("site"):
        subsidy_remove(subsidy=subsidy, by=by, reason=undo_reason)
    batch = Batch.objects.filter(pk=created.get("batch")).first() if created.get("batch") else None
    if batch is not None:
        for site in Site.objects.filter(pk__in=created.get("named", []), batch=batch):
            site_update(site=site, by=by, allowed=["batch"], batch=None)
        if not batch.sites.exists():
            batch_delete(batch=batch, by=by)
    rectifications_cancel(ids=created.get("rectifications", []), by=by, reason=undo_reason)
    finalization.undone_by, finalization.undone_at, finalization.undo_reason = by, timezone.now(), reason
    finalization.save(update_fields=["undone_by", "undone_at", "undo_reason"])
    round_.status, round_.finalized_at = RoundStatus.PUBLISHED, None
    round_.save(update_fields=["status", "finalized_at", "updated_at"])
    audit_record(
        actor=by,
        action="round_finalize_undo",
        target=round_,
        changes={"status": [RoundStatus.FINALIZED, RoundStatus.PUBLISHED]},
        reason=reason,
    )
    for member in site_leaders(round_):
        notify(
            recipient=member.user,
            actor=by,
            title=_("“%(round)s”的定案已撤销，考评结果待重新确定") % {"round": round_.name},
            body=reason,
            url=reverse("evaluations:published", args=[round_.pk]),
        )
    round.refresh_from_db()
    return finalization
