"""Each site's owing signature (SiteOwing), recomputed from the standings and items themselves for the sites a
change touched, in the transaction of that change: the services that publish a task, take or review an answer,
and raise, close, cancel or reopen a rectification item call owing_refresh with the sites concerned.
tests/supervision/test_board_owing.py checks the stored signatures against a recomputation after each."""

from collections import defaultdict

from django.db import transaction
from django.db.models import QuerySet

from .choices import OWING, AssignmentStatus, RectificationStatus

# Rectification items still to be put right: board.OPEN_RECTIFICATION (board sits above this module).
OPEN_ITEMS = (RectificationStatus.OPEN, RectificationStatus.SUBMITTED)
NO_DUE_DAY = "none"


def signatures(site_ids=None, *, models=None) -> dict[int, str]:
    """{site id: signature} of the sites that owe something, among `site_ids` (None: every site). `models`: the
    (AssignmentSite, Rectification) classes to read (a migration passes its historical ones)."""
    if models is None:
        from .models import AssignmentSite, Rectification

        models = (AssignmentSite, Rectification)
    standings, items = models
    standings = standings.objects.filter(status__in=OWING).exclude(assignment__status=AssignmentStatus.DRAFT)
    items = items.objects.filter(status__in=OPEN_ITEMS)
    if site_ids is not None:
        standings, items = standings.filter(site_id__in=site_ids), items.filter(site_id__in=site_ids)
    tasks: dict[int, list[int]] = defaultdict(list)
    for site_id, assignment_id in standings.order_by().values_list("site_id", "assignment_id").iterator(10_000):
        tasks[site_id].append(assignment_id)
    days: dict[int, list[str]] = defaultdict(list)
    for site_id, due_on in items.order_by().values_list("site_id", "due_on").iterator(10_000):
        days[site_id].append(due_on.isoformat() if due_on else NO_DUE_DAY)
    return {
        site_id: signature_of(tasks.get(site_id, ()), days.get(site_id, ())) for site_id in tasks.keys() | days.keys()
    }


def signature_of(task_ids, due_days) -> str:
    return ",".join(str(pk) for pk in sorted(task_ids)) + "|" + ",".join(sorted(due_days))


def parse(signature: str) -> tuple[list[int], list[str]]:
    """(task ids, due days) of a signature."""
    tasks, _bar, days = signature.partition("|")
    return [int(pk) for pk in tasks.split(",") if pk], [day for day in days.split(",") if day]


def owing_refresh(*, site_ids=None) -> None:
    """Recompute the signatures of `site_ids` (ids, or a queryset of them as a subquery — a task's hundred
    thousand sites are not sent as a list; None: every site): rows of sites that owe nothing go.

    The sites are locked first, in id order: two changes to one site's obligations (two answers sent at once)
    then refresh one after the other, the second reading what the first committed — without the lock each
    would read the other's state from before, and the second insert would collide with the first."""
    from sites.models import Site

    from .models import SiteOwing

    if site_ids is not None and not isinstance(site_ids, QuerySet):
        site_ids = list(site_ids)
    with transaction.atomic():  # the callers' own transaction, or one of its own (a bulk load)
        locked = Site.objects.select_for_update().order_by("pk")
        list((locked if site_ids is None else locked.filter(pk__in=site_ids)).values_list("pk", flat=True))
        found = signatures(site_ids)
        rows = SiteOwing.objects.all() if site_ids is None else SiteOwing.objects.filter(site_id__in=site_ids)
        rows.delete()
        SiteOwing.objects.bulk_create(
            [SiteOwing(site_id=pk, signature=signature) for pk, signature in found.items()], batch_size=5000
        )
