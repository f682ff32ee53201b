"""The site leader's self-assessment (自评): filled in during the round's self-assessment window, read by staff
and the site's verification team beside their on-site sheets, never counted in the result."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from archives.selectors import completeness
from core.feedback import attempt
from core.http import is_htmx
from standards.selectors import applicable_sections

from .. import selectors, services
from ..choices import RoundStatus, SheetStatus
from ..entry_forms import SelfAssessmentItemForm
from ..permissions import is_site_leader_of

PAGE_SIZE = 20


@login_required
def self_assessment_list(request):
    """我的自评: the rounds in which the user, a site leader, assesses their own site."""
    entries = selectors.self_assessment_entries(request.user).order_by(
        "-round__year", "-round__created_at", "site__name"
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page.object_list:
        sheets = list(entry.sheets.all())
        entry.self_sheet = sheets[0] if sheets else None
        entry.is_open = entry.round.status == RoundStatus.SELF_ASSESSMENT
    return render(
        request,
        "evaluations/self_assessment_list.html",
        {"page_obj": page, "breadcrumbs": [(_("自评"), None)]},
    )


@dataclass
class ItemRow:
    item: object
    score: object  # ItemScore or None
    offered: list = field(default_factory=list)  # the site's materials linked to the item by code
    form: SelfAssessmentItemForm | None = None
    error: str = ""
    saved: bool = False

    @property
    def chosen(self) -> set[int]:
        return {material.pk for material in self.score.materials.all()} if self.score else set()


@dataclass
class SectionRows:
    section: object
    rows: list

    @property
    def subtotal(self):
        return sum((row.score.score for row in self.rows if row.score and row.score.score is not None), 0)


def _page_state(request, entry):
    """The self-assessment sheet (created when a leader of the site first opens it), whether `request.user` is
    a leader of the site, and whether they may edit it now."""
    leader = is_site_leader_of(request.user, entry.site)
    sheet = selectors.self_assessment_of(entry)
    if sheet is None and leader and entry.round.status == RoundStatus.SELF_ASSESSMENT:
        sheet = services.self_assessment_for(entry, request.user)
    if sheet is not None:
        sheet.entry = entry
    editable = leader and sheet is not None and entry.round.status == RoundStatus.SELF_ASSESSMENT
    return sheet, leader, editable


def _offered(entry) -> dict[int, list]:
    """Item id -> the site's materials linked to it by code (any version of the standard)."""
    return {row.item.pk: row.materials for row in completeness(entry.site, entry.round.standard).rows}


def _row(item, score, offered, editable, **extra) -> ItemRow:
    row = ItemRow(item, score, offered, **extra)
    if editable and row.form is None:
        row.form = SelfAssessmentItemForm(item=item, score=score, offered=offered, prefix=f"i{item.pk}")
    return row


@login_required
def self_assessment(request, pk):
    entry = selectors.self_assessment_entry_for(request.user, pk)
    sheet, leader, editable = _page_state(request, entry)
    scores = selectors.sheet_scores(sheet) if sheet else {}
    offered = _offered(entry)
    sections = [
        SectionRows(
            section,
            [_row(item, scores.get(item.pk), offered.get(item.pk, []), editable) for item in section.items.all()],
        )
        for section in applicable_sections(entry.round.standard, entry.site.domain)
    ]
    items = [row for section in sections for row in section.rows]
    maximum = sum((section.section.max_score for section in sections), 0)
    return render(
        request,
        "evaluations/self_assessment.html",
        {
            "entry": entry,
            "round": entry.round,
            "sheet": sheet,
            "sections": sections,
            "item_count": len(items),
            "maximum": maximum,
            "editable": editable,
            "is_leader": leader,
            "breadcrumbs": _crumbs(entry, leader),
        },
    )


def _crumbs(entry, leader: bool):
    if leader:
        return [(_("自评"), reverse("evaluations:self_assessments")), (entry.site.name, None)]
    return [
        (str(entry.round), reverse("evaluations:round", args=[entry.round_id])),
        (entry.site.name, reverse("evaluations:entry", args=[entry.pk])),
        (_("自评"), None),
    ]


@require_POST
@login_required
def self_assessment_save(request, pk):
    """Save one item (its value, remark and materials): in place with htmx, or back to the page without it."""
    entry = selectors.self_assessment_entry_for(request.user, pk)
    sheet, _leader, editable = _page_state(request, entry)
    if not editable:
        return _refused(request, entry, _("现在不能修改自评（自评时间已过，或您不是该示范点的负责人）"))
    items = {item.pk: item for item in services.sheet_items(sheet)}
    try:
        item = items[int(request.POST.get("item", ""))]
    except (KeyError, ValueError):
        return _refused(request, entry, _("该评分项不在本自评表中"))
    offered = _offered(entry).get(item.pk, [])
    score = selectors.sheet_scores(sheet).get(item.pk)
    form = SelfAssessmentItemForm(request.POST, item=item, score=score, offered=offered, prefix=f"i{item.pk}")
    error, saved = "", False
    if form.is_valid():
        try:
            services.self_assessment_save(
                sheet=sheet,
                by=request.user,
                item=item,
                change=form.change(),
                material_ids=form.cleaned_data["materials"],
            )
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            saved = True
    else:
        error = " ".join(message for messages_ in form.errors.values() for message in messages_)
    if is_htmx(request):
        # The row as the server now holds it (after a stale or refused change too), with the sheet's total,
        # state and the item's section subtotal updated out of band.
        sheet.refresh_from_db()
        scores = selectors.sheet_scores(sheet)
        section_rows = SectionRows(
            item.section,
            [ItemRow(each, scores.get(each.pk)) for each in items.values() if each.section_id == item.section_id],
        )
        return render(
            request,
            "evaluations/self_assessment.html#item_row",
            {
                "row": _row(item, scores.get(item.pk), offered, True, error=error, saved=saved),
                "entry": entry,
                "sheet": sheet,
                "editable": True,
                "oob_section": section_rows,
            },
        )
    if error:
        messages.error(request, f"{item.code}：{error}")
    else:
        messages.success(request, _("%(code)s 已保存。") % {"code": item.code})
    return redirect(reverse("evaluations:self_assessment", args=[entry.pk]) + f"#item-{item.pk}")


def _refused(request, entry, message):
    messages.error(request, message)
    response = redirect("evaluations:self_assessment", pk=entry.pk)
    if is_htmx(request):
        response["HX-Redirect"] = response["Location"]
    return response


@require_POST
@login_required
def self_assessment_submit(request, pk):
    entry = selectors.self_assessment_entry_for(request.user, pk)
    sheet, _leader, editable = _page_state(request, entry)
    if not editable:
        messages.error(request, _("现在不能提交自评（自评时间已过，或您不是该示范点的负责人）"))
    else:
        attempt(
            request,
            lambda: services.self_assessment_submit(sheet=sheet, by=request.user),
            _("自评已提交。自评时间结束前仍可修改，修改后如有未评项需重新提交。")
            if sheet.status != SheetStatus.SUBMITTED
            else _("自评已重新提交。"),
        )
    return redirect("evaluations:self_assessment", pk=entry.pk)
