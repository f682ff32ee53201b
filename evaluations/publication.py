"""Publication (公示) of a round's results, objections (异议) and their answers, and reopening a sheet to correct it
after scoring closed (DOMAIN.md §5).

Published results are stored (Publication.results) with the fingerprint of their inputs: the published list shows
what was published, never a recomputation, and any later change of a sheet, a deduction line or the policy shows
as a difference against it. Corrections go only through the recorded paths (a deduction line added or withdrawn
with its reason, a sheet reopened with a reason and corrected by its scorer, every entry in its ScoreChange log);
staff then republish with a reason, or finalize (finalization.py) giving the reason the results differ.

Every write here is a service: keyword arguments, one transaction, an audit entry.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from archives.validation import UploadRejected, validate
from core.services import audit_record, notify

from . import result_store, results
from .choices import ObjectionStatus, RoundStatus, SheetKind, SheetStatus
from .models import POLICY_FIELDS, Objection, ObjectionFile, Publication, Round, RoundSite, ScoreChange, ScoreSheet
from .permissions import is_site_leader_of, may_manage_rounds
from .supervision_lines import round_sync_supervision

MAX_OBJECTION_FILES = 5
MAX_OBJECTION_TEXT = 5000


# --- reads ----------------------------------------------------------------------------------------------


def current_publication(round_: Round) -> Publication | None:
    """The round's latest publication (a republication after corrections supersedes the earlier ones)."""
    return round_.publications.order_by("-number").first()


def period_of(round_: Round, starts_on: date) -> tuple[date, date]:
    """The publication period: `publication_days` calendar days counted from the first (5 days from 1 June run to
    5 June inclusive); objections are lodged up to and including the last day."""
    return starts_on, starts_on + timedelta(days=round_.publication_days - 1)


