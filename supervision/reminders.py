"""The reminder ladder (催办提醒), sent exactly once per step and site.

`reminders_send` is what the periodic job runs every few minutes (supervision.tasks.send_reminders): for every
published task and every site that still owes an answer it works out, from the due time as it stands now
(rules.reminder_steps), which step is due and not yet sent, and delivers it. Delivery is one transaction: insert
the Reminder row keyed (assignment, site, step), then leave the in-app notices (whose e-mail copies go out from
core's queue after commit). The unique key decides every race: a second beat, a retried or restarted job that
reaches the same step blocks on the first one's insert and, once it commits, finds the step taken and sends
nothing. A job that was down catches up on its next run, sending each site only the latest step it missed.
"""

import datetime
import logging
import zoneinfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.services import notify

from . import rules
from .choices import OWING, AssignmentStatus
from .models import Assignment, AssignmentSite, Reminder
from .selectors import site_people

logger = logging.getLogger(__name__)

KIND = "assignment_reminder"


def local_zone():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def steps_of(assignment: Assignment, until):
    return rules.reminder_steps(
        published_at=assignment.published_at,
        due_at=assignment.due_at,
        days_before=[int(days) for days in assignment.reminder_days_before or []],
        overdue_every_days=assignment.overdue_every_days,
        until=until,
        tz=local_zone(),
    )


def _message(assignment: Assignment, step: rules.Step, site_name: str, now) -> tuple[str, str]:
    due = date_format(timezone.localtime(assignment.due_at), "Y年n月j日 H:i")
    days_left = rules.days_to_due(assignment.due_at, now, local_zone())
    if step.kind == "published":
        title = _("新工作任务：“%(task)s”，请于 %(due)s 前报送") % {"task": assignment.title, "due": due}
    elif now > assignment.due_at:
        title = _("工作任务“%(task)s”已逾期（截止 %(due)s），请尽快报送") % {"task": assignment.title, "due": due}
    elif days_left > 0:
        # Counted when it goes out, not from the step's name: a step sent late (the job was down) or recomputed
        # after the due date moved would otherwise tell the wrong number of days.
        title = _("工作任务“%(task)s”还有 %(days)s 天截止（%(due)s）") % {
            "task": assignment.title,
            "days": days_left,
            "due": due,
        }
    else:
        title = _("工作任务“%(task)s”今天截止（%(due)s），请及时报送") % {"task": assignment.title, "due": due}
    body = _("示范点：%(site)s") % {"site": site_name}
    return title, body


def _deliver(assignment: Assignment, target: AssignmentSite, step: rules.Step, skipped, people, now) -> bool:
    """Record and send one step to one site; False when another run already did (the unique key), or when
    sending failed (then nothing of it stays: the next run tries again)."""
    try:
        with transaction.atomic():
            Reminder.objects.create(
                assignment=assignment,
                site_id=target.site_id,
                step=step.key,
                scheduled_at=step.at,
                recipients=len(people),
            )
            if skipped:
                Reminder.objects.bulk_create(
                    [
                        Reminder(
                            assignment=assignment,
                            site_id=target.site_id,
                            step=missed.key,
                            scheduled_at=missed.at,
                            skipped=True,
                        )
                        for missed in skipped
                    ],
                    ignore_conflicts=True,
                )
            title, body = _message(assignment, step, target.site.name, now)
            url = reverse("supervision:target_detail", args=[target.pk])
            for user in people:
                notify(recipient=user, title=title, body=body, url=url, kind=KIND)
    except IntegrityError:
        return False
    except Exception:
        # One site's failure (a broken address, a bug in a hook) must not starve the others of their reminders;
        # its transaction rolled back, so the step is still unsent and the next run sends it.
        logger.exception("reminder %s of task %s to site %s failed", step.key, assignment.pk, target.site_id)
        return False
    return True


def reminders_send(*, now=None, assignment_ids=None) -> int:
    """Send every reminder due by `now` (default: now) that has not gone out; returns how many steps were sent.
    Safe to run concurrently and repeatedly."""
    now = now or timezone.now()
    tasks = Assignment.objects.filter(status=AssignmentStatus.PUBLISHED, published_at__isnull=False)
    if assignment_ids is not None:
        tasks = tasks.filter(pk__in=list(assignment_ids))
    sent_count = 0
    # A list, not a server-side cursor: every site's delivery commits on its own while we go through them.
    for assignment in list(tasks.order_by("pk")):
        steps = steps_of(assignment, now)
        owing = list(
            AssignmentSite.objects.filter(assignment=assignment, status__in=OWING)
            .select_related("site")
            .order_by("site_id")
        )
        if not owing:
            continue
        sent: dict[int, set[str]] = {}
        for site_id, key in Reminder.objects.filter(assignment=assignment).values_list("site_id", "step"):
            sent.setdefault(site_id, set()).add(key)
        due = []
        for target in owing:
            step, skipped = rules.steps_to_send(steps, sent.get(target.site_id, set()), now)
            if step is not None:
                due.append((target, step, skipped))
        if not due:
            continue
        people = site_people(target.site_id for target, _step, _skipped in due)
        for target, step, skipped in due:
            if _deliver(assignment, target, step, skipped, people.get(target.site_id, []), now):
                sent_count += 1
    if sent_count:
        logger.info("reminders sent: %s", sent_count)
    return sent_count


def next_reminder(assignment: Assignment, target: AssignmentSite | None = None, now=None):
    """The next step that will go out (for the task's page), or None."""
    now = now or timezone.now()
    if assignment.status != AssignmentStatus.PUBLISHED or assignment.published_at is None:
        return None
    far = max(now, assignment.due_at) + datetime.timedelta(days=assignment.overdue_every_days * 2)
    steps = steps_of(assignment, far)
    sent = set()
    if target is not None:
        sent = set(
            Reminder.objects.filter(assignment=assignment, site_id=target.site_id).values_list("step", flat=True)
        )
    return rules.next_step(steps, sent, now)
