"""A round's results kept as rows (RoundResult), so that the pages that show them read one page in SQL instead of
computing the whole round on every request: at a country's scale (100,000 sites, 30 million item scores) a round
takes seconds to compute, a page of stored rows a few milliseconds.

The rows are a cache of `results.round_results`, never a second source of truth:

- every write that changes an input adds one to the round's `ResultsState.inputs_version` (`inputs_changed`:
  called by the signals in signals.py for saves and deletes, and by the services' bulk writes, which send none);
- `current_state(round)` computes the round again and rewrites its rows when the stored version is not the
  inputs' version, then answers from the rows until the next change. The version is read before the inputs, so
  a change that lands while the round is being computed leaves the rows marked old, never a stale row marked
  current;
- publishing, finalizing and the ranking workbook still compute the round themselves (they record what they
  computed), and the tests compare the rows with a fresh computation after each kind of change.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from . import rules
from .choices import CLOSED_STATUSES
from .models import ResultsState, Round, RoundResult

BATCH = 2000


# --- invalidation -----------------------------------------------------------------------------------------------


def inputs_changed(**lookup) -> None:
    """Mark the stored results of the rounds matching `lookup` (ResultsState lookups: `round_id=…`,
    `round__entries__sheets=…`) as old. One UPDATE; nothing when no round has stored results yet."""
    ResultsState.objects.filter(**lookup).update(inputs_version=F("inputs_version") + 1)


# --- rows ⇄ results ------------------------------------------------------------------------------------------


def _vote(vote: rules.Vote) -> list:
    return [vote.code, vote.title, vote.is_veto, vote.absent, vote.sheets]


def as_row(result: rules.SiteResult, position: int, round_id: int, grade_order: dict) -> RoundResult:
    return RoundResult(
        round_id=round_id,
        entry_id=result.entry_id,
        site_id=result.site_id,
        position=position,
        domain=result.domain,
        stage=result.stage,
        sheet_count=result.sheet_count,
        mean=result.mean,
        median=result.median,
        onsite=result.onsite,
        ten_haves=result.ten_haves,
        disagreement=result.disagreement,
        disagreement_flag=result.disagreement_flag,
        deductions=result.deductions,
        bonus_raw=result.bonus_raw,
        bonus=result.bonus,
        final=result.final,
        passed=result.passed,
        grade=result.grade,
        grade_order=grade_order.get(result.grade, len(grade_order)),
        outcome=result.outcome,
        outcome_label=result.outcome_label,
        rank=result.rank,
        domain_rank=result.domain_rank,
        facts={
            "counted": list(result.counted),
            "dropped": list(result.dropped),
            "reasons": list(result.reasons),
            "veto_failed": [_vote(v) for v in result.veto_failed],
            "required_failed": [_vote(v) for v in result.required_failed],
            "region": result.region,
        },
    )


def _decimal(value):
    return None if value is None else Decimal(value)


def as_result(row: RoundResult, site_name: str) -> rules.SiteResult:
    """The stored row as the rules' SiteResult (the site's name is read live: it is shown, not computed)."""
    facts = row.facts or {}
    return rules.SiteResult(
        entry_id=row.entry_id,
        site_name=site_name,
        domain=row.domain,
        stage=row.stage,
        sheet_count=row.sheet_count,
        mean=_decimal(row.mean),
        median=_decimal(row.median),
        onsite=_decimal(row.onsite),
        counted=tuple(facts.get("counted", ())),
        dropped=tuple(facts.get("dropped", ())),
        ten_haves=row.ten_haves,
        disagreement=row.disagreement,
        disagreement_flag=row.disagreement_flag,
        deductions=row.deductions,
        bonus_raw=row.bonus_raw,
        bonus=row.bonus,
        final=_decimal(row.final),
        veto_failed=tuple(rules.Vote(*v) for v in facts.get("veto_failed", ())),
        required_failed=tuple(rules.Vote(*v) for v in facts.get("required_failed", ())),
        passed=row.passed,
        reasons=tuple(facts.get("reasons", ())),
        grade=row.grade,
        outcome=row.outcome,
        outcome_label=row.outcome_label,
        rank=row.rank,
        domain_rank=row.domain_rank,
        site_id=row.site_id,
        region=facts.get("region", ""),
    )


# --- keeping them current -----------------------------------------------------------------------------------


def current_state(round_: Round) -> ResultsState:
    """The round's ResultsState with its rows current: computed again first when an input changed since (one
    query when nothing changed). Only for a round whose scoring is over (its results exist)."""
    state, _created = ResultsState.objects.get_or_create(round_id=round_.pk)
    if state.current:
        return state
    return _store(round_.pk, state.inputs_version)


def _store(round_id: int, version: int) -> ResultsState:
    from .results import inputs_fingerprint, round_results

    # The round read again after the version: a policy saved since the page loaded it is in this computation.
    round_ = Round.objects.select_related("standard").get(pk=round_id)
    computed = round_results(round_)
    fingerprint = inputs_fingerprint(round_)
    order = {label: index for index, (label, _minimum) in enumerate(rules.Policy.of(_policy(round_)).grade_bands)}
    with transaction.atomic():
        state = ResultsState.objects.select_for_update().get(round_id=round_id)
        if state.stored_version is not None and state.stored_version >= version:
            return state  # another request stored this version (or a newer one) meanwhile
        RoundResult.objects.filter(round_id=round_id).delete()
        RoundResult.objects.bulk_create(
            (as_row(result, position, round_id, order) for position, result in enumerate(computed)),
            batch_size=BATCH,
        )
        state.stored_version = version
        state.fingerprint = fingerprint
        state.computed_at = timezone.now()
        state.save(update_fields=["stored_version", "fingerprint", "computed_at"])
    return state


def _policy(round_: Round) -> dict:
    from .models import POLICY_FIELDS

    return {name: getattr(round_, name) for name in POLICY_FIELDS}


# --- reading ------------------------------------------------------------------------------------------------


def rows(round_: Round):
    """The round's stored results (make them current first: current_state), in listing order, each with the
    site's name and region label read live (`site_name`, `region_label`)."""
    return RoundResult.objects.filter(round_id=round_.pk).annotate(
        site_name=F("site__name"), region_label=F("site__region__label")
    )


def all_results(round_: Round) -> list[rules.SiteResult]:
    """Every site's current result, in listing order: round_results without computing (after a change, once)."""
    if round_.status not in CLOSED_STATUSES:
        return []
    current_state(round_)
    return [as_result(row, row.site_name) for row in rows(round_).order_by("position")]


def result_at(round_: Round, entry_id: int) -> tuple[rules.SiteResult, int] | None:
    """One site's current result and its index in the listing order (the explanation, the site page)."""
    current_state(round_)
    row = rows(round_).filter(entry_id=entry_id).first()
    if row is None:
        return None
    return as_result(row, row.site_name), row.position


def counts(round_: Round) -> dict:
    """The whole round's tallies shown above the results list: sites, passed, failed, disagreement flags, unranked."""
    # Named apart from the columns they count (an aggregate may not share a field's name).
    figures = RoundResult.objects.filter(round_id=round_.pk).aggregate(
        n_total=Count("pk"),
        n_passed=Count("pk", filter=Q(passed=True)),
        n_failed=Count("pk", filter=Q(passed=False)),
        n_flagged=Count("pk", filter=Q(disagreement_flag=True)),
        n_unranked=Count("pk", filter=Q(rank__isnull=True)),
    )
    return {name.removeprefix("n_"): value for name, value in figures.items()}
