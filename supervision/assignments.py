"""Services of tasks (工作任务, DOMAIN.md §7): drafting, publishing to a resolved set of sites, moving the due time,
closing; a site's answer, and the reviewer's accept or return.

Every write is keyword-only, atomic, validated with full_clean and audited. Who may do it is checked here, not
only in the views (supervision.permissions)."""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.choices import Domain
from core.services import audit_record, notify
from sites.choices import SiteState
from sites.models import Site

from . import rules, task_tally
from .attachments import attach, check_uploads
from .choices import OWING, AnswerDecision, AnswerStatus, AssignmentStatus, TargetKind
from .districts import district_of_site
from .models import Answer, Assignment, AssignmentSite
from .owing import owing_refresh
from .permissions import may_answer, may_manage_supervision, may_review_answer
from .selectors import site_people, staff_people

logger = logging.getLogger(__name__)

MAX_TEXT = 10000
MAX_REMINDER_DAYS = 30


def _require_manager(by) -> None:
    if not may_manage_supervision(by):
        raise ValidationError(_("只有市级工作人员可以发布和管理工作任务"))


def _when(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def clean_reminder_days(values) -> list[int]:
    """The ladder's days before the due day: distinct whole numbers 0..30, largest first."""
    days = set()
    for value in values or ():
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise ValidationError(
                {"reminder_days_before": _("提前提醒天数须为 0 到 30 的整数：%(v)s") % {"v": value}}
            ) from None
        if not 0 <= number <= MAX_REMINDER_DAYS:
            raise ValidationError({"reminder_days_before": _("提前提醒天数须为 0 到 30 的整数：%(v)s") % {"v": value}})
        days.add(number)
    return sorted(days, reverse=True)


def standing(stored: str, due_at, now, tz) -> dict:
    """What a page shows of one site's standing: the status (overdue computed), its label, light and days to due."""
    days = rules.days_to_due(due_at, now, tz)
    return {
        "status": rules.answer_status(stored, due_at, now),
        "label": AnswerStatus(rules.answer_status(stored, due_at, now)).label,
        "light": rules.light(stored, due_at, now, tz),
        "days": days,
        "days_past": max(0, -days),
    }


# --- targets ----------------------------------------------------------------------------------------------


def resolve_targets(assignment: Assignment) -> QuerySet[Site]:
    """The concrete sites a task's target describes, as they stand now (stored at publication).

    - round: every site entered in that round (through the round's entries; no import of evaluations);
    - domain / region (the node and everything under it): the sites still in the programme (not failed or
      eliminated), since a task is work to do;
    - states: the sites in the states chosen;
    - sites: the ones listed, kept as the draft's AssignmentSite rows."""
    kind = assignment.target_kind
    sites = Site.objects.all()
    active = [SiteState.NOMINATED, SiteState.CANDIDATE, SiteState.FORMAL, SiteState.IMPROVING]
    if kind == TargetKind.ROUND:
        if assignment.target_round_id is None:
            return Site.objects.none()
        sites = sites.filter(round_entries__round_id=assignment.target_round_id)
    elif kind == TargetKind.DOMAIN:
        sites = sites.filter(domain=assignment.target_domain, state__in=active)
    elif kind == TargetKind.REGION:
        if assignment.target_region_id is None:
            return Site.objects.none()
        sites = sites.filter(region__path__startswith=assignment.target_region.path, state__in=active)
    elif kind == TargetKind.STATES:
        sites = sites.filter(state__in=list(assignment.target_states or []))
    else:
        if assignment.pk is None:
            return Site.objects.none()
        sites = sites.filter(assignment_targets__assignment=assignment)
    return sites.distinct().order_by("region__path", "name", "pk")


def _label(assignment: Assignment, listed: list[Site] | None = None) -> str:
    kind = assignment.target_kind
    if kind == TargetKind.ROUND:
        return _("考评轮次：%(name)s") % {"name": assignment.target_round.name if assignment.target_round else "—"}
    if kind == TargetKind.DOMAIN:
        return _("领域：%(name)s") % {
            "name": Domain(assignment.target_domain).label if assignment.target_domain else "—"
        }
    if kind == TargetKind.REGION:
        name = str(assignment.target_region) if assignment.target_region else "—"
        return _("区域：%(name)s（含下级）") % {"name": name}
    if kind == TargetKind.STATES:
        names = "、".join(str(SiteState(state).label) for state in assignment.target_states or [])
        return _("示范点状态：%(names)s") % {"names": names or "—"}
    listed = listed or []
    names = "、".join(site.name for site in listed[:3])
    if len(listed) > 3:
        return _("指定示范点：%(names)s 等 %(n)s 个") % {"names": names, "n": len(listed)}
    return _("指定示范点：%(names)s") % {"names": names or "—"}


def _check_target(assignment: Assignment) -> None:
    kind = assignment.target_kind
    if kind == TargetKind.ROUND and assignment.target_round_id is None:
        raise ValidationError({"target_round": _("请选择考评轮次")})
    if kind == TargetKind.DOMAIN and assignment.target_domain not in Domain.values:
        raise ValidationError({"target_domain": _("请选择领域")})
    if kind == TargetKind.REGION and assignment.target_region_id is None:
        raise ValidationError({"target_region": _("请选择区域")})
    if kind == TargetKind.STATES:
        states = list(assignment.target_states or [])
        if not states or any(state not in SiteState.values for state in states):
            raise ValidationError({"target_states": _("请选择示范点状态")})


def _apply(assignment: Assignment, *, by, data: dict, sites, files) -> Assignment:
    for name in (
        "title",
        "description",
        "due_at",
        "files_required",
        "target_kind",
        "target_round",
        "target_domain",
        "target_region",
        "target_states",
        "overdue_every_days",
    ):
        if name in data:
            setattr(assignment, name, data[name])
    if "reminder_days_before" in data:
        assignment.reminder_days_before = clean_reminder_days(data["reminder_days_before"])
    assignment.title = (assignment.title or "").strip()
    assignment.description = (assignment.description or "").strip()
    kind = assignment.target_kind
    # Parameters of other kinds than the chosen one are cleared, so the stored target says one thing.
    if kind != TargetKind.ROUND:
        assignment.target_round = None
    if kind != TargetKind.DOMAIN:
        assignment.target_domain = ""
    if kind != TargetKind.REGION:
        assignment.target_region = None
    if kind != TargetKind.STATES:
        assignment.target_states = []
    if not assignment.overdue_every_days or assignment.overdue_every_days < 1:
        raise ValidationError({"overdue_every_days": _("逾期后提醒间隔至少 1 天")})
    _check_target(assignment)
    listed = list(dict.fromkeys(sites or ()))
    if kind == TargetKind.SITES and not listed:
        raise ValidationError({"sites": _("请选择至少一个示范点")})
    checked = check_uploads(files)
    assignment.full_clean()
    assignment.save()
    # Listed sites are kept as the draft's rows (status pending), so publication only stores them for good.
    if kind == TargetKind.SITES:
        assignment.targets.exclude(site__in=listed).delete()
        AssignmentSite.objects.bulk_create(
            [AssignmentSite(assignment=assignment, site=site) for site in listed], ignore_conflicts=True
        )
        _fill_districts(assignment)
    else:
        assignment.targets.all().delete()
    assignment.target_label = _label(assignment, listed)[:300]
    assignment.save(update_fields=["target_label", "updated_at"])
    attach(owner=assignment, checked=checked, by=by)
    return assignment


def _snapshot(assignment: Assignment) -> dict:
    return {
        "title": assignment.title,
        "due_at": _when(assignment.due_at) if assignment.due_at else None,
        "target": assignment.target_label,
        "files_required": assignment.files_required,
        "reminder_days_before": list(assignment.reminder_days_before or []),
        "overdue_every_days": assignment.overdue_every_days,
    }


@transaction.atomic
def assignment_create(
    *,
    by,
    title: str,
    due_at: datetime.datetime,
    description: str = "",
    files_required: bool = False,
    target_kind: str = TargetKind.SITES,
    target_round=None,
    target_domain: str = "",
    target_region=None,
    target_states=(),
    sites=(),
    reminder_days_before=None,
    overdue_every_days: int = 7,
    files=(),
) -> Assignment:
    """A new task, as a draft: nobody is told until it is published."""
    _require_manager(by)
    assignment = Assignment(created_by=by, status=AssignmentStatus.DRAFT)
    data = {
        "title": title,
        "description": description,
        "due_at": due_at,
        "files_required": files_required,
        "target_kind": target_kind,
        "target_round": target_round,
        "target_domain": target_domain or "",
        "target_region": target_region,
        "target_states": list(target_states or []),
        "overdue_every_days": overdue_every_days,
        "reminder_days_before": [3, 1, 0] if reminder_days_before is None else reminder_days_before,
    }
    _apply(assignment, by=by, data=data, sites=sites, files=files)
    audit_record(
        actor=by, action="assignment_create", target=assignment, changes={"assignment": [None, _snapshot(assignment)]}
    )
    return assignment


@transaction.atomic
def assignment_update(*, assignment: Assignment, by, sites=None, files=(), **data) -> Assignment:
    """Change a draft (a published task changes only its due time: assignment_change_due). `sites` replaces the
    listed sites (target kind "sites"); None keeps them."""
    _require_manager(by)
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.status != AssignmentStatus.DRAFT:
        raise ValidationError(_("任务已发布，只能调整截止时间"))
    allowed = {
        "title",
        "description",
        "due_at",
        "files_required",
        "target_kind",
        "target_round",
        "target_domain",
        "target_region",
        "target_states",
        "reminder_days_before",
        "overdue_every_days",
    }
    unknown = set(data) - allowed
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    before = _snapshot(assignment)
    if sites is None:
        sites = list(Site.objects.filter(assignment_targets__assignment=assignment))
    _apply(assignment, by=by, data=data, sites=sites, files=files)
    after = _snapshot(assignment)
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    audit_record(actor=by, action="assignment_update", target=assignment, changes=changes)
    return assignment


def _send_now(assignment_id: int) -> None:
    """Queue the publication notices now; if the broker is down the periodic job sends them on its next beat."""
    try:
        from .tasks import send_reminders

        send_reminders.delay(assignment_ids=[assignment_id])
    except Exception:
        logger.warning("could not queue reminders for assignment %s; the periodic job will send them", assignment_id)


@transaction.atomic
def assignment_publish(*, assignment: Assignment, by, now=None) -> Assignment:
    """Resolve the target to its sites now and store them (a site that joins or moves later neither gains nor
    loses the task), then publish: each site's people get the ladder's publication notice."""
    _require_manager(by)
    now = now or timezone.now()
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("target_round", "target_region")
        .get(pk=assignment.pk)
    )
    if assignment.status != AssignmentStatus.DRAFT:
        raise ValidationError(_("任务已发布"))
    if assignment.due_at <= now:
        raise ValidationError(_("截止时间已过，请先修改截止时间"))
    sites = list(resolve_targets(assignment))
    if not sites:
        raise ValidationError(_("下发范围内没有示范点"))
    AssignmentSite.objects.bulk_create(
        [AssignmentSite(assignment=assignment, site=site) for site in sites], ignore_conflicts=True
    )
    _fill_districts(assignment)
    if assignment.target_kind == TargetKind.SITES:
        assignment.target_label = _label(assignment, sites)[:300]
    assignment.status = AssignmentStatus.PUBLISHED
    assignment.published_at = now
    assignment.published_by = by
    assignment.full_clean()
    assignment.save()
    owing_refresh(site_ids=assignment.targets.values("site_id"))  # its sites owe it now
    task_tally.recount([assignment.pk])  # stored in bulk, past the standings' signals
    audit_record(
        actor=by,
        action="assignment_publish",
        target=assignment,
        changes={"status": [AssignmentStatus.DRAFT, AssignmentStatus.PUBLISHED], "sites": [None, len(sites)]},
    )
    pk = assignment.pk
    transaction.on_commit(lambda: _send_now(pk))
    return assignment


