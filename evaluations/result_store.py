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

import json
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from . import rules
from .choices import CLOSED_STATUSES
from .models import ResultsState, Round, RoundResult

BATCH = 2000
logger = logging.getLogger(__name__)


# --- invalidation -----------------------------------------------------------------------------------------------


def inputs_changed(*, refresh: bool = True, **lookup) -> None:
    """Mark the stored results of the rounds matching `lookup` (ResultsState lookups: `round_id=…`,
    `round__entries__sheets=…`) as old. One UPDATE; nothing when no round has stored results yet. Once the change
    is committed, large rounds are recomputed in the background (`refresh_when_committed`) unless `refresh` is
    false: a change that cannot move a result (a sheet being filled in counts in none), made many times a minute
    by autosave, must not set a worker recomputing a country's round each time."""
    if ResultsState.objects.filter(**lookup).update(inputs_version=F("inputs_version") + 1) and refresh:
        refresh_when_committed(**lookup)


def refresh_when_committed(**lookup) -> None:
    transaction.on_commit(lambda: refresh_soon(**lookup), robust=True)


def refresh_soon(**lookup) -> list[int]:
    """Queue a background recomputation (tasks.refresh_results) of the rounds matching `lookup` whose stored
    results are old and count at least settings.RESULTS_REFRESH_FROM sites; returns their ids. A 100,000-site
    round takes about 11 seconds to store: done by a worker right after the change, the next page view finds it
    current instead of computing it while the user waits. Smaller rounds, and rounds being scored (which store
    nothing), are left to the next page view. One query."""
    from django.conf import settings

    rounds = list(
        ResultsState.objects.filter(
            **lookup, stored_version__isnull=False, counts__total__gte=settings.RESULTS_REFRESH_FROM
        )
        .exclude(stored_version=F("inputs_version"))
        .values_list("round_id", flat=True)
        .distinct()
    )
    for round_id in rounds:
        queue_refresh(round_id)
    return rounds


def queue_refresh(round_id: int) -> bool:
    """Queue tasks.refresh_results for a round. Never raises: with the broker down the next page view computes
    the round, as for a small one."""
    from .tasks import refresh_results

    try:
        refresh_results.delay(round_id)
    except Exception:  # the broker is down (kombu.exceptions.OperationalError) or refuses
        logger.warning("could not queue the refresh of round %s's results; the next page view computes them", round_id)
        return False
    return True


def refresh(round_id: int) -> bool:
    """Bring a scored round's stored results up to date unless they are current (tasks.refresh_results); whether
    it stored anything."""
    round_ = Round.objects.filter(pk=round_id, status__in=CLOSED_STATUSES).first()
    if round_ is None:
        return False
    state = ResultsState.objects.filter(round_id=round_id).first()
    if state is not None and state.current:
        return False  # another job or a page view stored it meanwhile
    current_state(round_)
    return True


# --- rows ⇄ results ------------------------------------------------------------------------------------------


def _vote(vote: rules.Vote) -> list:
    return [vote.code, vote.title, vote.is_veto, vote.absent, vote.sheets]


def as_row(
    result: rules.SiteResult, position: int, round_id: int, grade_order: dict, sections: dict | None = None
) -> RoundResult:
    return RoundResult(**_row_fields(result, position, round_id, grade_order, sections))


