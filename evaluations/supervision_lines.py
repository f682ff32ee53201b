"""The automatic deduction and bonus lines of a round, derived from supervision records (DOMAIN.md §5, §7).

Evaluations sits above supervision: it reads supervision's records, supervision never reads rounds. A round's
policy says what each kind of record costs or earns; `derive_lines` turns the year's records into lines, and
`round_sync_supervision` hands them to `adjustments.adjustments_sync`, which adds what is new, updates what
changed (a policy amount, a record's wording), withdraws what no longer applies (a revoked notice, an experience
no longer promoted), never revives a line a person withdrew and never touches manual lines. Every change is
audited there.

Which records belong to a round: those of the round's year (`Round.year`), by one date per kind —

- notice of criticism (通报批评): the day it was issued (`Notice.issued_on`); revoked notices never count. A notice
  against a unit (a Party organization) counts against every site of that organization in the round, one
  naming a site against that site only (its organization, if also named, only says whose site it is); one line
  per notice per site either way.
- late answer (逾期报送): the task's due time (`Assignment.due_at`), as a local (Asia/Shanghai) date. A site's
  standing counts when it answered after the due time (`AssignmentSite.late`), or still owes an answer (pending,
  or returned and not sent again) now that the due time has passed. Draft tasks have no sites' standings that
  count; a closed task's lateness stands.
- overdue rectification (逾期未整改): the item's deadline (`Rectification.due_on`); it counts when it was not put
  right by then (`supervision.rules.rectification_was_late`: still open past the deadline, or accepted after
  it, as a local date). Cancelled items never count.
- promoted experience (典型经验推广): the experience's year (`Experience.year`), status promoted; each site it
  involves earns the bonus (the round's bonus cap is applied by the results rules, not here).

A policy amount of 0 gives no line of that kind.

When lines are synced: on staff's request (the button on the round's deduction page), at the start of every
publication (`publication.round_publish`, so what is published includes the current supervision facts), and every
night for rounds being scored or scored (`tasks.sync_supervision_lines`). Once published, the nightly job leaves a
round alone: a change to published results then goes only through staff action (the button, or publishing again),
so that the published list never drifts overnight without a person deciding it.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from sites.selectors import sites_visible_to
from supervision import rules as supervision_rules
from supervision.choices import OWING, AnswerStatus, AssignmentStatus, ExperienceStatus, RectificationStatus
from supervision.models import AssignmentSite, Experience, Notice, Rectification

from . import adjustments
from .choices import AdjustmentKind, AdjustmentSource, RoundStatus
from .models import Round, RoundSite

REASON_EXCERPT = 60  # characters of a notice's reason quoted in its line
# The rounds the nightly job keeps in line with supervision records (published ones only through staff action).
NIGHTLY_STATUSES = (RoundStatus.SCORING, RoundStatus.SCORED)


def _year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The local year as aware datetimes [1 January, 1 January of the next year)."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=tz)
    return start, datetime.datetime(year + 1, 1, 1, tzinfo=tz)


def _local(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(moment).date() if moment is not None else None


def _stamp(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _points(value) -> Decimal:
    return Decimal(str(value or 0))


def _line(entry, kind, source, record, points, reason) -> dict:
    return {
        "entry": entry,
        "kind": kind,
        "source": source,
        "source_object": record,
        "points": points,
        "reason": reason,
    }


# --- the reasons ------------------------------------------------------------------------------------------


def criticism_reason(notice: Notice) -> str:
    what = Truncator(" ".join(notice.reason.split())).chars(REASON_EXCERPT)
    where = f"{notice.issued_on:%Y-%m-%d}"
    if notice.number:
        where = _("文号 %(number)s，%(date)s") % {"number": notice.number, "date": where}
    if notice.site_id is None and notice.organization_id is not None:
        where += _("，被通报单位：%(unit)s") % {"unit": notice.organization.name}
    return _("通报批评（%(where)s）：%(what)s") % {"where": where, "what": what}


def late_answer_reason(target: AssignmentSite) -> str:
    title, due = target.assignment.title, _stamp(target.assignment.due_at)
    if target.late:
        answered = target.first_submitted_at or target.submitted_at
        return _("逾期报送：“%(title)s”（截止 %(due)s，%(answered)s 报送）") % {
            "title": title,
            "due": due,
            "answered": _stamp(answered) if answered else "—",
        }
    if target.status == AnswerStatus.RETURNED:
        return _("逾期报送：“%(title)s”（截止 %(due)s，退回后至今未重新报送）") % {"title": title, "due": due}
    return _("逾期报送：“%(title)s”（截止 %(due)s，至今未报送）") % {"title": title, "due": due}


def rectification_reason(item: Rectification) -> str:
    closed = _local(item.closed_at)
    if item.status == RectificationStatus.CLOSED and closed is not None:
        state = _("%(date)s 完成整改") % {"date": f"{closed:%Y-%m-%d}"}
    else:
        state = _("逾期尚未完成整改")
    return _("逾期未整改：“%(title)s”（整改期限 %(due)s，%(state)s）") % {
        "title": item.title,
        "due": f"{item.due_on:%Y-%m-%d}",
        "state": state,
    }


def experience_reason(experience: Experience) -> str:
    return _("典型经验推广：“%(title)s”（%(year)s 年度）") % {"title": experience.title, "year": experience.year}


# --- deriving --------------------------------------------------------------------------------------------


def derive_lines(round_: Round, *, now: datetime.datetime | None = None) -> list[dict]:
    """The automatic lines every site of `round_` should carry now, by its policy (see the module's docstring
    for what counts and by which date). A fixed number of queries whatever the size of the round: one for the
    round's sites and one per kind of record."""
    now = now or timezone.now()
    today = _local(now)
    start, end = _year_bounds(round_.year)
    entries = list(RoundSite.objects.filter(round=round_).select_related("site"))
    by_site = {entry.site_id: entry for entry in entries}
    by_organization = defaultdict(list)
    for entry in entries:
        by_organization[entry.site.organization_id].append(entry)
    site_ids = list(by_site)
    lines: list[dict] = []

    points = _points(round_.deduction_criticism)
    if points > 0 and entries:
        notices = (
            Notice.objects.filter(issued_on__year=round_.year, revoked_at__isnull=True)
            .filter(Q(site_id__in=site_ids) | Q(site__isnull=True, organization_id__in=list(by_organization)))
            .select_related("organization")
            .order_by("issued_on", "id")
        )
        for notice in notices:
            if notice.site_id is not None:
                hit = [by_site[notice.site_id]] if notice.site_id in by_site else []
            else:
                hit = by_organization.get(notice.organization_id, [])
            reason = criticism_reason(notice)
            for entry in hit:
                lines.append(_line(entry, AdjustmentKind.DEDUCTION, AdjustmentSource.CRITICISM, notice, points, reason))

    points = _points(round_.deduction_late_answer)
    if points > 0 and entries:
        targets = (
            AssignmentSite.objects.filter(
                site_id__in=site_ids, assignment__due_at__gte=start, assignment__due_at__lt=end
            )
            .exclude(assignment__status=AssignmentStatus.DRAFT)
            .filter(Q(late=True) | Q(status__in=OWING, assignment__due_at__lt=now))
            .select_related("assignment")
            .order_by("assignment__due_at", "id")
        )
        for target in targets:
            owing = supervision_rules.answer_status(target.status, target.assignment.due_at, now)
            if not target.late and owing != AnswerStatus.OVERDUE:
                continue
            lines.append(
                _line(
                    by_site[target.site_id],
                    AdjustmentKind.DEDUCTION,
                    AdjustmentSource.LATE_ANSWER,
                    target,
                    points,
                    late_answer_reason(target),
                )
            )

    points = _points(round_.deduction_overdue_rectification)
    if points > 0 and entries:
        items = (
            Rectification.objects.filter(site_id__in=site_ids, due_on__year=round_.year)
            .exclude(status=RectificationStatus.CANCELLED)
            .order_by("due_on", "id")
        )
        for item in items:
            if supervision_rules.rectification_was_late(
                status=item.status, due_on=item.due_on, today=today, closed_on=_local(item.closed_at)
            ):
                lines.append(
                    _line(
                        by_site[item.site_id],
                        AdjustmentKind.DEDUCTION,
                        AdjustmentSource.OVERDUE_RECTIFICATION,
                        item,
                        points,
                        rectification_reason(item),
                    )
                )

    points = _points(round_.bonus_experience)
    if points > 0 and entries:
        involved = Experience.sites.through.objects.filter(
            site_id__in=site_ids, experience__year=round_.year, experience__status=ExperienceStatus.PROMOTED
        ).select_related("experience")
        for link in involved.order_by("experience_id", "site_id"):
            lines.append(
                _line(
                    by_site[link.site_id],
                    AdjustmentKind.BONUS,
                    AdjustmentSource.EXPERIENCE,
                    link.experience,
                    points,
                    experience_reason(link.experience),
                )
            )
    return lines


