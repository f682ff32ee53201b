"""A round's policy page for staff (评分规则): edit it, see what a change would do, then save it.

Once scoring is over the results exist, so a change is saved in two steps: 预览变化 (POST `preview`) shows the sites
whose outcome, grade or rank would change, side by side, with the form still filled; 确认保存 (POST `confirm`) saves
exactly the values that were previewed (a digest of them travels with the form; edited values are previewed
again). Before scoring is over there is nothing to compare and 保存 saves at once. After publication the page is
read-only. Staff only: others who see the round get a 403, the rest a 404 (views/rounds.py `_managed_round`).
"""

import hashlib
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import policy
from ..choices import Aggregation
from ..models import Round
from ..result_forms import PolicyForm
from .rounds import _crumbs, _managed_round


def _text(name: str, value) -> str:
    """A policy value as people read it: bands as "优秀 ≥ 90；合格 ≥ 85", the method by its label."""
    if name == "grade_bands":
        return policy.bands_text(value)
    if name == "aggregation":
        return str(Aggregation(value).label) if value in Aggregation.values else str(value)
    return str(value)


def _change_rows(changes: dict) -> list[tuple]:
    return [
        (Round._meta.get_field(name).verbose_name, _text(name, old), _text(name, new))
        for name, (old, new) in changes.items()
    ]


def _score(value) -> str:
    return "—" if value is None else f"{value:.2f}"


def _flip_rows(flips) -> list[dict]:
    """Each flip as the preview table shows it: (label, before, after, changed) per column."""
    columns = (
        (_("最终得分"), lambda r: _score(r.final), False),
        (_("等次"), lambda r: r.grade, False),
        (_("是否通过"), lambda r: _("通过") if r.passed else _("未通过"), False),
        (_("考评结果"), lambda r: r.outcome_label, True),  # long: wraps
        (_("总排名"), lambda r: "—" if r.rank is None else str(r.rank), False),
        (_("领域排名"), lambda r: "—" if r.domain_rank is None else str(r.domain_rank), False),
    )
    rows = []
    for flip in flips:
        cells = []
        for label, show, wide in columns:
            before, after = show(flip.before), show(flip.after)
            cells.append({"label": label, "before": before, "after": after, "changed": before != after, "wide": wide})
        reason = flip.after.failing_rule
        rows.append({"flip": flip, "cells": cells, "reason": reason})
    return rows


def _digest(values: dict) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:32]


@login_required
def policy_edit(request, pk):
    round_ = _managed_round(request, pk)
    locked = round_.policy_locked
    url = reverse("evaluations:policy", args=[round_.pk])
    # The form works on its own copy: binding a model form changes its instance.
    bound = request.method == "POST" and not locked
    form = PolicyForm(request.POST if bound else None, instance=Round.objects.get(pk=round_.pk), read_only=locked)
    preview = digest = None
    if bound and form.is_valid():
        values = form.policy_values()
        digest = _digest(values)
        confirmed = "confirm" in request.POST and (
            not round_.is_closed or request.POST.get("digest") == digest  # saved as previewed
        )
        if confirmed:
            try:
                saved = policy.policy_changes(round_, values)
                policy.policy_update(round=round_, by=request.user, **values)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if saved:
                    messages.success(request, _("评分规则已保存。"))
                else:
                    messages.info(request, _("评分规则没有修改。"))
                return redirect(url)
        else:
            if "confirm" in request.POST:
                messages.warning(request, _("评分规则在预览后又有修改，请确认新的预览后再保存。"))
            preview = policy.policy_preview(round_, **values)
    return render(
        request,
        "evaluations/policy.html",
        {
            "round": round_,
            "form": form,
            "locked": locked,
            "preview": preview,
            "changes": _change_rows(preview.changes) if preview else [],
            "flip_rows": _flip_rows(preview.flips) if preview else [],
            "digest": digest,
            "can_manage": True,
            "breadcrumbs": _crumbs(round_, (_("评分规则"), None)),
        },
    )
