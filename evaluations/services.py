"""Writes of evaluations: rounds and their steps, teams and assignments, score sheets and their sync.

Every write that matters is here, inside a transaction, with an audit entry; the views only call these.
"""

import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from archives.validation import UploadRejected, validate
from core.images import clean_image_and_thumbnail
from core.services import audit_record, notify
from sites.choices import SiteState
from sites.services import site_transition
from standards.choices import SectionKind, StandardStatus
from standards.selectors import applicable_items, applicable_items_by_id
from standards.services import standard_freeze

from . import rules
from .choices import RoundStatus, SheetKind, SheetSource, SheetStatus
from .models import ItemScore, Round, RoundSite, ScoreChange, ScoreSheet, SheetPhoto, Team
from .permissions import is_reopened, is_site_leader_of, may_manage_rounds
from .result_store import inputs_changed, queue_refresh

# What may change once a round has opened: its standard and year may not (the sheets refer to its items).
LOCKED_AFTER_DRAFT = ("standard", "year")


def _changes(instance, fields: dict) -> dict:
    changes = {}
    for name, value in fields.items():
        old = getattr(instance, name)
        if old != value:
            changes[name] = [_plain(old), _plain(value)]
    return changes


def _plain(value):
    if hasattr(value, "pk"):
        return str(value)
    if isinstance(value, list | dict | bool | int) or value is None:
        return value
    return str(value)


# --- rounds -----------------------------------------------------------------------------------------


@transaction.atomic
def round_create(*, by, name: str, year: int, standard, **fields) -> Round:
    """A new round in draft, with the DOMAIN.md §5 policy unless `fields` says otherwise."""
    if standard.status not in (StandardStatus.PUBLISHED, StandardStatus.FROZEN):
        raise ValidationError({"standard": _("只能选择已发布的标准")})
    round_ = Round(name=name, year=year, standard=standard, created_by=by, **fields)
    round_.full_clean()
    round_.save()
    audit_record(actor=by, action="round_create", target=round_, changes={"name": [None, name]})
    return round_


@transaction.atomic
def round_update(*, round: Round, by, **fields) -> Round:
    """Change a round's name, windows, notes or policy. The standard and year only while in draft; nothing once
    scoring is complete (the next step computes results from it)."""
    round_ = Round.objects.select_for_update().get(pk=round.pk)
    if round_.is_closed:
        raise ValidationError(_("评分已完成的考评轮次不能再修改"))
    if not round_.is_draft and any(
        name in fields and fields[name] != getattr(round_, name) for name in LOCKED_AFTER_DRAFT
    ):
        raise ValidationError(_("考评轮次已启动：评分标准和年度不能再修改"))
    if "standard" in fields and fields["standard"].status not in (StandardStatus.PUBLISHED, StandardStatus.FROZEN):
        raise ValidationError({"standard": _("只能选择已发布的标准")})
    changes = _changes(round_, fields)
    if not changes:
        return round_
    for name, value in fields.items():
        setattr(round_, name, value)
    round_.full_clean()
    round_.save()
    audit_record(actor=by, action="round_update", target=round_, changes=changes)
    return round_


@dataclass
class SitesAdded:
    added: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # (site, reason)


@transaction.atomic
def round_add_sites(*, round: Round, sites, by) -> SitesAdded:
    """Add sites to a round; each site's stage follows from its state. Sites that cannot take part (state,
    domain outside the standard, already in) are skipped with the reason."""
    round_ = Round.objects.select_for_update().get(pk=round.pk)
    if round_.is_closed:
        raise ValidationError(_("评分已完成的考评轮次不能再增加示范点"))
    domains = set(round_.standard.applicable_domains)
    present = set(round_.entries.values_list("site_id", flat=True))
    result = SitesAdded()
    new = []
    for site in sites:
        stage = rules.stage_for_state(site.state)
        if site.pk in present:
            result.skipped.append((site, _("已在本轮考评中")))
        elif stage is None:
            result.skipped.append((site, _("“%(state)s”状态的示范点不参加考评") % {"state": site.get_state_display()}))
        elif site.domain not in domains:
            result.skipped.append((site, _("评分标准不适用于“%(domain)s”领域") % {"domain": site.get_domain_display()}))
        else:
            new.append(RoundSite(round=round_, site=site, stage=stage))
            result.added.append(site)
            present.add(site.pk)
    RoundSite.objects.bulk_create(new)
    if new:
        inputs_changed(round_id=round_.pk)  # bulk_create sends no signal
        audit_record(actor=by, action="round_add_sites", target=round_, changes={"sites": [None, len(new)]})
    return result


@transaction.atomic
def round_remove_sites(*, round: Round, entries, by) -> int:
    """Take sites out of a round before any of their sheets holds a score."""
    round_ = Round.objects.select_for_update().get(pk=round.pk)
    if round_.status == RoundStatus.SCORING or round_.is_closed:
        raise ValidationError(_("实地考评已开始，不能再移出示范点（可将评分表设为免评）"))
    entries = list(RoundSite.objects.filter(round=round_, pk__in=[entry.pk for entry in entries]))
    scored = ItemScore.objects.filter(sheet__entry__in=entries, score__isnull=False).values("sheet__entry").distinct()
    if scored.exists():
        raise ValidationError(_("已有评分的示范点不能移出"))
    ScoreSheet.objects.filter(entry__in=entries).delete()
    RoundSite.objects.filter(pk__in=[entry.pk for entry in entries]).delete()
    if entries:
        audit_record(actor=by, action="round_remove_sites", target=round_, changes={"sites": [len(entries), None]})
    return len(entries)


def open_problems(round_: Round) -> list[str]:
    """What opening the round (draft → self-assessment) still needs."""
    problems = []
    if round_.status != RoundStatus.DRAFT:
        return [rules.step_problem(round_.status, RoundStatus.SELF_ASSESSMENT)]
    if round_.standard.status not in (StandardStatus.PUBLISHED, StandardStatus.FROZEN):
        problems.append(_("评分标准尚未发布"))
    if not round_.entries.exists():
        problems.append(_("还没有参评示范点"))
    if not (round_.self_assessment_start and round_.self_assessment_end):
        problems.append(_("请设置自评时间"))
    return problems


