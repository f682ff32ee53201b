"""Pure rules of supervision: a site's standing on a task, late answers, the reminder ladder, the board's traffic
light and overdue rectification. No ORM: times come in as aware datetimes and the local day is Asia/Shanghai's
(settings.TIME_ZONE), passed in as `tz` so the rules stay testable for any zone."""

import datetime
from dataclasses import dataclass

from .choices import OWING, AnswerStatus, Light, RectificationStatus

# Reminders before the due day go out at this local hour (the start of a working day), never before publication.
REMINDER_HOUR = 8
# The board's yellow: due within this many days (and not yet answered).
YELLOW_DAYS = 3
# Each district should bring forward this many typical experiences a year (seed 003).
EXPERIENCES_PER_DISTRICT = 2


def is_late(submitted_at: datetime.datetime, due_at: datetime.datetime) -> bool:
    """An answer is late when it arrives after the due time; one at the very second is on time."""
    return submitted_at > due_at


def answer_status(stored: str, due_at: datetime.datetime, now: datetime.datetime) -> str:
    """What the board shows: the stored status, or `overdue` when the site still owes an answer past the due
    time (the due second itself is not yet overdue)."""
    if stored in OWING and now > due_at:
        return AnswerStatus.OVERDUE
    return stored


def local_day(moment: datetime.datetime, tz) -> datetime.date:
    return moment.astimezone(tz).date()


def days_to_due(due_at: datetime.datetime, now: datetime.datetime, tz) -> int:
    """Calendar days from today to the due day, local time: 0 on the due day, negative once past it."""
    return (local_day(due_at, tz) - local_day(now, tz)).days


def light(stored: str, due_at: datetime.datetime, now: datetime.datetime, tz) -> str:
    """Red when overdue, yellow when the answer is owed and the due day is within three days, green otherwise
    (answered, or time enough)."""
    status = answer_status(stored, due_at, now)
    if status == AnswerStatus.OVERDUE:
        return Light.RED
    if status in OWING and days_to_due(due_at, now, tz) <= YELLOW_DAYS:
        return Light.YELLOW
    return Light.GREEN


@dataclass(frozen=True, order=True)
class Step:
    """One rung of the reminder ladder: when it falls due, and its key in the Reminder table."""

    at: datetime.datetime
    key: str
    kind: str  # "published", "before" (days > 0), "due" (the due day) or "overdue"
    days: int = 0  # days before the due day, or the overdue week's number


def _stamp(due_at: datetime.datetime, tz) -> str:
    return due_at.astimezone(tz).strftime("%Y%m%d%H%M")


def reminder_steps(
    *,
    published_at: datetime.datetime,
    due_at: datetime.datetime,
    days_before: list[int],
    overdue_every_days: int,
    until: datetime.datetime,
    tz,
) -> list[Step]:
    """Every step of a task's ladder that falls due by `until`, in time order.

    - "published": at publication.
    - one step per entry of `days_before` (0 is the due day): at 08:00 local time on that day. A step that would
      fall at or before publication is dropped (the publication notice already told them), and so is one that
      would fall at or after the due time (a task due at 07:00 has no due-day reminder at 08:00).
    - "overdue": every `overdue_every_days` days after the due time, while overdue (none at or before publication).

    Keys of the before/due/overdue steps carry the due time they were computed from, so a changed due date
    gives fresh steps and the ones already sent stay sent."""
    stamp = _stamp(due_at, tz)
    steps = [Step(at=published_at, key="published", kind="published")]
    due_day = local_day(due_at, tz)
    for days in sorted(set(days_before), reverse=True):
        if days < 0:
            continue
        day = due_day - datetime.timedelta(days=days)
        at = datetime.datetime.combine(day, datetime.time(REMINDER_HOUR), tzinfo=tz)
        if at <= published_at or at >= due_at:
            continue
        kind = "due" if days == 0 else "before"
        steps.append(Step(at=at, key=f"{kind}-{days}@{stamp}", kind=kind, days=days))
    every = datetime.timedelta(days=max(1, overdue_every_days))
    week = 1
    while due_at + every * week <= until:
        steps.append(Step(at=due_at + every * week, key=f"overdue-{week}@{stamp}", kind="overdue", days=week))
        week += 1
    # A task published after its due time (or long after) does not also remind of what fell before publication.
    return sorted(step for step in steps if step.at <= until and (step.kind == "published" or step.at > published_at))


def steps_to_send(steps: list[Step], sent: set[str], now: datetime.datetime) -> tuple[Step | None, list[Step]]:
    """Of the steps due by `now` and not yet sent: the one to send (the latest) and the ones to skip.

    After the job was down for days, a site is told once what stands now ("overdue"), not a burst of every
    reminder it missed; the missed ones are recorded as skipped so they never go out later either."""
    due = [step for step in steps if step.at <= now and step.key not in sent]
    if not due:
        return None, []
    due.sort()
    return due[-1], due[:-1]


def next_step(steps: list[Step], sent: set[str], now: datetime.datetime) -> Step | None:
    """The next reminder that will go out after `now` (shown on the task's page)."""
    later = [step for step in steps if step.at > now and step.key not in sent]
    return min(later) if later else None


def rectification_overdue(*, status: str, due_on: datetime.date | None, today: datetime.date) -> bool:
    """Overdue now: still open (or reported but not yet accepted) past its deadline."""
    if due_on is None or status in (RectificationStatus.CLOSED, RectificationStatus.CANCELLED):
        return False
    return today > due_on


def rectification_was_late(
    *, status: str, due_on: datetime.date | None, today: datetime.date, closed_on: datetime.date | None
) -> bool:
    """For the year's deduction: the item was not put right by its deadline — it is overdue now, or it was
    accepted after the deadline. A cancelled item never counts."""
    if due_on is None or status == RectificationStatus.CANCELLED:
        return False
    if status == RectificationStatus.CLOSED:
        return closed_on is not None and closed_on > due_on
    return today > due_on


def experience_shortfall(count: int, target: int = EXPERIENCES_PER_DISTRICT) -> int:
    """How many more experiences a district owes this year (0 once it met the target)."""
    return max(0, target - count)
