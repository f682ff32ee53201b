"""Deductions and bonuses (扣分 / 加分, DOMAIN.md §5): the writes of a round's itemized lines.

Staff enter lines by hand (`adjustment_add`) and withdraw them with a reason (`adjustment_withdraw`); a line is
never deleted, so an explanation can always show what was taken off and put back. Lines derived from supervision
records (notices of criticism, late answers, overdue rectification items, promoted experiences) go through
`adjustments_sync`, which is idempotent: each record gives at most one line per site (the model's
`adjustment_once_per_source`), so deriving twice adds nothing.

Lines may change from the start of on-site scoring until the round is finalized. After publication a change is
still possible (an upheld objection corrects a deduction); it then shows as a difference against the published
results (results.inputs_fingerprint covers every line).
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services import audit_record

from .choices import AdjustmentKind, AdjustmentSource, RoundStatus
from .models import Adjustment, Round, RoundSite
from .permissions import may_manage_rounds

# From on-site scoring until finalization (the finalized results are frozen).
OPEN_STATUSES = (RoundStatus.SCORING, RoundStatus.SCORED, RoundStatus.PUBLISHED)
MAX_POINTS = Decimal("100")
# A derived line may be written by the system (`by` None); the field is nullable but not `blank`.
_UNSET_BY = ["created_by"]
AUTOMATIC_SOURCES = tuple(source for source in AdjustmentSource.values if source != AdjustmentSource.MANUAL)


def points_problem(points) -> str | None:
    """Why `points` is not a line's value: it must be a number above 0, at most 100, with at most two decimals."""
    try:
        value = Decimal(str(points).strip())
    except (InvalidOperation, ValueError):
        return _("分值须为数字")
    if not value.is_finite():
        return _("分值须为数字")
    if value <= 0:
        return _("分值须大于 0")
    if value > MAX_POINTS:
        return _("分值不能超过 100")
    if value != value.quantize(Decimal("0.01")):
        return _("分值最多保留两位小数")
    return None


def round_problem(round_: Round) -> str | None:
    """Why the lines of `round_` may not change now (None: they may)."""
    if round_.status == RoundStatus.FINALIZED:
        return _("考评轮次已定案，扣分加分不能再修改")
    if round_.status not in OPEN_STATUSES:
        return _("实地考评开始后才能录入扣分加分")
    return None


def _check(round_: Round, by) -> None:
    if by is not None and not may_manage_rounds(by):
        raise PermissionDenied(_("只有考评工作人员可以录入或撤销扣分加分"))
    problem = round_problem(round_)
    if problem:
        raise ValidationError(problem)


def _sign(kind: str, points) -> str:
    return f"{'−' if kind == AdjustmentKind.DEDUCTION else '+'}{Decimal(str(points)):.2f}"


def _line(*, entry, kind, source, points, reason, source_object, by) -> Adjustment:
    """A validated, unsaved line (the checks every way of adding one shares)."""
    if kind not in AdjustmentKind.values:
        raise ValidationError({"kind": _("请选择扣分或加分")})
    if source not in AdjustmentSource.values:
        raise ValidationError({"source": _("来源不正确")})
    problem = points_problem(points)
    if problem:
        raise ValidationError({"points": problem})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写扣分或加分的事由")})
    if source != AdjustmentSource.MANUAL and source_object is None:
        raise ValidationError({"source": _("自动生成的扣分加分须指明来源记录")})
    line = Adjustment(
        entry=entry, kind=kind, source=source, points=Decimal(str(points).strip()), reason=reason, created_by=by
    )
    if source_object is not None:
        line.source_type = ContentType.objects.get_for_model(source_object, for_concrete_model=False)
        line.source_id = source_object.pk
    return line


@transaction.atomic
def adjustment_add(
    *,
    entry: RoundSite,
    by,
    kind: str,
    points,
    reason: str,
    source: str = AdjustmentSource.MANUAL,
    source_object=None,
) -> Adjustment:
    """Add a deduction or bonus line to a site in a round (staff only; from scoring until finalization)."""
    round_ = Round.objects.select_for_update().get(pk=entry.round_id)
    _check(round_, by)
    line = _line(
        entry=entry, kind=kind, source=source, points=points, reason=reason, source_object=source_object, by=by
    )
    if (
        line.source_id is not None
        and Adjustment.objects.filter(
            entry=entry, source=source, source_type=line.source_type, source_id=line.source_id
        ).exists()
    ):
        raise ValidationError(_("这条记录已经生成过扣分加分，不能重复录入"))
    line.full_clean()
    line.save()
    audit_record(
        actor=by,
        action="adjustment_add",
        target=line,
        changes={"points": [None, _sign(kind, line.points)], "reason": [None, line.reason]},
    )
    return line