@transaction.atomic
def round_open(*, round: Round, by) -> Round:
    """Draft → self-assessment: freeze the standard, start the creation of nominated units, tell site leaders."""
    round_ = _ready_for_step(round, open_problems)
    standard_freeze(standard=round_.standard, by=by, reason=_("考评轮次“%(name)s”启动") % {"name": round_.name})
    for entry in round_.entries.select_related("site").filter(site__state=SiteState.NOMINATED):
        site_transition(site=entry.site, to_state=SiteState.CANDIDATE, by=by, manual=False, cause=round_)
    _set_status(round_, RoundStatus.SELF_ASSESSMENT, by, opened_at=timezone.now())
    _tell_site_leaders(round_, by)
    round.refresh_from_db()
    return round_


def scoring_problems(round_: Round) -> list[str]:
    """What starting on-site scoring (self-assessment → scoring) still needs."""
    if round_.status != RoundStatus.SELF_ASSESSMENT:
        return [rules.step_problem(round_.status, RoundStatus.SCORING)]
    problems = []
    unassigned = round_.entries.filter(team__isnull=True).count()
    if unassigned:
        problems.append(_("还有 %(n)s 个示范点未分配验收组") % {"n": unassigned})
    empty = round_.teams.filter(entries__isnull=False).annotate(n=Count("members")).filter(n=0).distinct()
    for team in empty:
        problems.append(_("验收组“%(team)s”还没有评分人员") % {"team": team.name})
    if not (round_.scoring_start and round_.scoring_end):
        problems.append(_("请设置实地考评时间"))
    return problems


@transaction.atomic
def round_start_scoring(*, round: Round, by) -> Round:
    """Self-assessment → scoring: scorers can now fill their sheets; each is told which sites are theirs."""
    round_ = _ready_for_step(round, scoring_problems)
    _set_status(round_, RoundStatus.SCORING, by, scoring_opened_at=timezone.now())
    counts = (
        ScoreSheet.objects.filter(entry__round=round_, kind=SheetKind.ONSITE)
        .exclude(status=SheetStatus.EXCUSED)
        .values("scorer")
        .annotate(n=Count("id"))
    )
    users = get_user_model().objects.in_bulk([row["scorer"] for row in counts])
    for row in counts:
        notify(
            recipient=users[row["scorer"]],
            actor=by,
            title=_("“%(round)s”开始实地考评：您有 %(n)s 个示范点待评分") % {"round": round_.name, "n": row["n"]},
            url=reverse("evaluations:my_sheets"),
        )
    round.refresh_from_db()
    return round_


def close_problems(round_: Round) -> list[str]:
    """What completing scoring (scoring → scored) still needs: every sheet submitted or excused with a reason,
    and every site with at least one submitted sheet."""
    if round_.status != RoundStatus.SCORING:
        return [rules.step_problem(round_.status, RoundStatus.SCORED)]
    problems = []
    open_sheets = ScoreSheet.objects.filter(entry__round=round_, kind=SheetKind.ONSITE).exclude(
        status__in=(SheetStatus.SUBMITTED, SheetStatus.EXCUSED)
    )
    waiting = open_sheets.count()
    if waiting:
        problems.append(_("还有 %(n)s 份评分表未提交（已提交或免评后才能完成评分）") % {"n": waiting})
    unscored = (
        round_.entries.annotate(
            n=Count("sheets", filter=Q(sheets__kind=SheetKind.ONSITE, sheets__status=SheetStatus.SUBMITTED))
        )
        .filter(n=0)
        .count()
    )
    if unscored:
        problems.append(_("有 %(n)s 个示范点没有任何已提交的评分表") % {"n": unscored})
    return problems


@transaction.atomic
def round_close_scoring(*, round: Round, by) -> Round:
    """Scoring → scored: every sheet is in; the next step computes the results."""
    round_ = _ready_for_step(round, close_problems)
    _set_status(round_, RoundStatus.SCORED, by, scored_at=timezone.now())
    round.refresh_from_db()
    if round_.entries.count() >= settings.RESULTS_REFRESH_FROM:  # its results stored before anyone opens them
        pk = round_.pk
        transaction.on_commit(lambda: queue_refresh(pk), robust=True)
    return round_


def _ready_for_step(round: Round, problems_of) -> Round:
    """The round, locked, when `problems_of` finds nothing missing for the step; else a ValidationError listing it."""
    round_ = Round.objects.select_for_update().get(pk=round.pk)
    problems = problems_of(round_)
    if problems:
        raise ValidationError(problems)
    return round_


def _set_status(round_: Round, status: str, by, **stamps) -> None:
    old = round_.status
    round_.status = status
    for name, value in stamps.items():
        setattr(round_, name, value)
    round_.save(update_fields=["status", *stamps, "updated_at"])
    audit_record(actor=by, action="round_status", target=round_, changes={"status": [old, status]})


def _tell_site_leaders(round_: Round, by) -> None:
    from sites.models import CreationGroupMember

    members = CreationGroupMember.objects.filter(
        site__round_entries__round=round_, user__isnull=False, user__groups__name=Role.LEADER
    ).select_related("user", "site")
    entries = dict(round_.entries.values_list("site_id", "pk"))
    for member in members:
        notify(
            recipient=member.user,
            actor=by,
            title=_("“%(round)s”已启动，请完成“%(site)s”的自评") % {"round": round_.name, "site": member.site.name},
            url=reverse("evaluations:self_assessment", args=[entries[member.site_id]]),
        )


# --- teams and assignment ---------------------------------------------------------------------------


def scorer_facts(user) -> rules.ScorerFacts:
    regions = []
    organization = getattr(user, "organization", None)
    if organization is not None and organization.region_id:
        regions.append((organization.region.path, organization.region.label))
    if user.region_id:
        regions.append((user.region.path, user.region.label))
    return rules.ScorerFacts(
        name=user.get_full_name(),
        organization_id=user.organization_id,
        organization_name=organization.name if organization else "",
        region_paths=tuple(regions),
    )


def site_facts(site) -> rules.SiteFacts:
    return rules.SiteFacts(name=site.name, organization_id=site.organization_id, region_path=site.region.path)


def conflicts(scorers, entries) -> list[str]:
    """Every conflict-of-interest reason between these scorers and these round entries."""
    facts = [scorer_facts(user) for user in scorers]
    reasons = []
    for entry in entries:
        site = site_facts(entry.site)
        for scorer in facts:
            reason = rules.conflict_reason(scorer, site)
            if reason:
                reasons.append(reason)
    return reasons


def _scorers(users):
    return list(
        get_user_model()
        .objects.filter(pk__in=[user.pk for user in users])
        .select_related("organization__region", "region")
    )


def _ensure_team_open(round_: Round) -> None:
    if round_.is_closed:
        raise ValidationError(_("评分已完成的考评轮次不能再调整验收组"))