def period_running(publication: Publication | None, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return publication is not None and publication.starts_on <= today <= publication.ends_on


def reopened_sheets(round_: Round):
    """The on-site sheets reopened to be corrected and not yet submitted again: they count in no result."""
    return ScoreSheet.objects.filter(entry__round=round_, kind=SheetKind.ONSITE).exclude(
        status__in=(SheetStatus.SUBMITTED, SheetStatus.EXCUSED)
    )


@dataclass
class Drift:
    """How the current results stand against the published ones: `changed` when any input differs from what was
    published (the fingerprint), `lines` the sites whose published line differs (results.differences)."""

    publication: Publication | None
    changed: bool
    lines: list


def drift(round_: Round, publication: Publication | None = None, *, with_lines: bool = True) -> Drift:
    """The difference between the round's current results and its (latest) publication. `with_lines=False` only
    compares the fingerprints (cheap: what a banner for every reader needs)."""
    publication = publication or current_publication(round_)
    if publication is None:
        return Drift(None, False, [])
    # The stored results' fingerprint: computed once per change (result_store), not on every page that asks.
    changed = result_store.current_state(round_).fingerprint != publication.fingerprint
    lines = []
    if changed and with_lines:
        lines = results.differences(publication.results, results.snapshot(result_store.all_results(round_)))
    return Drift(publication, changed, lines)


def publish_problems(round_: Round) -> list[str]:
    """What publishing (or republishing) the round's results still needs."""
    if round_.status not in (RoundStatus.SCORED, RoundStatus.PUBLISHED):
        return [_("只有“评分完成”或“结果公示中”的考评轮次可以发布公示（当前：%(status)s）") % _status(round_)]
    problems = []
    waiting = reopened_sheets(round_).count()
    if waiting:
        problems.append(_("有 %(n)s 份重新打开的评分表尚未再次提交") % {"n": waiting})
    if round_.status == RoundStatus.PUBLISHED and not drift(round_, with_lines=False).changed:
        problems.append(_("结果自上次公示以来没有变化，无需重新公示"))
    return problems


def _status(round_: Round) -> dict:
    return {"status": round_.get_status_display()}


def _policy_json(round_: Round) -> dict:
    return {
        name: value if isinstance(value := getattr(round_, name), list | dict | int) else str(value)
        for name in POLICY_FIELDS
    }


def site_leaders(round_: Round, site_ids=None) -> list:
    """The site leaders (accounts in a creation group of the round's sites), with their site."""
    from sites.models import CreationGroupMember

    members = CreationGroupMember.objects.filter(
        site__round_entries__round=round_, user__isnull=False, user__is_active=True, user__groups__name=Role.LEADER
    )
    if site_ids is not None:
        members = members.filter(site_id__in=site_ids)
    return list(members.select_related("user", "site").distinct())


def _staff():
    return get_user_model().objects.filter(is_active=True, groups__name=Role.STAFF).distinct()


# --- publication ----------------------------------------------------------------------------------------


@transaction.atomic
def round_publish(*, round: Round, by, reason: str = "", sync_supervision: bool = True) -> Publication:
    """Publish the round's results for its publication period (公示): from `scored`, or again from `published`
    when the inputs changed since (corrections after objections), which needs a reason. The results are stored as
    published, with their inputs' fingerprint; the round's site leaders are told.

    First the automatic deduction and bonus lines are brought in line with the supervision records
    (supervision_lines.round_sync_supervision), so that what is published includes the current facts
    (`sync_supervision=False` only for demo data whose lines stand for them, entered by hand)."""
    if not may_manage_rounds(by):
        raise ValidationError(_("只有工作人员可以发布公示"))
    round_ = Round.objects.select_for_update().get(pk=round.pk)
    republish = round_.status == RoundStatus.PUBLISHED
    if sync_supervision and round_.status in (RoundStatus.SCORED, RoundStatus.PUBLISHED):
        # Before the checks: a supervision fact that changed since is a change worth republishing. Refused
        # publications roll it back with the rest (one transaction).
        round_sync_supervision(round_, by=by)
    problems = publish_problems(round_)
    if problems:
        raise ValidationError(problems)
    if republish and not reason.strip():
        raise ValidationError(_("重新公示须说明原因（更正了哪些结果、依据什么）"))
    previous = current_publication(round_)
    starts_on, ends_on = period_of(round_, timezone.localdate())
    publication = Publication(
        round=round_,
        number=(previous.number + 1) if previous else 1,
        starts_on=starts_on,
        ends_on=ends_on,
        fingerprint=results.inputs_fingerprint(round_),
        results=results.snapshot(results.round_results(round_)),
        policy=_policy_json(round_),
        reason=reason.strip(),
        published_by=by,
    )
    publication.full_clean()
    publication.save()
    old_status = round_.status
    round_.status, round_.published_at = RoundStatus.PUBLISHED, timezone.now()
    round_.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(
        actor=by,
        action="round_publish",
        target=round_,
        changes={
            "status": [old_status, RoundStatus.PUBLISHED],
            "publication": [previous.number if previous else None, publication.number],
        },
        reason=reason.strip(),
    )
    url = reverse("evaluations:published", args=[round_.pk])
    for member in site_leaders(round_):
        notify(
            recipient=member.user,
            actor=by,
            title=(
                _("“%(round)s”考评结果重新公示（%(start)s 至 %(end)s），请查看“%(site)s”的结果")
                if republish
                else _("“%(round)s”考评结果公示（%(start)s 至 %(end)s），请查看“%(site)s”的结果")
            )
            % {"round": round_.name, "start": starts_on, "end": ends_on, "site": member.site.name},
            body=_("如有异议，请在公示期内提出。"),
            url=url,
        )
    round.refresh_from_db()
    return publication


# --- objections -----------------------------------------------------------------------------------------


def objection_problem(entry: RoundSite, user, today: date | None = None) -> str | None:
    """Why `user` may not lodge an objection to this site's result now, or None."""
    if not is_site_leader_of(user, entry.site):
        return _("只有本示范点的负责人可以提出异议")
    if entry.round.status != RoundStatus.PUBLISHED:
        return _("考评结果不在公示期，不能提出异议")
    publication = current_publication(entry.round)
    if not period_running(publication, today):
        return _("公示期已结束，不能再提出异议")
    return None


@transaction.atomic
def objection_lodge(*, entry: RoundSite, by, text: str, files=()) -> Objection:
    """A site leader objects to their site's published result during the publication period, with files as
    evidence (validated by content like every upload; at most MAX_OBJECTION_FILES). Staff are told."""
    entry = RoundSite.objects.select_related("round", "site").get(pk=entry.pk)
    problem = objection_problem(entry, by)
    if problem:
        raise ValidationError(problem)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("请写明异议内容")})
    if len(text) > MAX_OBJECTION_TEXT:
        raise ValidationError({"text": _("异议内容不能超过 %(n)s 字") % {"n": MAX_OBJECTION_TEXT}})
    files = [upload for upload in files if upload]
    if len(files) > MAX_OBJECTION_FILES:
        raise ValidationError({"files": _("最多上传 %(n)s 个附件") % {"n": MAX_OBJECTION_FILES}})
    kinds, refusals = [], []
    for upload in files:
        try:
            kinds.append(validate(upload))
        except UploadRejected as error:
            refusals.append(f"{getattr(upload, 'name', '')}：{error}")
    if refusals:
        raise ValidationError({"files": refusals})
    objection = Objection(entry=entry, publication=current_publication(entry.round), text=text, lodged_by=by)
    objection.full_clean()
    objection.save()
    for upload, kind in zip(files, kinds, strict=True):
        attached = ObjectionFile(
            objection=objection,
            original_name=(getattr(upload, "name", "") or "file")[:255],
            kind=kind.code,
            size=getattr(upload, "size", 0) or 0,
        )
        upload.seek(0)
        attached.file.save(f"objection.{kind.extension}", upload, save=False)
        attached.save()
    audit_record(
        actor=by,
        action="objection_lodge",
        target=entry.round,
        changes={"objection": [None, f"{entry.site.name}（{len(files)} 个附件）"]},
        reason=text[:500],
    )
    for user in _staff():
        notify(
            recipient=user,
            actor=by,
            title=_("“%(site)s”对“%(round)s”的考评结果提出异议") % {"site": entry.site.name, "round": entry.round.name},
            body=text[:500],
            url=reverse("evaluations:objection", args=[objection.pk]),
        )
    return objection