def _row_fields(result, position, round_id, grade_order, sections) -> dict:
    """A RoundResult's field values (attnames) for one result."""
    return dict(  # noqa: C408 (the same keywords as the model's)
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
            "sections": {str(section): str(value) for section, value in (sections or {}).items()},
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
    from .rankings import round_section_averages
    from .results import inputs_fingerprint, result_inputs, round_policy

    # The round read again after the version: a policy saved since the page loaded it is in this computation.
    round_ = Round.objects.select_related("standard").get(pk=round_id)
    policy = round_policy(round_)
    # Millions of small acyclic objects (inputs, results, subtotals): rules.without_cyclic_gc.
    with rules.without_cyclic_gc():
        computed = rules.compute_results(result_inputs(round_), policy)
        # The radar's section averages, from each sheet's kept subtotals: once per change, not per page.
        averages = round_section_averages(computed, round_)
        fingerprint = inputs_fingerprint(round_)
    order = {label: index for index, (label, _minimum) in enumerate(policy.grade_bands)}
    with transaction.atomic():
        state = ResultsState.objects.select_for_update().get(round_id=round_id)
        if state.stored_version is not None and state.stored_version >= version:
            return state  # another request stored this version (or a newer one) meanwhile
        _replace_rows(
            round_id,
            (
                _row_fields(result, position, round_id, order, averages.get(result.entry_id))
                for position, result in enumerate(computed)
            ),
        )
        state.stored_version = version
        state.fingerprint = fingerprint
        state.computed_at = timezone.now()
        state.domain_sections = domain_sections(computed, averages)
        state.counts = tallies(computed)
        state.save(update_fields=["stored_version", "fingerprint", "computed_at", "domain_sections", "counts"])
    return state


def _replace_rows(round_id: int, rows) -> None:
    """The round's rows replaced by `rows` (field dicts), inside the caller's transaction. A country's round is
    100,000 rows: on PostgreSQL they are written with COPY and the old ones deleted by one DELETE statement. The
    ORM's delete would load every row to send post_delete (a receiver listens to every model), and its
    bulk_create spends more time preparing values than the database spends writing them; no signal or cascade
    concerns these rows (nothing refers to them)."""
    table = connection.ops.quote_name(RoundResult._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE round_id = %s", [round_id])  # noqa: S608 (the model's table)
        if connection.vendor != "postgresql":
            RoundResult.objects.bulk_create((RoundResult(**fields) for fields in rows), batch_size=BATCH)
            return
        columns = [field.attname for field in RoundResult._meta.concrete_fields if not field.primary_key]
        names = ", ".join(connection.ops.quote_name(RoundResult._meta.get_field(c).column) for c in columns)
        json_columns = {"facts"}
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for fields in rows:
                copy.write_row(
                    [
                        json.dumps(fields[name], ensure_ascii=False) if name in json_columns else fields[name]
                        for name in columns
                    ]
                )


def domain_sections(computed, averages) -> dict:
    """Domain → section id → the mean over the domain's scored sites of their section average, as text."""
    by_domain: dict[str, dict] = {}
    for result in computed:
        for section, value in averages.get(result.entry_id, {}).items():
            by_domain.setdefault(result.domain, {}).setdefault(section, []).append(value)
    return {
        domain: {str(section): str(rules.mean(values)) for section, values in sections.items()}
        for domain, sections in by_domain.items()
    }


# --- reading ------------------------------------------------------------------------------------------------


def rows(round_: Round):
    """The round's stored results (make them current first: current_state). No join: a page adds the site's
    name and region with select_related, which the count leaves out."""
    return RoundResult.objects.filter(round_id=round_.pk)


def all_results(round_: Round) -> list[rules.SiteResult]:
    """Every site's current result, in listing order: round_results without computing (after a change, once)."""
    if round_.status not in CLOSED_STATUSES:
        return []
    current_state(round_)
    named = rows(round_).annotate(site_name=F("site__name")).order_by("position")
    return [as_result(row, row.site_name) for row in named]


@dataclass
class Stored:
    """One site's stored result, its index in the listing order, and its radar's figures: section id → its own
    section average, and the domain's (None where nothing was scored)."""

    result: rules.SiteResult
    position: int
    sections: dict
    domain_sections: dict


def result_at(round_: Round, entry_id: int) -> Stored | None:
    """One site's current result (the explanation, the site page, an objection). The row is read together with
    its round's ResultsState, so that when the rows are current (nearly always) that is the only query; otherwise
    the round is brought up to date first (current_state) and the row read again."""
    row = _row_with_state(round_, entry_id)
    if row is None or row.stored_version != row.inputs_version:
        current_state(round_)
        row = _row_with_state(round_, entry_id)
    if row is None:
        return None
    return Stored(
        result=as_result(row, row.site_name),
        position=row.position,
        sections={int(k): Decimal(v) for k, v in (row.facts or {}).get("sections", {}).items()},
        domain_sections={int(k): Decimal(v) for k, v in (row.domain_sections or {}).get(row.domain, {}).items()},
    )


def _row_with_state(round_: Round, entry_id: int) -> RoundResult | None:
    state = "round__results_state__"
    return (
        rows(round_)
        .filter(entry_id=entry_id)
        .annotate(
            site_name=F("site__name"),
            inputs_version=F(f"{state}inputs_version"),
            stored_version=F(f"{state}stored_version"),
            domain_sections=F(f"{state}domain_sections"),
        )
        .first()
    )


def tallies(computed) -> dict:
    """The whole round's tallies shown above the results list: sites, passed, failed, disagreement flags, unranked."""
    return {
        "total": len(computed),
        "passed": sum(1 for result in computed if result.passed),
        "failed": sum(1 for result in computed if not result.passed),
        "flagged": sum(1 for result in computed if result.disagreement_flag),
        "unranked": sum(1 for result in computed if result.rank is None),
    }


def counts(round_: Round, state: ResultsState | None = None) -> dict:
    """The round's tallies (`tallies`): kept with the current rows (`state`, from current_state), else counted."""
    if state is not None and state.current and state.counts:
        return dict(state.counts)
    # Named apart from the columns they count (an aggregate may not share a field's name).
    figures = RoundResult.objects.filter(round_id=round_.pk).aggregate(
        n_total=Count("pk"),
        n_passed=Count("pk", filter=Q(passed=True)),
        n_failed=Count("pk", filter=Q(passed=False)),
        n_flagged=Count("pk", filter=Q(disagreement_flag=True)),
        n_unranked=Count("pk", filter=Q(rank__isnull=True)),
    )
    return {name.removeprefix("n_"): value for name, value in figures.items()}