@transaction.atomic
def team_save(*, round: Round, by, name: str, leader=None, members=(), team: Team | None = None) -> Team:
    """Create or change a team. Members must be scorers, the leader a team leader; a member who may not score
    one of the team's sites is refused with the reason. New members get sheets for the team's sites; a member
    taken off loses only sheets without any score."""
    round_ = Round.objects.select_for_update().get(pk=round.pk)
    _ensure_team_open(round_)
    members = _scorers(members)
    not_scorers = [user.get_full_name() for user in members if not user.has_role(Role.SCORER)]
    if not_scorers:
        raise ValidationError({"members": _("以下人员不是评分人员：%(names)s") % {"names": "、".join(not_scorers)}})
    if leader is not None and not leader.has_role(Role.TEAMLEAD, Role.SCORER):
        raise ValidationError({"leader": _("组长须为验收组组长或评分人员")})
    creating = team is None
    team = team or Team(round=round_)
    old = {"name": team.name, "leader": str(team.leader) if team.leader_id else None}
    old_members = set() if creating else set(team.members.values_list("pk", flat=True))
    team.name, team.leader = name, leader
    if Team.objects.filter(round=round_, name=name).exclude(pk=team.pk).exists():
        raise ValidationError({"name": _("本轮已有同名的验收组")})
    team.full_clean(exclude=["round"] if not creating else None)
    entries = list(RoundSite.objects.filter(team=team).select_related("site__region")) if team.pk else []
    added = [user for user in members if user.pk not in old_members]
    reasons = conflicts(added, entries)
    if reasons:
        raise ValidationError(reasons)
    team.save()
    removed = old_members - {user.pk for user in members}
    if removed:
        _drop_sheets(entries, removed)
    team.members.set(members)
    _create_sheets(entries, added)
    changes = _changes_dict(old, {"name": name, "leader": str(leader) if leader else None})
    if added or removed:
        changes["members"] = [len(old_members), len(members)]
    if changes or creating:
        audit_record(
            actor=by,
            action="team_create" if creating else "team_update",
            target=round_,
            changes={"team": [None if creating else old["name"], name], **changes},
        )
    return team


def _changes_dict(old: dict, new: dict) -> dict:
    return {key: [old[key], new[key]] for key in new if old.get(key) != new[key]}


def _drop_sheets(entries, scorer_ids) -> None:
    sheets = ScoreSheet.objects.filter(entry__in=entries, scorer_id__in=scorer_ids, kind=SheetKind.ONSITE)
    if sheets.filter(Q(scores__score__isnull=False) | Q(status=SheetStatus.SUBMITTED)).exists():
        raise ValidationError(_("该评分人员已在本组示范点评分，不能移出（可将其评分表设为免评）"))
    sheets.delete()


def _create_sheets(entries, scorers) -> None:
    ScoreSheet.objects.bulk_create(
        [ScoreSheet(entry=entry, scorer=user, kind=SheetKind.ONSITE) for entry in entries for user in scorers],
        ignore_conflicts=True,
    )
    inputs_changed(round__entries__in=entries)  # bulk_create sends no signal


@transaction.atomic
def team_delete(*, team: Team, by) -> None:
    round_ = Round.objects.select_for_update().get(pk=team.round_id)
    _ensure_team_open(round_)
    entries = list(team.entries.all())
    _drop_sheets(entries, team.members.values_list("pk", flat=True))
    RoundSite.objects.filter(team=team).update(team=None)
    audit_record(actor=by, action="team_delete", target=round_, changes={"team": [team.name, None]})
    team.delete()


@dataclass
class Assigned:
    assigned: list = field(default_factory=list)
    refused: list = field(default_factory=list)  # (entry, reason)


@transaction.atomic
def assign_sites(*, round: Round, team: Team | None, entries, by) -> Assigned:
    """Send these round entries to `team` (None: unassign). A site any member may not score is refused with the
    reason; a site already scored by its old team is refused too (excuse those sheets first)."""
    round_ = Round.objects.select_for_update().get(pk=round.pk)
    _ensure_team_open(round_)
    if team is not None and team.round_id != round_.pk:
        raise ValidationError(_("验收组不属于本轮考评"))
    members = _scorers(team.members.all()) if team is not None else []
    facts = [scorer_facts(user) for user in members]
    chosen = RoundSite.objects.filter(round=round_, pk__in=[entry.pk for entry in entries]).select_related(
        "site__region", "team"
    )
    started = set(
        ScoreSheet.objects.filter(entry__in=chosen, kind=SheetKind.ONSITE)
        .filter(Q(scores__score__isnull=False) | Q(status=SheetStatus.SUBMITTED))
        .values_list("entry_id", flat=True)
    )
    result = Assigned()
    for entry in chosen:
        if team is not None and entry.team_id == team.pk:
            continue
        if entry.pk in started:
            result.refused.append((entry, _("“%(site)s”已有评分，不能改派") % {"site": entry.site.name}))
            continue
        site = site_facts(entry.site)
        reasons = [reason for scorer in facts if (reason := rules.conflict_reason(scorer, site))]
        if reasons:
            result.refused.append((entry, "；".join(reasons)))
            continue
        result.assigned.append(entry)
    moved = [entry.pk for entry in result.assigned]
    ScoreSheet.objects.filter(entry_id__in=moved, kind=SheetKind.ONSITE).delete()
    RoundSite.objects.filter(pk__in=moved).update(team=team)
    _create_sheets(result.assigned, members)
    if moved:
        audit_record(
            actor=by,
            action="round_assign",
            target=round_,
            changes={"team": [None, team.name if team else None], "sites": [None, len(moved)]},
        )
    return result


# --- sheets -----------------------------------------------------------------------------------------


def _staff_recipients():
    return get_user_model().objects.filter(is_active=True, groups__name=Role.STAFF).distinct()


@transaction.atomic
def sheet_declare_conflict(*, sheet: ScoreSheet, by, reason: str) -> ScoreSheet:
    """A scorer declares a conflict of interest: their sheet is excused, staff and the team leader are told."""
    # Lock the sheet only: the team is an outer join, which PostgreSQL refuses to lock (FOR UPDATE ... OF).
    sheet = (
        ScoreSheet.objects.select_for_update(of=("self",))
        .select_related("entry__site", "entry__round", "entry__team")
        .get(pk=sheet.pk)
    )
    if sheet.scorer_id != by.pk:
        raise ValidationError(_("只能为自己的评分表申报回避"))
    if sheet.entry.round.is_closed:
        raise ValidationError(_("评分已完成的考评轮次不能再申报回避"))
    if sheet.status in (SheetStatus.SUBMITTED, SheetStatus.EXCUSED):
        raise ValidationError(_("评分表已提交或已免评，不能申报回避"))
    if not reason.strip():
        raise ValidationError(_("请说明回避原因"))
    _excuse(sheet, by, _("申报回避：%(reason)s") % {"reason": reason.strip()}, conflict=True)
    recipients = {user.pk: user for user in _staff_recipients()}
    if sheet.entry.team and sheet.entry.team.leader_id:
        recipients[sheet.entry.team.leader_id] = sheet.entry.team.leader
    for user in recipients.values():
        notify(
            recipient=user,
            actor=by,
            title=_("%(scorer)s 申报回避“%(site)s”") % {"scorer": by.get_full_name(), "site": sheet.entry.site.name},
            body=reason.strip(),
            url=progress_url(sheet.entry),
        )
    return sheet


