"""A round's on-site sheets counted by status, kept between changes.

The rounds list, the round page and its progress page show how many sheets are in each state. At a country's
scale that is a count over 500,000 sheets on every view. The counts are kept on the round's ResultsState with the
`inputs_version` they were counted at: every save or delete of a sheet, and every bulk write of sheets, moves that
version (signals.py, result_store.inputs_changed), so counts whose version is still the current one are exact.
The version is read before the sheets are counted, so a change that lands meanwhile leaves them marked old."""

from django.db.models import Count

from .choices import SheetKind, SheetStatus
from .models import ResultsState, ScoreSheet


def round_sheet_counts(round_ids) -> dict[int, dict[str, int]]:
    """Round id → {status: on-site sheets in it} (every status, 0 where none) for each of `round_ids`: one query
    when all are kept and current; else three, however many are old: the old ones are counted together in one
    grouped query and kept in one statement."""
    round_ids = list(dict.fromkeys(round_ids))
    if not round_ids:
        return {}
    states = {state.round_id: state for state in ResultsState.objects.filter(round_id__in=round_ids)}
    # A round without a state yet counts as old, at version 0: one created or moved on meanwhile makes these
    # counts old, never wrong.
    stale = [
        states.get(round_id) or ResultsState(round_id=round_id)
        for round_id in round_ids
        if round_id not in states
        or states[round_id].sheet_counts_version is None
        or states[round_id].sheet_counts_version != states[round_id].inputs_version
    ]
    if stale:
        found: dict[int, dict[str, int]] = {state.round_id: {} for state in stale}
        for round_id, status, n in (
            ScoreSheet.objects.filter(entry__round__in=list(found), kind=SheetKind.ONSITE)
            .order_by()
            .values_list("entry__round", "status")
            .annotate(n=Count("id"))
        ):
            found[round_id][status] = n
        for state in stale:
            state.sheet_counts, state.sheet_counts_version = found[state.round_id], state.inputs_version
            states[state.round_id] = state
        # One statement whether the states exist or not; an existing one keeps its inputs_version.
        ResultsState.objects.bulk_create(
            stale,
            update_conflicts=True,
            unique_fields=["round"],
            update_fields=["sheet_counts", "sheet_counts_version"],
        )
    return {
        round_id: {status: int(states[round_id].sheet_counts.get(status, 0)) for status in SheetStatus.values}
        for round_id in round_ids
    }
