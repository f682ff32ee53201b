"""A round's policy (评分规则, DOMAIN.md §5): the what-if preview of a change and the one write that saves it.

Staff may change the policy until the results are published (`Round.policy_locked`). Once scoring is over the
results exist, so a change is first previewed: `policy_preview` computes the results under the round's policy
and under the changed one (the same `results.round_results` every page uses) and lists the sites whose outcome,
grade or rank would change (`rules.policy_flips`). `policy_update` saves it, recorded with each old → new value.

The round form (views/rounds.py, services.round_update) edits the policy too while the round is still open; it
refuses once scoring is over, which is stricter than the rule here.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.services import audit_record

from . import results, rules
from .models import POLICY_FIELDS, Round


def _plain(value):
    """How a policy value is recorded in the audit trail (JSON: text for decimals, bands as they are)."""
    if isinstance(value, list | dict | int) or value is None:
        return value
    return str(value)


def policy_changes(round_: Round, values: dict) -> dict:
    """{field: [old, new]} for each policy field in `values` whose value differs from the round's."""
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"not policy fields: {sorted(unknown)}")
    return {
        name: [_plain(getattr(round_, name)), _plain(value)]
        for name, value in values.items()
        if _normalized(name, getattr(round_, name)) != _normalized(name, value)
    }


def bands_text(bands) -> str:
    """Grade bands as people read them: "优秀 ≥ 90；合格 ≥ 85"."""
    return "；".join(f"{band.get('label')} ≥ {band.get('min')}" for band in bands or []) or "—"


def _normalized(name: str, value):
    """Bands compare by label and numeric minimum ("90" equals "90.00"); other values compare as they are."""
    if name == "grade_bands":
        return [(str(band.get("label")), Decimal(str(band.get("min")))) for band in value or []]
    return value


@dataclass
class PolicyPreview:
    """What a policy change would do to a round's results: `changes` ({field: [old, new]}), `flips` (rules.Flip,
    the sites whose outcome, grade or rank change, in the new listing order) and how many sites were compared.
    `comparable` is False while scoring is not over (there are no results to compare)."""

    changes: dict
    comparable: bool
    flips: list = field(default_factory=list)
    sites: int = 0


def policy_preview(round_: Round, **values) -> PolicyPreview:
    """The effect of changing the round's policy to `values` (policy field → value, only those that change)."""
    changes = policy_changes(round_, values)
    if not round_.is_closed:
        return PolicyPreview(changes=changes, comparable=False)
    if not changes:
        return PolicyPreview(changes=changes, comparable=True)
    inputs = results.result_inputs(round_)  # the facts are read once; only the policy differs
    before = rules.compute_results(inputs, results.round_policy(round_))
    after = rules.compute_results(inputs, results.round_policy(round_, **values))
    return PolicyPreview(changes=changes, comparable=True, flips=rules.policy_flips(before, after), sites=len(after))


@transaction.atomic
def policy_update(*, round: Round, by, **values) -> Round:
    """Change the round's policy (any of POLICY_FIELDS). Refused once the results are published; recorded with
    each changed field's old and new value. A change that changes nothing records nothing."""
    round_ = Round.objects.select_for_update().get(pk=round.pk)
    if round_.policy_locked:
        raise ValidationError(_("考评结果已公示，评分规则不能再修改"))
    changes = policy_changes(round_, values)
    if not changes:
        return round_
    for name in changes:
        setattr(round_, name, values[name])
    round_.full_clean()
    round_.save(update_fields=[*changes, "updated_at"])
    audit_record(
        actor=by,
        action="round_policy_update",
        target=round_,
        changes={
            name: [bands_text(old), bands_text(new)] if name == "grade_bands" else [old, new]
            for name, (old, new) in changes.items()
        },
    )
    return round_