def progress_url(entry: RoundSite) -> str:
    """The progress page showing this site's row (the page is paginated: `?entry=` shows that site alone)."""
    return reverse("evaluations:progress", args=[entry.round_id]) + f"?entry={entry.pk}#entry-{entry.pk}"


OPEN_SHEET_STATUSES = (SheetStatus.NOT_STARTED, SheetStatus.IN_PROGRESS)


@transaction.atomic
def sheets_remind(*, round: Round, by, sheets) -> int:
    """Remind the scorers of the unsubmitted on-site sheets among `sheets` (the part of the round the actor
    follows): one notification per scorer naming how many sheets wait. Returns how many scorers were told."""
    if round.status != RoundStatus.SCORING:
        raise ValidationError(_("只有实地考评阶段可以提醒评分"))
    rows = list(
        sheets.filter(kind=SheetKind.ONSITE, status__in=OPEN_SHEET_STATUSES, scorer__is_active=True)
        .exclude(scorer=by)
        .order_by()
        .values("scorer")
        .annotate(n=Count("id"))
    )
    users = get_user_model().objects.in_bulk([row["scorer"] for row in rows])
    for row in rows:
        notify(
            recipient=users[row["scorer"]],
            actor=by,
            title=_("“%(round)s”：您还有 %(n)s 份评分表未提交，请在截止前完成") % {"round": round.name, "n": row["n"]},
            url=reverse("evaluations:my_sheets"),
        )
    if rows:
        audit_record(
            actor=by, action="sheets_remind", target=round, changes={"sheets": [None, sum(row["n"] for row in rows)]}
        )
    return len(rows)


@transaction.atomic
def sheet_excuse(*, sheet: ScoreSheet, by, reason: str) -> ScoreSheet:
    """Staff excuse a sheet (illness, conflict found late…): it no longer blocks completing the round."""
    sheet = ScoreSheet.objects.select_for_update().select_related("entry__round").get(pk=sheet.pk)
    if sheet.entry.round.is_closed:
        raise ValidationError(_("评分已完成的考评轮次不能再调整评分表"))
    if sheet.status == SheetStatus.SUBMITTED:
        raise ValidationError(_("已提交的评分表不能免评"))
    if not reason.strip():
        raise ValidationError(_("免评须填写原因"))
    _excuse(sheet, by, reason.strip(), conflict=False)
    return sheet


def _excuse(sheet: ScoreSheet, by, reason: str, *, conflict: bool) -> None:
    old = sheet.status
    sheet.status, sheet.excuse_reason, sheet.excused_by, sheet.is_conflict = SheetStatus.EXCUSED, reason, by, conflict
    sheet.save(update_fields=["status", "excuse_reason", "excused_by", "is_conflict", "updated_at"])
    audit_record(
        actor=by, action="sheet_excuse", target=sheet, changes={"status": [old, SheetStatus.EXCUSED]}, reason=reason
    )


@transaction.atomic
def sheet_reinstate(*, sheet: ScoreSheet, by) -> ScoreSheet:
    """Undo an excusal made by mistake (the sheet goes back to its scorer)."""
    sheet = ScoreSheet.objects.select_for_update().select_related("entry__round").get(pk=sheet.pk)
    if sheet.status != SheetStatus.EXCUSED or sheet.entry.round.is_closed:
        raise ValidationError(_("只有免评的评分表可以恢复，且考评轮次尚未完成评分"))
    status = SheetStatus.IN_PROGRESS if sheet.scores.filter(score__isnull=False).exists() else SheetStatus.NOT_STARTED
    sheet.status, sheet.excuse_reason, sheet.excused_by, sheet.is_conflict = status, "", None, False
    sheet.save(update_fields=["status", "excuse_reason", "excused_by", "is_conflict", "updated_at"])
    audit_record(actor=by, action="sheet_reinstate", target=sheet, changes={"status": [SheetStatus.EXCUSED, status]})
    return sheet


def sheet_items(sheet: ScoreSheet) -> list:
    """The items a sheet scores: the round's standard, applicable to the site's domain."""
    return applicable_items(sheet.entry.round.standard, sheet.entry.site.domain)


def item_facts(item) -> rules.ItemFacts:
    return rules.ItemFacts(
        id=item.pk,
        code=item.code,
        kind=item.kind,
        max_score=item.max_score,
        levels=tuple(item.effective_levels),
        is_veto=item.is_veto,
        is_required=item.is_required,
    )


def entry_of(score: ItemScore | None) -> rules.Entry | None:
    if score is None:
        return None
    return rules.Entry(score.score, score.present, score.level)


def _state_of(score: ItemScore | None) -> dict:
    if score is None:
        return {"score": None, "present": None, "level": "", "remark": "", "version": 0}
    return {
        "score": None if score.score is None else f"{score.score:.2f}",
        "present": score.present,
        "level": score.level,
        "remark": score.remark,
        "version": score.version,
    }


@dataclass
class ChangeResult:
    client_id: str
    item: int | None
    outcome: str  # applied | duplicate | stale | early | refused
    message: str = ""
    state: dict = field(default_factory=dict)  # the item's state on the server after this change

    def as_json(self) -> dict:
        return {
            "client_id": self.client_id,
            "item": self.item,
            "outcome": self.outcome,
            "message": self.message,
            "state": self.state,
        }


def _may_edit(sheet: ScoreSheet, by) -> str | None:
    """Why `by` may not change `sheet` now, or None."""
    return _edit_problem(sheet, by, sheet.entry.round.status)