@transaction.atomic
def assignment_change_due(*, assignment: Assignment, by, due_at: datetime.datetime, reason: str, now=None):
    """Move the due time, with the reason. The reminder ladder follows by itself: its step keys carry the due time,
    so the steps not yet sent are computed afresh from the new one while those sent stay on record. The sites that
    still owe an answer are told."""
    _require_manager(by)
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明调整原因")})
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.status == AssignmentStatus.CLOSED:
        raise ValidationError(_("任务已结束"))
    if due_at <= now:
        raise ValidationError({"due_at": _("新的截止时间须晚于现在")})
    if due_at == assignment.due_at:
        raise ValidationError({"due_at": _("截止时间没有变化")})
    old = assignment.due_at
    assignment.due_at = due_at
    assignment.full_clean()
    assignment.save()
    audit_record(
        actor=by,
        action="assignment_change_due",
        target=assignment,
        changes={"due_at": [_when(old), _when(due_at)]},
        reason=reason,
    )
    if assignment.status == AssignmentStatus.PUBLISHED:
        owing = list(assignment.targets.filter(status__in=OWING))
        people = site_people(target.site_id for target in owing)
        title = _("工作任务“%(task)s”的截止时间调整为 %(due)s") % {"task": assignment.title, "due": _when(due_at)}
        for target in owing:
            url = reverse("supervision:target_detail", args=[target.pk])
            for user in people.get(target.site_id, []):
                notify(recipient=user, actor=by, title=title, body=reason[:500], url=url, kind="assignment_reminder")
    return assignment