@transaction.atomic
def objection_answer(*, objection: Objection, by, upheld: bool, answer: str) -> Objection:
    """Staff answer an objection: upheld (异议成立; the result is then corrected through a deduction line or a
    reopened sheet, which recomputes it) or rejected, always with the reason. The objector is told."""
    if not may_manage_rounds(by):
        raise ValidationError(_("只有工作人员可以答复异议"))
    objection = Objection.objects.select_for_update().select_related("entry__site", "entry__round").get(pk=objection.pk)
    if not objection.is_open:
        raise ValidationError(_("该异议已答复"))
    if objection.entry.round.status != RoundStatus.PUBLISHED:
        raise ValidationError(_("考评轮次已不在公示阶段，不能再答复异议"))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("请填写答复意见")})
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.REJECTED
    objection.answer, objection.answered_by, objection.answered_at = answer, by, timezone.now()
    objection.full_clean()
    objection.save()
    outcome = objection.get_status_display()
    audit_record(
        actor=by,
        action="objection_answer",
        target=objection.entry.round,
        changes={"objection": [str(ObjectionStatus.OPEN.label), f"{objection.entry.site.name}：{outcome}"]},
        reason=answer,
    )
    notify(
        recipient=objection.lodged_by,
        actor=by,
        title=_("您对“%(site)s”考评结果的异议已答复：%(status)s")
        % {"site": objection.entry.site.name, "status": objection.get_status_display()},
        body=answer,
        url=reverse("evaluations:objection", args=[objection.pk]),
    )
    return objection


# --- reopening a sheet ----------------------------------------------------------------------------------


@transaction.atomic
def sheet_reopen(*, sheet: ScoreSheet, by, reason: str) -> ScoreSheet:
    """Staff reopen a submitted on-site sheet after scoring closed (the round scored or published), to have it
    corrected: typically an upheld objection. The scorer (or staff, for a paper sheet) corrects it and submits it
    again; every change is recorded with this reason (ScoreChange, after submission) and the results recompute.
    Until then the sheet counts in no result, and the round can be neither published nor finalized."""
    if not may_manage_rounds(by):
        raise ValidationError(_("只有工作人员可以重新打开评分表"))
    sheet = (
        ScoreSheet.objects.select_for_update().select_related("entry__round", "entry__site", "scorer").get(pk=sheet.pk)
    )
    if sheet.kind != SheetKind.ONSITE:
        raise ValidationError(_("只能重新打开实地评分表"))
    if sheet.entry.round.status not in (RoundStatus.SCORED, RoundStatus.PUBLISHED):
        raise ValidationError(_("只有评分完成或公示中的考评轮次可以重新打开评分表（已定案的不能）"))
    if sheet.status != SheetStatus.SUBMITTED:
        raise ValidationError(_("只有已提交的评分表可以重新打开"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("重新打开评分表须填写原因"))
    sheet.status, sheet.returned_reason = SheetStatus.IN_PROGRESS, reason
    sheet.save(update_fields=["status", "returned_reason", "updated_at"])
    result_store.refresh_when_committed(round_id=sheet.entry.round_id)  # the sheet counts no more
    ScoreChange.objects.create(sheet=sheet, by=by, reason=reason, after_submission=True, new={"status": "reopened"})
    audit_record(
        actor=by,
        action="sheet_reopen",
        target=sheet,
        changes={"status": [SheetStatus.SUBMITTED, SheetStatus.IN_PROGRESS]},
        reason=reason,
    )
    notify(
        recipient=sheet.scorer,
        actor=by,
        title=_("“%(site)s”的评分表已重新打开，请更正后再次提交") % {"site": sheet.entry.site.name},
        body=reason,
        url=sheet.get_absolute_url(),
    )
    return sheet