def _edit_problem(sheet: ScoreSheet, by, round_status: str) -> str | None:
    if sheet.kind == SheetKind.SELF:
        # Only the site's own leaders fill it in, whatever a view lets through.
        if not is_site_leader_of(by, sheet.entry.site):
            return _("只有本示范点的负责人可以填写自评")
        if round_status != RoundStatus.SELF_ASSESSMENT:
            return _("自评已结束，不能再修改")
        return None
    # A paper sheet keyed in or imported by staff stays editable by staff (corrections), never by anyone else.
    if sheet.scorer_id != by.pk and not (sheet.source != SheetSource.ONLINE and may_manage_rounds(by)):
        return _("只能修改自己的评分表")
    if round_status != RoundStatus.SCORING and not is_reopened(sheet, round_status):
        return _("考评轮次不在实地考评阶段，评分表不能修改")
    if sheet.status == SheetStatus.SUBMITTED:
        return _("评分表已提交，不能再修改（如需修改请联系验收组组长退回）")
    if sheet.status == SheetStatus.EXCUSED:
        return _("评分表已免评")
    return None


def sheet_apply_changes(*, sheet: ScoreSheet, by, changes: list[dict]) -> list[ChangeResult]:
    """Apply a phone's queued changes, in their order (`seq`), each at most once (by `client_id`).

    A change is {"client_id", "seq", "item", "base", and "score" | "present" | "level" | "clear", "remark"?}.
    One that was already applied answers "duplicate"; one made on an older version of the item than the server
    holds is refused as "stale" with the server's value; one made on a version not reached yet ("early", it
    overtook an earlier change) is left for the phone to send again. Each change runs in its own savepoint so a
    refused one never undoes the others.

    Once a change of an item is stale, the later changes of that item in the same batch are stale too: they were
    made on top of it, on the same outdated view, and must not overwrite what the server holds unseen.
    Autosave must stay fast: what the batch needs of the round and the items it names is read once, in light
    queries, not per change."""
    facts = RoundSite.objects.filter(pk=sheet.entry_id)
    standard_id, domain, round_status = facts.values_list("round__standard_id", "site__domain", "round__status").get()
    items = applicable_items_by_id(standard_id, domain, {_item_id(change) for change in changes})
    stale_items: set[int] = set()
    results = []
    for change in sorted(changes, key=_seq):
        results.append(_apply_one(sheet, by, change, items, stale_items, round_status))
    return results


def _item_id(change: dict) -> int:
    try:
        return int(change.get("item"))
    except (TypeError, ValueError):
        return 0


def _seq(change: dict) -> int:
    try:
        return int(change.get("seq") or 0)
    except (TypeError, ValueError):
        return 0


def _apply_one(sheet: ScoreSheet, by, change: dict, items: dict, stale_items: set, round_status: str) -> ChangeResult:
    raw_id = str(change.get("client_id") or "")
    item_id = change.get("item")
    try:
        client_id = uuid.UUID(raw_id)
        item_id = int(item_id)
        base = int(change.get("base") or 0)
    except (ValueError, TypeError):
        return ChangeResult(raw_id, None, "refused", _("修改格式不正确"))
    with transaction.atomic():
        # Lock the sheet's row only: every autosave of a round must not queue behind the round's row.
        locked = ScoreSheet.objects.select_for_update().get(pk=sheet.pk)
        if ScoreChange.objects.filter(client_id=client_id).exists():
            score = ItemScore.objects.filter(sheet=locked, item_id=item_id).first()
            return ChangeResult(raw_id, item_id, "duplicate", "", _state_of(score))
        problem = _edit_problem(locked, by, round_status)
        if problem:
            score = ItemScore.objects.filter(sheet=locked, item_id=item_id).first()
            return ChangeResult(raw_id, item_id, "refused", problem, _state_of(score))
        item = items.get(item_id)
        if item is None:
            return ChangeResult(raw_id, item_id, "refused", _("该评分项不在本评分表中"))
        score = ItemScore.objects.filter(sheet=locked, item=item).first()
        verdict = rules.change_verdict(score.version if score else 0, base)
        if verdict == rules.STALE or item_id in stale_items:
            stale_items.add(item_id)
            return ChangeResult(
                raw_id,
                item_id,
                "stale",
                _("“%(item)s”已在别处修改为 %(value)s，本次修改未保存") % {"item": item.code, "value": _shown(score)},
                _state_of(score),
            )
        if verdict == rules.EARLY:
            return ChangeResult(raw_id, item_id, "early", "", _state_of(score))
        try:
            entry = _entry_from_change(item, change, score)
        except rules.EntryRefused as error:
            return ChangeResult(raw_id, item_id, "refused", str(error), _state_of(score))
        remark = change.get("remark")
        try:
            with transaction.atomic():
                score = _write_entry(locked, item, score, entry, remark, by, client_id, reason=change.get("reason", ""))
        except IntegrityError:
            # The same change arrived twice at once: the other request applied it.
            score = ItemScore.objects.filter(sheet=locked, item=item).first()
            return ChangeResult(raw_id, item_id, "duplicate", "", _state_of(score))
        return ChangeResult(raw_id, item_id, "applied", "", _state_of(score))


def _shown(score: ItemScore | None) -> str:
    if score is None or score.score is None:
        return _("未评分")
    if score.present is not None:
        return _("有") if score.present else _("无")
    return score.level or f"{score.score:.2f}"


def _entry_from_change(item, change: dict, score: ItemScore | None) -> rules.Entry | None:
    """The entry a change asks for; None when it changes only the remark."""
    keys = {"score", "present", "level", "clear"} & set(change)
    if not keys:
        return None
    return rules.normalize_entry(
        item_facts(item),
        score=change.get("score"),
        present=change.get("present"),
        level=change.get("level") or "",
        clear=bool(change.get("clear")),
    )


def _write_entry(sheet, item, score, entry, remark, by, client_id, *, reason: str = "") -> ItemScore:
    old = _state_of(score)
    if score is None:
        score = ItemScore(sheet=sheet, item=item)
    if entry is not None:
        score.score, score.present, score.level = entry.score, entry.present, entry.level
    if remark is not None:
        score.remark = str(remark)[:2000]
    score.version += 1
    score.save()
    new = _state_of(score)
    after_submission = sheet.first_submitted_at is not None
    ScoreChange.objects.create(
        sheet=sheet,
        item=item,
        client_id=client_id,
        old={k: old[k] for k in ("score", "present", "level", "remark")},
        new={k: new[k] for k in ("score", "present", "level", "remark")},
        by=by,
        reason=(reason or (sheet.returned_reason if after_submission else ""))[:2000],
        after_submission=after_submission,
    )
    _refresh_totals(sheet)
    return score