@transaction.atomic
def assignment_close(*, assignment: Assignment, by, now=None) -> Assignment:
    """End a published task: no more answers or reminders; its record stays."""
    _require_manager(by)
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.status != AssignmentStatus.PUBLISHED:
        raise ValidationError(_("只有已发布的任务可以结束"))
    assignment.status = AssignmentStatus.CLOSED
    assignment.closed_at = now or timezone.now()
    assignment.full_clean()
    assignment.save()
    audit_record(
        actor=by,
        action="assignment_close",
        target=assignment,
        changes={"status": [AssignmentStatus.PUBLISHED, AssignmentStatus.CLOSED]},
    )
    return assignment


# --- answers ----------------------------------------------------------------------------------------------


def _lock_target(target: AssignmentSite) -> AssignmentSite:
    return (
        AssignmentSite.objects.select_for_update()
        .select_related("assignment", "site", "site__region")
        .get(pk=target.pk)
    )


def reviewers_of(site) -> list:
    """Who is told that an answer waits: city staff and the site's liaisons."""
    people = {user.pk: user for user in staff_people()}
    for user in site.liaisons.filter(is_active=True):
        people.setdefault(user.pk, user)
    return list(people.values())


@transaction.atomic
def answer_submit(*, target: AssignmentSite, by, text: str = "", files=(), materials=(), now=None) -> Answer:
    """A site answers a task (text, files validated by content, links to its own materials).

    Lateness: the answer is late when it arrives after the due time (one at the very second is on time). The
    site's standing (`target.late`, which feeds the year's deduction) is late when its first answer was late, and
    stays so; a site whose first answer was on time but was returned becomes late too if it resubmits after the
    due time, since the task was then not done by the deadline. In short: late once any answer of it was late.
    `first_submitted_at` keeps the first answer's time."""
    now = now or timezone.now()
    target = _lock_target(target)
    assignment = target.assignment
    if not may_answer(by, target.site):
        raise ValidationError(_("只有本示范点的负责人（或联络员）可以报送"))
    if assignment.status != AssignmentStatus.PUBLISHED:
        raise ValidationError(_("任务未发布或已结束，不能报送"))
    if target.status not in OWING:
        raise ValidationError(_("已报送，等待审核或已通过，不能重复报送"))
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": _("报送内容不能超过 %(n)s 字") % {"n": MAX_TEXT}})
    materials = list(materials or ())
    foreign = [m for m in materials if m.site_id != target.site_id or m.deleted_at is not None]
    if foreign:
        raise ValidationError({"materials": _("只能关联本示范点现有的材料")})
    checked = check_uploads(files)
    if assignment.files_required and not checked:
        raise ValidationError({"files": _("本任务须上传附件")})
    if not text and not checked and not materials:
        raise ValidationError({"text": _("请填写报送内容或上传附件")})
    late = rules.is_late(now, assignment.due_at)
    answer = Answer(target=target, text=text, submitted_by=by, submitted_at=now, late=late)
    answer.full_clean()
    answer.save()
    if materials:
        answer.materials.set(materials)
    attach(owner=answer, checked=checked, by=by)
    before = target.status
    target.status = AnswerStatus.SUBMITTED
    target.first_submitted_at = target.first_submitted_at or now
    target.submitted_at = now
    target.late = target.late or late
    target.full_clean()
    target.save()
    owing_refresh(site_ids=[target.site_id])
    audit_record(
        actor=by,
        action="answer_submit",
        target=target,
        changes={"status": [before, AnswerStatus.SUBMITTED], "late": [None, late], "files": [None, len(checked)]},
    )
    title = _("“%(site)s”报送了工作任务“%(task)s”，请审核") % {"site": target.site.name, "task": assignment.title}
    url = reverse("supervision:target_detail", args=[target.pk])
    for user in reviewers_of(target.site):
        notify(recipient=user, actor=by, title=title, body=text[:500], url=url, kind="assignment_answer")
    return answer


