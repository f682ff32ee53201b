"""One site in a round: its self-assessment and on-site sheets side by side (blindness applies).

Staff and the site's team leader open it at any time; a scorer only once their own sheet for the site is
submitted (selectors.may_see_other_sheets); everyone else, site leaders included, gets a 404.
"""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from standards.selectors import applicable_sections

from .. import selectors
from ..choices import RoundStatus, SheetKind
from ..permissions import leads_team, may_manage_rounds


@login_required
def entry_detail(request, pk):
    entry = selectors.entry_for(request.user, pk)
    round_ = entry.round
    sheets, scores = selectors.entry_sheets(entry)
    # On-site sheets first (by scorer), the self-assessment last: it is shown, it never counts.
    columns = [sheet for sheet in sheets if sheet.kind == SheetKind.ONSITE]
    columns += [sheet for sheet in sheets if sheet.kind == SheetKind.SELF]
    sections = []
    for section in applicable_sections(round_.standard, entry.site.domain):
        items = list(section.items.all())
        rows = [(item, [scores[sheet.pk].get(item.pk) for sheet in columns]) for item in items]
        subtotals = [
            sum(
                (scores[sheet.pk][item.pk].score for item in items if _scored(scores[sheet.pk].get(item.pk))),
                Decimal("0"),
            )
            for sheet in columns
        ]
        sections.append({"section": section, "rows": rows, "subtotals": subtotals})
    manager = may_manage_rounds(request.user)
    return render(
        request,
        "evaluations/entry_detail.html",
        {
            "entry": entry,
            "round": round_,
            "columns": columns,
            "sections": sections,
            "can_manage": manager,
            "can_follow": manager or leads_team(request.user, entry),
            # A reopened paper sheet (after an upheld objection) is corrected by key-in too (views/paper.py checks it).
            "may_key_in": manager and round_.status in (RoundStatus.SCORING, RoundStatus.SCORED, RoundStatus.PUBLISHED),
            "breadcrumbs": [
                (_("考评"), reverse("evaluations:rounds")),
                (str(round_), round_.get_absolute_url()),
                (entry.site.name, None),
            ],
        },
    )


def _scored(score) -> bool:
    return score is not None and score.score is not None