def _refresh_totals(sheet: ScoreSheet) -> None:
    rows = list(sheet.scores.values_list("score", "item__section__kind", "item__section_id"))
    scores = [score for score, _kind, _section in rows]
    sheet.total = rules.sheet_total(scores)
    sheet.ten_haves = rules.sheet_total(score for score, kind, _section in rows if kind == SectionKind.TEN_HAVES)
    sheet.section_totals = rules.section_totals((section, score) for score, _kind, section in rows)
    sheet.scored_count = sum(1 for value in scores if value is not None)
    sheet.version += 1
    if sheet.status == SheetStatus.NOT_STARTED:
        sheet.status = SheetStatus.IN_PROGRESS
    sheet.save(
        update_fields=["total", "ten_haves", "section_totals", "scored_count", "version", "status", "updated_at"]
    )


def kept_section_totals(sheets) -> dict[int, dict[str, str]]:
    """Sheet id → ScoreSheet.section_totals as its item scores make it, for the sheets of `sheets` (a queryset or
    ids), in one aggregate query: for the paper sheets written in bulk, and for sheets that have none kept."""
    found: dict[int, list] = {}
    for sheet_id, section_id, subtotal in (
        ItemScore.objects.filter(sheet__in=sheets)
        .order_by()
        .values("sheet_id", "item__section_id")
        .annotate(subtotal=Sum("score"))
        .values_list("sheet_id", "item__section_id", "subtotal")
    ):
        found.setdefault(sheet_id, []).append((section_id, subtotal))
    return {sheet_id: rules.section_totals(rows) for sheet_id, rows in found.items()}


def submit_problems(sheet: ScoreSheet) -> list[str]:
    items = [item_facts(item) for item in sheet_items(sheet)]
    entries = {score.item_id: entry_of(score) for score in sheet.scores.all()}
    return rules.submit_problems(items, entries)


@transaction.atomic
def sheet_submit(*, sheet: ScoreSheet, by) -> ScoreSheet:
    """Submit a complete sheet: it is locked from now on (only the team leader can return it)."""
    sheet = (
        ScoreSheet.objects.select_for_update().select_related("entry__round__standard", "entry__site").get(pk=sheet.pk)
    )
    problem = _may_edit(sheet, by)
    if problem:
        raise ValidationError(problem)
    problems = submit_problems(sheet)
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    old = sheet.status
    sheet.status, sheet.submitted_at = SheetStatus.SUBMITTED, now
    sheet.first_submitted_at = sheet.first_submitted_at or now
    sheet.returned_reason = ""
    sheet.save(update_fields=["status", "submitted_at", "first_submitted_at", "returned_reason", "updated_at"])
    audit_record(
        actor=by,
        action="sheet_submit",
        target=sheet,
        changes={"status": [old, SheetStatus.SUBMITTED], "total": [None, f"{sheet.total:.2f}"]},
    )
    return sheet


@transaction.atomic
def sheet_return(*, sheet: ScoreSheet, by, reason: str) -> ScoreSheet:
    """The team leader (or staff) returns a submitted sheet to its scorer with a reason, while scoring is open.
    Every change the scorer then makes is recorded with this reason."""
    sheet = ScoreSheet.objects.select_for_update().select_related("entry__round", "entry__site").get(pk=sheet.pk)
    if sheet.entry.round.status != RoundStatus.SCORING:
        raise ValidationError(_("只有实地考评阶段可以退回评分表"))
    if sheet.status != SheetStatus.SUBMITTED:
        raise ValidationError(_("只有已提交的评分表可以退回"))
    if not reason.strip():
        raise ValidationError(_("退回须填写原因"))
    sheet.status, sheet.returned_reason = SheetStatus.IN_PROGRESS, reason.strip()
    sheet.save(update_fields=["status", "returned_reason", "updated_at"])
    ScoreChange.objects.create(
        sheet=sheet, by=by, reason=reason.strip(), after_submission=True, new={"status": "returned"}
    )
    audit_record(
        actor=by,
        action="sheet_return",
        target=sheet,
        changes={"status": [SheetStatus.SUBMITTED, SheetStatus.IN_PROGRESS]},
        reason=reason.strip(),
    )
    notify(
        recipient=sheet.scorer,
        actor=by,
        title=_("“%(site)s”的评分表被退回") % {"site": sheet.entry.site.name},
        body=reason.strip(),
        url=sheet.get_absolute_url(),
    )
    return sheet


def self_assessment_for(entry: RoundSite, by) -> ScoreSheet:
    """The site's self-assessment sheet in this round, created when its leader first opens it."""
    sheet = ScoreSheet.objects.filter(entry=entry, kind=SheetKind.SELF).first()
    if sheet is not None:
        return sheet
    try:
        with transaction.atomic():
            return ScoreSheet.objects.create(entry=entry, kind=SheetKind.SELF, scorer=by)
    except IntegrityError:
        return ScoreSheet.objects.get(entry=entry, kind=SheetKind.SELF)


@transaction.atomic
def self_assessment_submit(*, sheet: ScoreSheet, by) -> ScoreSheet:
    """Hand in the self-assessment (it can be handed in again while the window is open)."""
    sheet = (
        ScoreSheet.objects.select_for_update().select_related("entry__round__standard", "entry__site").get(pk=sheet.pk)
    )
    problem = _may_edit(sheet, by)
    if problem:
        raise ValidationError(problem)
    problems = submit_problems(sheet)
    if problems:
        raise ValidationError(problems)
    sheet.status, sheet.submitted_at = SheetStatus.SUBMITTED, timezone.now()
    sheet.first_submitted_at = sheet.first_submitted_at or sheet.submitted_at
    sheet.save(update_fields=["status", "submitted_at", "first_submitted_at", "updated_at"])
    audit_record(
        actor=by, action="self_assessment_submit", target=sheet, changes={"total": [None, f"{sheet.total:.2f}"]}
    )
    return sheet


@transaction.atomic
def sheet_set_materials(*, sheet: ScoreSheet, by, item, materials) -> ItemScore:
    """Self-assessment: which of the site's materials evidence this item."""
    problem = _may_edit(sheet, by)
    if problem:
        raise ValidationError(problem)
    score, _created = ItemScore.objects.get_or_create(sheet=sheet, item=item)
    score.materials.set([m for m in materials if m.site_id == sheet.entry.site_id])
    return score