def _decide(target: AssignmentSite, by, now) -> tuple[AssignmentSite, Answer]:
    target = _lock_target(target)
    if not may_review_answer(by, target.site):
        raise ValidationError(_("只有工作人员或本示范点的联络员可以审核"))
    if target.status != AnswerStatus.SUBMITTED:
        raise ValidationError(_("没有待审核的报送"))
    answer = target.answers.order_by("-submitted_at", "-id").first()
    return target, answer


def _tell_site(target: AssignmentSite, by, title: str, body: str) -> None:
    url = reverse("supervision:target_detail", args=[target.pk])
    for user in site_people([target.site_id]).get(target.site_id, []):
        notify(recipient=user, actor=by, title=title, body=body, url=url, kind="assignment_review")


@transaction.atomic
def answer_accept(*, target: AssignmentSite, by, now=None) -> AssignmentSite:
    """The reviewer accepts the site's latest answer: the task is done for that site."""
    now = now or timezone.now()
    target, answer = _decide(target, by, now)
    if answer is not None:
        answer.decision, answer.decided_by, answer.decided_at = AnswerDecision.ACCEPTED, by, now
        answer.save(update_fields=["decision", "decided_by", "decided_at"])
    target.status = AnswerStatus.ACCEPTED
    target.reviewed_at, target.reviewed_by, target.return_reason = now, by, ""
    target.full_clean()
    target.save()
    owing_refresh(site_ids=[target.site_id])
    audit_record(
        actor=by, action="answer_accept", target=target, changes={"status": [AnswerStatus.SUBMITTED, target.status]}
    )
    _tell_site(
        target,
        by,
        _("工作任务“%(task)s”的报送已通过") % {"task": target.assignment.title},
        _("示范点：%(site)s") % {"site": target.site.name},
    )
    return target