@transaction.atomic
def adjustment_withdraw(*, adjustment: Adjustment, by, reason: str) -> Adjustment:
    """Withdraw a line with a reason (it stays on record with who withdrew it, when and why)."""
    line = Adjustment.objects.select_for_update().select_related("entry__round").get(pk=adjustment.pk)
    _check(Round.objects.select_for_update().get(pk=line.entry.round_id), by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写撤销原因")})
    if not line.is_active:
        raise ValidationError(_("这条扣分加分已经撤销"))
    line.withdrawn_at = timezone.now()
    line.withdrawn_by = by
    line.withdraw_reason = reason
    line.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    audit_record(
        actor=by,
        action="adjustment_withdraw",
        target=line,
        changes={"points": [_sign(line.kind, line.points), None]},
        reason=reason,
    )
    return line


@dataclass
class Synced:
    """What `adjustments_sync` did: lines added, updated (points or reason changed) and withdrawn."""

    added: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    withdrawn: list = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.withdrawn)


@transaction.atomic
def adjustments_sync(
    *, target: Round | RoundSite, by, lines: list[dict], sources=AUTOMATIC_SOURCES, reason: str = ""
) -> Synced:
    """Bring the automatic lines of a round (or of one of its sites) in line with what supervision records give.

    `lines` are what the records derive now: {"entry", "kind", "source", "source_object", "points", "reason"}.
    Each is matched with the line already derived from the same record (entry, source, source object):

    - none yet: it is added;
    - an active one with other points, kind or reason: it is updated in place (recorded old → new);
    - a withdrawn one: left withdrawn (a person withdrew it, e.g. on an objection; deriving again must not undo
      that), and so is an identical active one: deriving twice changes nothing.

    Active lines of `sources` in the scope that no record gives any more are withdrawn (`reason`, or "来源记录已不再
    适用"). Manual lines are never touched. `by` is the staff member who asked, or None for the system."""
    round_id = target.round_id if isinstance(target, RoundSite) else target.pk
    _check(Round.objects.select_for_update().get(pk=round_id), by)
    if AdjustmentSource.MANUAL in sources:
        raise ValueError("adjustments_sync never touches manual lines")
    scope = Adjustment.objects.filter(entry__round_id=round_id, source__in=sources, source_id__isnull=False)
    if isinstance(target, RoundSite):
        scope = scope.filter(entry=target)
    existing = {(a.entry_id, a.source, a.source_type_id, a.source_id): a for a in scope.select_for_update()}
    result = Synced()
    seen = set()
    for fields in lines:
        entry = fields["entry"]
        if entry.round_id != round_id or (isinstance(target, RoundSite) and entry.pk != target.pk):
            raise ValueError(f"line for {entry} outside {target}")
        if fields["source"] not in sources:
            raise ValueError(f"source {fields['source']} outside {sources}")
        line = _line(
            entry=entry,
            kind=fields["kind"],
            source=fields["source"],
            points=fields["points"],
            reason=fields["reason"],
            source_object=fields["source_object"],
            by=by,
        )
        key = (entry.pk, line.source, line.source_type_id, line.source_id)
        if key in seen:
            continue  # the same record listed twice derives one line
        seen.add(key)
        current = existing.get(key)
        if current is None:
            line.full_clean(exclude=_UNSET_BY)
            line.save()
            audit_record(
                actor=by,
                action="adjustment_add",
                target=line,
                changes={"points": [None, _sign(line.kind, line.points)], "reason": [None, line.reason]},
            )
            result.added.append(line)
        elif current.is_active and (current.kind, current.points, current.reason) != (
            line.kind,
            line.points,
            line.reason,
        ):
            changes = {}
            if (current.kind, current.points) != (line.kind, line.points):
                changes["points"] = [_sign(current.kind, current.points), _sign(line.kind, line.points)]
            if current.reason != line.reason:
                changes["reason"] = [current.reason, line.reason]
            current.kind, current.points, current.reason = line.kind, line.points, line.reason
            current.full_clean(exclude=_UNSET_BY)
            current.save(update_fields=["kind", "points", "reason"])
            audit_record(actor=by, action="adjustment_update", target=current, changes=changes)
            result.updated.append(current)
    gone = reason.strip() or _("来源记录已不再适用")
    now = timezone.now()
    for key, current in existing.items():
        if key in seen or not current.is_active:
            continue
        current.withdrawn_at, current.withdrawn_by, current.withdraw_reason = now, by, gone
        current.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
        audit_record(
            actor=by,
            action="adjustment_withdraw",
            target=current,
            changes={"points": [_sign(current.kind, current.points), None]},
            reason=gone,
        )
        result.withdrawn.append(current)
    return result