@transaction.atomic
def self_assessment_save(*, sheet: ScoreSheet, by, item, change: dict | None, material_ids=None) -> ChangeResult | None:
    """Save one item of a self-assessment: its entry and remark (as a sync change, so the change log holds), then
    the materials that evidence it, chosen among the site's own materials linked to the item by code. A refusal
    (window closed, stale, a value the item does not accept) raises and saves nothing of the item. A handed-in
    self-assessment that the edit leaves incomplete goes back to in progress: it must be handed in again."""
    if sheet.kind != SheetKind.SELF:
        raise ValidationError(_("这不是自评表"))
    result = None
    if change:
        result = sheet_apply_changes(sheet=sheet, by=by, changes=[change])[0]
        if result.outcome in ("refused", "stale"):
            raise ValidationError(result.message)
    if material_ids is not None:
        from archives.models import Material

        chosen = set(
            Material.objects.filter(
                site_id=sheet.entry.site_id, deleted_at__isnull=True, items__code=item.code, pk__in=material_ids
            ).values_list("pk", flat=True)
        )
        score = ItemScore.objects.filter(sheet=sheet, item=item).first()
        current = set(score.materials.values_list("pk", flat=True)) if score else set()
        if chosen != current:
            sheet_set_materials(sheet=sheet, by=by, item=item, materials=Material.objects.filter(pk__in=chosen))
    sheet.refresh_from_db()
    if sheet.status == SheetStatus.SUBMITTED and submit_problems(sheet):
        sheet.status = SheetStatus.IN_PROGRESS
        sheet.save(update_fields=["status", "updated_at"])
    return result


# --- photos -----------------------------------------------------------------------------------------


def sheet_photo_add(*, sheet: ScoreSheet, item, upload, by, client_id, captured_at=None) -> SheetPhoto:
    """Keep a photo a scorer took for an item: validated like materials (by content), EXIF stripped, with a
    thumbnail. A photo delivered twice (same client id) is kept once. The picture is decoded before the
    transaction opens, so a slow phone photo never holds the sheet's lock."""
    existing = SheetPhoto.objects.filter(client_id=client_id).first()
    if existing is not None:
        return existing
    problem = _may_edit(sheet, by)
    if problem:
        raise ValidationError(problem)
    try:
        kind = validate(upload)
    except UploadRejected as error:
        raise ValidationError(str(error)) from error
    if not kind.is_image or kind.code == "heic":
        raise ValidationError(_("现场照片只接受 JPEG、PNG 或 WebP 图片"))
    try:
        clean, thumb = clean_image_and_thumbnail(upload.read(), kind.code, (480, 480))
    except Exception as error:  # a decoder's many failures all mean the same to the scorer
        raise ValidationError(_("图片无法识别，请重新拍摄")) from error
    with transaction.atomic():
        locked = (
            ScoreSheet.objects.select_for_update()
            .select_related("entry__round__standard", "entry__site")
            .get(pk=sheet.pk)
        )
        problem = _may_edit(locked, by)
        if problem:
            raise ValidationError(problem)
        if item.pk not in {each.pk for each in sheet_items(locked)}:
            raise ValidationError(_("该评分项不在本评分表中"))
        existing = SheetPhoto.objects.filter(client_id=client_id).first()
        if existing is not None:
            return existing
        photo = SheetPhoto(
            sheet=locked,
            item=item,
            client_id=client_id,
            original_name=(getattr(upload, "name", "") or "photo")[:255],
            kind=kind.code,
            size=len(clean),
            captured_at=captured_at,
            uploaded_by=by,
        )
        photo.file.save(f"photo.{kind.extension}", ContentFile(clean), save=False)
        photo.thumbnail.save("thumb.jpg", ContentFile(thumb), save=False)
        photo.save()
        audit_record(actor=by, action="sheet_photo_add", target=locked, changes={"photo": [None, item.code]})
    return photo


# --- paper sheets -----------------------------------------------------------------------------------


@dataclass
class PaperSheet:
    """One paper sheet to write: the entries typed in per item ({item id: {"score" | "present" | "level",
    "remark"}}; an item without a value is unscored), and the sheet's overall remark (None: keep it)."""

    sheet: ScoreSheet
    values: dict
    remark: str | None = None
    label: str = ""  # how refusals name it ("第 3 行")


def paper_entries(items, values: dict) -> tuple[dict[int, rules.Entry | None], dict[int, str]]:
    """The entry each item takes from a paper sheet's values, normalized by the item's kind, and the refusals
    (item id -> message). An item with no value is None (unscored)."""
    entries, refusals = {}, {}
    for item in items:
        value = values.get(item.pk) or {}
        given = {key: value[key] for key in ("score", "present", "level") if value.get(key) not in (None, "")}
        if not given:
            entries[item.pk] = None
            continue
        try:
            entries[item.pk] = rules.normalize_entry(
                item_facts(item), score=given.get("score"), present=given.get("present"), level=given.get("level", "")
            )
        except rules.EntryRefused as error:
            refusals[item.pk] = str(error)
    return entries, refusals


def paper_problem(sheet: ScoreSheet) -> str | None:
    """Why a paper sheet cannot be written into `sheet` now, or None."""
    if sheet.kind != SheetKind.ONSITE:
        return _("只能录入实地评分表")
    if sheet.entry.round.status != RoundStatus.SCORING and not is_reopened(sheet):
        return _("考评轮次不在实地考评阶段，不能录入纸质评分表")
    if sheet.status == SheetStatus.SUBMITTED:
        return _("评分表已提交")
    if sheet.status == SheetStatus.EXCUSED:
        return _("评分表已免评")
    return None