@transaction.atomic
def answer_return(*, target: AssignmentSite, by, reason: str, now=None) -> AssignmentSite:
    """The reviewer returns the latest answer with the reason; the site answers again (its answer stays on
    record)."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明退回原因")})
    target, answer = _decide(target, by, now)
    if answer is not None:
        answer.decision, answer.decided_by, answer.decided_at, answer.reason = (
            AnswerDecision.RETURNED,
            by,
            now,
            reason,
        )
        answer.save(update_fields=["decision", "decided_by", "decided_at", "reason"])
    target.status = AnswerStatus.RETURNED
    target.reviewed_at, target.reviewed_by, target.return_reason = now, by, reason
    target.full_clean()
    target.save()
    owing_refresh(site_ids=[target.site_id])
    audit_record(
        actor=by,
        action="answer_return",
        target=target,
        changes={"status": [AnswerStatus.SUBMITTED, target.status]},
        reason=reason,
    )
    _tell_site(
        target, by, _("工作任务“%(task)s”的报送被退回，请修改后重新报送") % {"task": target.assignment.title}, reason
    )
    return target


def _fill_districts(assignment) -> None:
    """The new standings' districts (supervision.districts), in one UPDATE of the task's rows that have none."""
    assignment.targets.filter(district__isnull=True).update(district_id=district_of_site())
