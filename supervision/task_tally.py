"""Each published task's standings counted (TaskTally: sent to, answered, answered on time), kept exact so that
the staff home page's year figures read a few dozen rows instead of counting 400,000 standings per view.

How it stays exact:
- publication stores the task's standings in bulk and then counts them (`recount`), under the task's lock;
- afterwards every standing saved or deleted through the ORM (an answer, a site deleted with its standings)
  moves its task's numbers by that standing's own change (`standing_saved`, `standing_deleted`: receivers
  connected in SupervisionConfig.ready), with F() expressions, so two answers at once both count;
- code that writes standings past the ORM's signals (bulk_create, queryset.update, COPY in the bench) calls
  `recount` for the tasks it touched.
tests/supervision/test_task_tally.py compares the kept numbers with a fresh count after each kind of change."""

from django.db.models import Count, F, Q, QuerySet

# What one standing adds to its task's numbers beyond `targets`: (answered, on time).
Marks = tuple[int, int]


def marks_of(first_submitted_at, late: bool) -> Marks:
    answered = first_submitted_at is not None
    return int(answered), int(answered and not late)


def per_task(standings: QuerySet) -> QuerySet:
    """(task id, standings, answered, answered on time) per task of `standings`, in one grouping. Counted over a
    column of the (assignment, late, first_submitted_at) index, not the id, so the table is never read."""
    answered = Q(first_submitted_at__isnull=False)
    return (
        standings.order_by()
        .values("assignment_id")
        .annotate(
            targets=Count("assignment"),
            answered=Count("assignment", filter=answered),
            on_time=Count("assignment", filter=answered & Q(late=False)),
        )
        .values_list("assignment_id", "targets", "answered", "on_time")
    )


def recount(assignment_ids, *, models=None) -> None:
    """Count the standings of `assignment_ids` (a list, or a queryset of ids) afresh and store the numbers
    (an upsert: tasks without a tally get one). `models`: (AssignmentSite, TaskTally), for a migration."""
    if models is None:
        from .models import AssignmentSite, TaskTally

        models = (AssignmentSite, TaskTally)
    standings, tallies = models
    counted = {
        pk: (targets, answered, on_time)
        for pk, targets, answered, on_time in per_task(standings.objects.filter(assignment_id__in=assignment_ids))
    }
    ids = assignment_ids if isinstance(assignment_ids, list) else list(assignment_ids)
    tallies.objects.bulk_create(
        [
            tallies(assignment_id=pk, targets=n[0], answered=n[1], on_time=n[2])
            for pk in ids
            for n in [counted.get(pk, (0, 0, 0))]
        ],
        update_conflicts=True,
        unique_fields=["assignment"],
        update_fields=["targets", "answered", "on_time"],
    )


def _move(assignment_id: int, targets: int, answered: int, on_time: int, *, or_count: bool = True) -> None:
    """Move a task's numbers; a task without a tally yet (standings written before it was published or counted)
    is counted whole when `or_count` (never while deleting: the task itself may be going)."""
    from .models import TaskTally

    if not (targets or answered or on_time):
        return
    moved = TaskTally.objects.filter(pk=assignment_id).update(
        targets=F("targets") + targets, answered=F("answered") + answered, on_time=F("on_time") + on_time
    )
    if not moved and or_count:
        recount([assignment_id])


def standing_loaded(standing) -> None:
    """Remember what a standing read from the database counts for, to move its task's numbers by the difference
    when it is saved (AssignmentSite.from_db calls this)."""
    standing._tally_marks = marks_of(standing.first_submitted_at, standing.late)


def standing_saved(sender, instance, created, raw=False, **kwargs) -> None:
    """post_save of AssignmentSite."""
    if raw:  # loaddata: the fixture's tallies come with it
        return
    after = marks_of(instance.first_submitted_at, instance.late)
    before = getattr(instance, "_tally_marks", None)
    if created:
        _move(instance.assignment_id, 1, *after)
    elif before is None:  # saved without having been read: what it counted for before is unknown
        recount([instance.assignment_id])
    else:
        _move(instance.assignment_id, 0, after[0] - before[0], after[1] - before[1])
    instance._tally_marks = after


def standing_deleted(sender, instance, **kwargs) -> None:
    """post_delete of AssignmentSite (its own, or its site's or task's cascade)."""
    answered, on_time = marks_of(instance.first_submitted_at, instance.late)
    _move(instance.assignment_id, -1, -answered, -on_time, or_count=False)