def round_sync_supervision(round_: Round, by) -> adjustments.Synced:
    """Bring the round's automatic lines in line with the supervision records (see the module's docstring).

    Only while the round's lines may change (adjustments.round_problem: scoring, scored or published — never once
    finalized); `by` is the staff member who asked, or None for the system. Raises ValidationError otherwise."""
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round_.pk)
        problem = adjustments.round_problem(locked)
        if problem:
            raise ValidationError(problem)
        return adjustments.adjustments_sync(target=locked, by=by, lines=derive_lines(locked))


def sync_open_rounds() -> dict[int, tuple[int, int, int]]:
    """The nightly job: every round being scored or scored, each in its own transaction (one failing leaves the
    others synced). Round id → (added, updated, withdrawn)."""
    done = {}
    for round_ in Round.objects.filter(status__in=NIGHTLY_STATUSES).order_by("id"):
        try:
            synced = round_sync_supervision(round_, by=None)
        except ValidationError:  # finalized meanwhile: its lines are frozen
            continue
        done[round_.pk] = (len(synced.added), len(synced.updated), len(synced.withdrawn))
    return done


# --- links to the source records -------------------------------------------------------------------------


def _visible(model, user, ids):
    """The records of `model` among `ids` that `user` may open: supervision's own scope selectors where they
    exist, otherwise through the sites the record is about (sites.selectors.sites_visible_to)."""
    from supervision import selectors

    records = model.objects.filter(pk__in=ids)
    if model is AssignmentSite:
        return selectors.targets_visible_to(user).filter(pk__in=ids)
    if model is Rectification:
        return selectors.rectifications_visible_to(user).filter(pk__in=ids)
    if model is Notice:
        scoped = getattr(selectors, "notices_visible_to", None)
        if scoped is not None:
            return scoped(user).filter(pk__in=ids)
        sites = sites_visible_to(user)
        return records.filter(Q(site__in=sites) | Q(organization__sites__in=sites)).distinct()
    if model is Experience:
        scoped = getattr(selectors, "experiences_visible_to", None)
        if scoped is not None:
            return scoped(user).filter(pk__in=ids)
        return records.filter(sites__in=sites_visible_to(user)).distinct()
    return model.objects.none()


def source_links(user, lines) -> dict[int, str]:
    """Line id → the address of the supervision record an automatic line comes from, for the lines whose record
    `user` may open (others get no link). One query per kind of record among `lines`, none when all are manual."""
    wanted = defaultdict(set)
    for line in lines:
        if line.source != AdjustmentSource.MANUAL and line.source_type_id and line.source_id:
            wanted[line.source_type_id].add(line.source_id)
    urls: dict[tuple[int, int], str] = {}
    for type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None:
            continue
        for record in _visible(model, user, ids):
            try:
                urls[(type_id, record.pk)] = record.get_absolute_url()
            except (NoReverseMatch, AttributeError):  # the record's page is not there (yet)
                continue
    return {
        line.pk: urls[(line.source_type_id, line.source_id)]
        for line in lines
        if (line.source_type_id, line.source_id) in urls
    }


def with_source_links(user, lines) -> list:
    """`lines` with `source_url` set on each (None: no link for this viewer)."""
    lines = list(lines)
    links = source_links(user, lines)
    for line in lines:
        line.source_url = links.get(line.pk)
    return lines