def _write_paper(jobs: list[tuple[PaperSheet, list, dict]], *, by, source: str, reason: str, submit: bool) -> None:
    """Write checked paper sheets: every changed entry with its ScoreChange (the log reads as if typed on the
    phone), totals, the source and who keyed it, and the submission. A few queries for any number of sheets."""
    sheets = [job.sheet for job, _items, _entries in jobs]
    existing = {(score.sheet_id, score.item_id): score for score in ItemScore.objects.filter(sheet__in=sheets)}
    now = timezone.now()
    created, updated, changes = [], [], []
    for job, items, entries in jobs:
        sheet = job.sheet
        totals = {}
        for item in items:
            score = existing.get((sheet.pk, item.pk))
            entry = entries.get(item.pk)
            remark = (job.values.get(item.pk) or {}).get("remark")
            old = _state_of(score)
            new_remark = old["remark"] if remark is None else str(remark)[:2000]
            new = {
                "score": None if entry is None or entry.score is None else f"{entry.score:.2f}",
                "present": None if entry is None else entry.present,
                "level": "" if entry is None else entry.level,
                "remark": new_remark,
            }
            totals[item.pk] = None if entry is None else entry.score
            if all(old[key] == new[key] for key in new):
                continue
            if score is None:
                score = ItemScore(sheet=sheet, item=item)
                created.append(score)
            else:
                updated.append(score)
            score.score = None if entry is None else entry.score
            score.present = None if entry is None else entry.present
            score.level = "" if entry is None else entry.level
            score.remark, score.version, score.updated_at = new_remark, score.version + 1, now
            changes.append(
                ScoreChange(
                    sheet=sheet,
                    item=item,
                    old={key: old[key] for key in new},
                    new=new,
                    by=by,
                    reason=reason,
                    after_submission=sheet.first_submitted_at is not None,
                )
            )
        old_status, old_total = sheet.status, f"{sheet.total:.2f}"
        sheet.total = rules.sheet_total(totals.values())
        sheet.ten_haves = rules.sheet_total(
            totals[item.pk] for item in items if item.section.kind == SectionKind.TEN_HAVES
        )
        sheet.scored_count = sum(1 for value in totals.values() if value is not None)
        sheet.version += 1
        sheet.source, sheet.keyed_by = source, by
        if job.remark is not None:
            sheet.remark = job.remark[:2000]
        if submit:
            sheet.status, sheet.submitted_at, sheet.returned_reason = SheetStatus.SUBMITTED, now, ""
            sheet.first_submitted_at = sheet.first_submitted_at or now
        elif sheet.scored_count and sheet.status == SheetStatus.NOT_STARTED:
            sheet.status = SheetStatus.IN_PROGRESS
        sheet.updated_at = now
        audit_record(
            actor=by,
            action="sheet_import" if source == SheetSource.IMPORTED else "sheet_key_in",
            target=sheet,
            changes={
                "status": [old_status, sheet.status],
                "total": [old_total, f"{sheet.total:.2f}"],
            },
        )
    ItemScore.objects.bulk_create(created)
    ItemScore.objects.bulk_update(updated, ["score", "present", "level", "remark", "version", "updated_at"])
    inputs_changed(round__entries__sheets__in=[sheet.pk for sheet in sheets])  # bulk writes send no signal
    ScoreChange.objects.bulk_create(changes)
    kept = kept_section_totals([sheet.pk for sheet in sheets])
    for sheet in sheets:
        sheet.section_totals = kept.get(sheet.pk, {})
    ScoreSheet.objects.bulk_update(
        sheets,
        [
            "total",
            "ten_haves",
            "section_totals",
            "scored_count",
            "version",
            "source",
            "keyed_by",
            "remark",
            "status",
            "submitted_at",
            "first_submitted_at",
            "returned_reason",
            "updated_at",
        ],
    )


@transaction.atomic
def sheet_key_in(*, sheet: ScoreSheet, by, values: dict, remark: str | None = None, submit: bool = True) -> ScoreSheet:
    """Staff type in a paper sheet on its scorer's behalf: marked as keyed in by `by`, every entry recorded like
    an online one, and (`submit`) handed in at once. All or nothing: an entry an item does not accept, or (when
    submitting) a sheet left incomplete, changes nothing; the refusal names each item (a dict by item id)."""
    if not may_manage_rounds(by):
        raise ValidationError(_("只有工作人员可以代录纸质评分表"))
    sheet = (
        ScoreSheet.objects.select_for_update()
        .select_related("entry__round__standard", "entry__site", "scorer")
        .get(pk=sheet.pk)
    )
    problem = paper_problem(sheet)
    if problem:
        raise ValidationError(problem)
    items = sheet_items(sheet)
    entries, refusals = paper_entries(items, values)
    if refusals:
        raise ValidationError({str(item_id): [message] for item_id, message in refusals.items()})
    if submit:
        problems = rules.submit_problems([item_facts(item) for item in items], entries)
        if problems:
            raise ValidationError(problems)
    job = PaperSheet(sheet=sheet, values=values, remark=remark)
    _write_paper([(job, items, entries)], by=by, source=SheetSource.KEYED, reason=_("代录纸质评分表"), submit=submit)
    if sheet.scorer_id != by.pk:
        notify(
            recipient=sheet.scorer,
            actor=by,
            title=(
                _("您在“%(site)s”的纸质评分表已由 %(name)s 代录并提交")
                if submit
                else _("您在“%(site)s”的纸质评分表已由 %(name)s 代录")
            )
            % {"site": sheet.entry.site.name, "name": by.get_full_name()},
            url=sheet.get_absolute_url(),
        )
    return sheet


@transaction.atomic
def sheets_import(*, round: Round, rows: list[PaperSheet], by) -> int:
    """Import a round's paper sheets (the Excel import): each row one complete sheet, marked as imported by `by`
    and submitted. All or nothing: any refused row (a sheet submitted or excused meanwhile, a value an item does
    not accept, an item left empty) changes nothing, and every problem is named with its row."""
    if not may_manage_rounds(by):
        raise ValidationError(_("只有工作人员可以导入纸质评分表"))
    round_ = Round.objects.select_for_update().select_related("standard").get(pk=round.pk)
    if round_.status != RoundStatus.SCORING:
        raise ValidationError(_("考评轮次不在实地考评阶段，不能导入纸质评分表"))
    if not rows:
        raise ValidationError(_("没有要导入的评分表"))
    locked = {
        sheet.pk: sheet
        for sheet in ScoreSheet.objects.select_for_update()
        .filter(entry__round=round_, pk__in=[row.sheet.pk for row in rows])
        .select_related("entry__site", "scorer")
    }
    items_of: dict[str, list] = {}
    problems, jobs, seen = [], [], set()
    for row in rows:
        sheet = locked.get(row.sheet.pk)
        if sheet is None:
            problems.append(_("%(row)s：评分表不属于本轮考评") % {"row": row.label})
            continue
        sheet.entry.round = round_
        if sheet.pk in seen:
            problems.append(_("%(row)s：同一评分表出现两次") % {"row": row.label})
            continue
        seen.add(sheet.pk)
        problem = paper_problem(sheet)
        if problem:
            problems.append(f"{row.label}：{problem}")
            continue
        domain = sheet.entry.site.domain
        if domain not in items_of:
            items_of[domain] = applicable_items(round_.standard, domain)
        items = items_of[domain]
        entries, refusals = paper_entries(items, row.values)
        problems.extend(f"{row.label}：{message}" for message in refusals.values())
        if not refusals:
            problems.extend(
                f"{row.label}：{message}"
                for message in rules.submit_problems([item_facts(item) for item in items], entries)
            )
        row.sheet = sheet
        jobs.append((row, items, entries))
    if problems:
        raise ValidationError(problems)
    _write_paper(jobs, by=by, source=SheetSource.IMPORTED, reason=_("导入纸质评分表"), submit=True)
    return len(jobs)
