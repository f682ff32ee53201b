"""Paper fallback: printable pre-filled sheet, keying in a paper sheet, Excel import of a round's paper sheets."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from standards.selectors import applicable_sections

from .. import imports, paper, selectors, services
from ..choices import RoundStatus, SheetKind
from ..entry_forms import KeyInForm, PaperImportForm
from ..permissions import leads_team, may_manage_rounds


@dataclass
class PrintSection:
    section: object
    rows: list  # (item, ItemScore or None)

    @property
    def complete(self) -> bool:
        return all(score is not None and score.score is not None for _item, score in self.rows)

    @property
    def subtotal(self):
        return sum((score.score for _item, score in self.rows if score is not None and score.score is not None), 0)


@login_required
def sheet_print(request, pk):
    """The A4 paper sheet of one scorer for one site, pre-filled with what the sheet holds: for the scorer, the
    team leader and staff (another scorer's sheet is not theirs to print, even once they may read it)."""
    sheet = selectors.sheet_for(request.user, pk)
    user = request.user
    if sheet.kind != SheetKind.ONSITE or not (
        may_manage_rounds(user) or leads_team(user, sheet.entry) or sheet.scorer_id == user.pk
    ):
        raise Http404
    scores = {score.item_id: score for score in sheet.scores.all()}
    sections = [
        PrintSection(section, [(item, scores.get(item.pk)) for item in section.items.all()])
        for section in applicable_sections(sheet.entry.round.standard, sheet.entry.site.domain)
    ]
    return render(
        request,
        "evaluations/sheet_print.html",
        {
            "sheet": sheet,
            "entry": sheet.entry,
            "round": sheet.entry.round,
            "sections": sections,
            "maximum": sum((block.section.max_score for block in sections), 0),
            "complete": all(block.complete for block in sections),
        },
    )


@login_required
def sheet_key_in(request, pk):
    """Staff type in a paper sheet on its scorer's behalf (代录), then save it, usually submitting it at once."""
    sheet = selectors.sheet_for(request.user, pk)
    if sheet.kind != SheetKind.ONSITE:
        raise Http404
    if not may_manage_rounds(request.user):
        raise PermissionDenied
    problem = services.paper_problem(sheet)
    items = services.sheet_items(sheet)
    form = KeyInForm(request.POST or None, items=items, scores=selectors.sheet_scores(sheet), sheet=sheet)
    if request.method == "POST" and not problem and form.is_valid():
        submit = request.POST.get("action") != "save"
        try:
            services.sheet_key_in(
                sheet=sheet, by=request.user, values=form.values(), remark=form.cleaned_data["remark"], submit=submit
            )
        except ValidationError as refusal:
            if hasattr(refusal, "error_dict"):
                form.add_item_errors(refusal.message_dict)
            else:
                form.add_error(None, refusal)
        else:
            names = {"site": sheet.entry.site.name, "scorer": sheet.scorer.get_full_name()}
            if submit:
                messages.success(request, _("已代录并提交 %(scorer)s 对“%(site)s”的评分表。") % names)
            else:
                messages.success(request, _("已暂存 %(scorer)s 对“%(site)s”的评分表。") % names)
            return redirect(reverse("evaluations:progress", args=[sheet.entry.round_id]) + f"#entry-{sheet.entry_id}")
    sections = []  # (section, [(item, value field, remark field)]) in the standard's order
    for row in form.rows():
        if not sections or sections[-1][0].pk != row[0].section_id:
            sections.append((row[0].section, []))
        sections[-1][1].append(row)
    return render(
        request,
        "evaluations/key_in.html",
        {
            "sheet": sheet,
            "entry": sheet.entry,
            "round": sheet.entry.round,
            "form": form,
            "sections": sections,
            "problem": problem,
            "breadcrumbs": [
                (str(sheet.entry.round), reverse("evaluations:round", args=[sheet.entry.round_id])),
                (_("评分进度"), reverse("evaluations:progress", args=[sheet.entry.round_id])),
                (_("代录纸质评分表"), None),
            ],
        },
    )


def _import_round(request, pk):
    round_ = selectors.round_for(request.user, pk)
    if not may_manage_rounds(request.user):
        raise PermissionDenied
    return round_


def _import_page(request, round_, form, preview=None):
    return render(
        request,
        "evaluations/paper_import.html",
        {
            "round": round_,
            "form": form,
            "preview": preview,
            "is_open": round_.status == RoundStatus.SCORING,
            "open_count": paper.open_sheets(round_).count(),
            "breadcrumbs": [
                (str(round_), reverse("evaluations:round", args=[round_.pk])),
                (_("导入纸质评分表"), None),
            ],
        },
    )


@login_required
def paper_import(request, pk):
    """Upload a filled template and see it checked row by row; nothing is written until it is confirmed."""
    round_ = _import_round(request, pk)
    form = PaperImportForm(request.POST or None, request.FILES or None)
    preview = None
    if request.method == "POST":
        if round_.status != RoundStatus.SCORING:
            messages.error(request, _("只有实地考评阶段可以导入纸质评分表。"))
            return redirect("evaluations:paper_import", pk=round_.pk)
        if form.is_valid():
            preview = imports.preview_upload(form.cleaned_data["file"], request.user, round_)
    return _import_page(request, round_, form, preview)


@login_required
def paper_import_template(request, pk):
    round_ = _import_round(request, pk)
    if round_.status != RoundStatus.SCORING:
        messages.error(request, _("只有实地考评阶段可以导入纸质评分表。"))
        return redirect("evaluations:paper_import", pk=round_.pk)
    with translation.override(settings.LANGUAGE_CODE):  # the file is read back by its Chinese headers
        return paper.import_template_response(round_)


@require_POST
@login_required
def paper_import_confirm(request, pk):
    """Import the previewed file: every row, or none."""
    round_ = _import_round(request, pk)
    token = request.POST.get("token", "")
    preview = imports.preview_from_token(token, request.user, round_)
    if preview is None:
        messages.error(request, _("导入已过期，请重新上传文件。"))
        return redirect("evaluations:paper_import", pk=round_.pk)
    if preview.errors:
        imports.discard(token, request.user, round_)
        messages.error(request, _("文件有错误，未导入。"))
        preview.token = ""
        return _import_page(request, round_, PaperImportForm(), preview)
    try:
        count = services.sheets_import(round=round_, rows=preview.sheets(), by=request.user)
    except ValidationError as refusal:
        imports.discard(token, request.user, round_)
        for message in refusal.messages:
            messages.error(request, message)
        return redirect("evaluations:paper_import", pk=round_.pk)
    imports.discard(token, request.user, round_)
    messages.success(request, _("已导入 %(count)s 份纸质评分表，均已提交。") % {"count": count})
    return redirect("evaluations:progress", pk=round_.pk)
