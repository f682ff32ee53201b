"""Publication pages (DOMAIN.md §5, §8): the published list for every role within its scope, publishing, objections
and their answers, reopening a sheet, finalization and its undoing.

The published list shows the rows of the stored publication (never a recomputation), with the ranks published over
the whole round, limited to the sites in the reader's scope (sites.selectors.sites_visible_to): staff and city-wide
readers see every row, a district its region's, a site leader their own site. Acts are for staff (publish, answer,
reopen, finalize) and administrators (undo); a site leader objects only for their own site.
"""

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts.choices import DataScope, Domain
from accounts.permissions import is_administrator
from accounts.roles import Role
from archives.validation import KINDS, download_name
from core.files import private_file_response
from sites.choices import SiteState
from sites.models import CreationGroupMember
from sites.selectors import sites_visible_to

from .. import finalization, publication, result_store, results, selectors
from ..choices import RoundStatus, SheetKind, SheetSource, Stage
from ..models import Objection, ObjectionFile, Round, RoundSite, ScoreSheet
from ..permissions import is_reopened, is_site_leader_of, may_manage_rounds
from ..publication_forms import AnswerForm, ObjectionForm, ReasonForm
from ..templatetags.publication_tags import adjustments_url, difference_rows

PAGE_SIZE = 50


def _crumbs(round_, *extra):
    return [(_("考评"), reverse("evaluations:rounds")), (str(round_), round_.get_absolute_url()), *extra]


def _managed_round(request, pk) -> Round:
    round_ = selectors.round_for(request.user, pk)
    if not may_manage_rounds(request.user):
        raise PermissionDenied
    return round_


def _sees_every_site(user) -> bool:
    return user.is_superuser or user.scope == DataScope.CITY


def _shown_line(line: dict) -> dict:
    """A stored result line with its labels for the page."""
    domain, stage, outcome = line.get("domain"), line.get("stage"), line.get("outcome")
    return {
        **line,
        "domain_label": Domain(domain).label if domain in Domain.values else domain,
        "stage_label": Stage(stage).label if stage in Stage.values else stage,
        "outcome_label": SiteState(outcome).label if outcome in SiteState.values else outcome,
        "failing_rule": (line.get("reasons") or [""])[0],
    }


# --- the published list ---------------------------------------------------------------------------------


@login_required
def published(request, pk):
    """The round's published results (公示名单), read-only, for every role within its scope; phone cards."""
    round_ = selectors.round_for(request.user, pk)
    user = request.user
    staff = may_manage_rounds(user)
    current = publication.current_publication(round_)
    context = {
        "round": round_,
        "publication": current,
        "staff": staff,
        "breadcrumbs": _crumbs(round_, (_("公示结果"), None)),
    }
    if current is None:
        return render(request, "evaluations/published.html", context)
    lines = current.results
    if not _sees_every_site(user):
        visible = set(sites_visible_to(user).filter(round_entries__round=round_).values_list("pk", flat=True))
        lines = [line for line in lines if line["site"] in visible]
    in_scope = len(lines)
    domain, query = request.GET.get("domain", ""), request.GET.get("q", "").strip()
    if domain:
        lines = [line for line in lines if line["domain"] == domain]
    if query:
        lines = [line for line in lines if query in line["name"]]
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [_shown_line(line) for line in page.object_list]
    led = set()
    if user.has_role(Role.LEADER):
        led = set(
            CreationGroupMember.objects.filter(user=user, site_id__in=[row["site"] for row in rows]).values_list(
                "site_id", flat=True
            )
        )
    lodging = round_.status == RoundStatus.PUBLISHED and publication.period_running(current)
    objections = Counter()
    if led:
        objections.update(
            Objection.objects.filter(entry__round=round_, entry__site_id__in=led).values_list("entry_id", flat=True)
        )
    for row in rows:
        row["may_object"] = lodging and row["site"] in led
        row["objections"] = objections.get(row["entry"], 0)
        row["leads"] = row["site"] in led
    state = publication.drift(round_, current, with_lines=staff)
    domains = sorted({line["domain"] for line in current.results})
    context.update(
        page_obj=page,
        rows=rows,
        in_scope=in_scope,
        lodging=lodging,
        drift=state,
        differences=difference_rows(state.lines),
        domains=[(code, Domain(code).label if code in Domain.values else code) for code in domains],
        filtered=bool(domain or query),
        sees_all=_sees_every_site(user),
    )
    return render(request, "evaluations/published.html", context)


# --- publishing -----------------------------------------------------------------------------------------


@login_required
def publish(request, pk):
    """Staff publish the results (or publish them again after corrections, with a reason): a confirmation page
    with what will be published, then the act."""
    round_ = _managed_round(request, pk)
    republish = round_.status == RoundStatus.PUBLISHED
    form = ReasonForm(
        request.POST or None,
        label=_("重新公示的原因"),
        required=republish,
        help_text=_("更正了哪些结果、依据什么（如异议成立后重新打开评分表、更正扣分）。"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            done = publication.round_publish(round=round_, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("已发布公示：%(start)s 至 %(end)s。示范点负责人已收到通知。")
                % {"start": done.starts_on, "end": done.ends_on},
            )
            return redirect("evaluations:published", pk=round_.pk)
    computed = result_store.all_results(round_)
    current = publication.current_publication(round_)
    state = publication.drift(round_, current) if republish else None
    starts_on, ends_on = publication.period_of(round_, timezone.localdate())
    return render(
        request,
        "evaluations/publish_confirm.html",
        {
            "round": round_,
            "form": form,
            "republish": republish,
            "problems": publication.publish_problems(round_),
            "outcomes": list(Counter(r.outcome_label for r in computed).items()),
            "grades": list(Counter(r.grade for r in computed).items()),
            "site_count": len(computed),
            "starts_on": starts_on,
            "ends_on": ends_on,
            "differences": difference_rows(state.lines) if state else [],
            "breadcrumbs": _crumbs(round_, (_("发布公示"), None)),
        },
    )


# --- objections -----------------------------------------------------------------------------------------


def _objection_for(user, pk) -> Objection:
    """An objection staff or the leaders of its site may open; 404 for anyone else."""
    objection = get_object_or_404(
        Objection.objects.select_related("entry__round", "entry__site", "publication", "lodged_by", "answered_by"),
        pk=pk,
    )
    if may_manage_rounds(user) or is_site_leader_of(user, objection.entry.site):
        return objection
    raise Http404


@login_required
def objection_create(request, pk):
    """A site leader objects to their own site's published result, during the publication period."""
    entry = get_object_or_404(RoundSite.objects.select_related("round", "site"), pk=pk)
    if not is_site_leader_of(request.user, entry.site):
        raise Http404
    problem = publication.objection_problem(entry, request.user)
    form = ObjectionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and not problem and form.is_valid():
        try:
            objection = publication.objection_lodge(
                entry=entry, by=request.user, text=form.cleaned_data["text"], files=form.cleaned_data["files"]
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("异议已提交，工作人员答复后您会收到通知。"))
            return redirect("evaluations:objection", pk=objection.pk)
    current = publication.current_publication(entry.round)
    line = next((each for each in (current.results if current else []) if each["entry"] == entry.pk), None)
    return render(
        request,
        "evaluations/objection_form.html",
        {
            "entry": entry,
            "round": entry.round,
            "publication": current,
            "line": _shown_line(line) if line else None,
            "form": form,
            "problem": problem,
            "breadcrumbs": _crumbs(
                entry.round,
                (_("公示结果"), reverse("evaluations:published", args=[entry.round_id])),
                (_("提出异议"), None),
            ),
        },
    )


@login_required
def objection_list(request, pk):
    """A round's objections: staff see all (open first), a site leader those of their own sites."""
    round_ = selectors.round_for(request.user, pk)
    objections = Objection.objects.filter(entry__round=round_).select_related("entry__site", "lodged_by")
    staff = may_manage_rounds(request.user)
    if not staff:
        led = CreationGroupMember.objects.filter(user=request.user).values("site")
        if not request.user.has_role(Role.LEADER):
            raise PermissionDenied
        objections = objections.filter(entry__site__in=led)
    objections = objections.annotate(file_count=Count("files")).order_by("-created_at", "-id")
    rows = sorted(objections, key=lambda each: not each.is_open)  # open ones first, newest first within
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "evaluations/objection_list.html",
        {
            "round": round_,
            "page_obj": page,
            "staff": staff,
            "open_count": sum(1 for each in rows if each.is_open),
            "breadcrumbs": _crumbs(round_, (_("异议"), None)),
        },
    )


@login_required
def objection_detail(request, pk):
    """One objection: its text and files, the site's published line and (for staff) its current one, the answer;
    staff answer it here and find the correction paths (reopen a sheet, the deduction lines)."""
    objection = _objection_for(request.user, pk)
    round_ = objection.entry.round
    staff = may_manage_rounds(request.user)
    form = AnswerForm(request.POST or None) if staff else None
    if request.method == "POST":
        if not staff:
            raise PermissionDenied
        if form.is_valid():
            try:
                publication.objection_answer(
                    objection=objection,
                    by=request.user,
                    upheld=form.cleaned_data["upheld"],
                    answer=form.cleaned_data["answer"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("已答复，提出人已收到通知。"))
                return redirect("evaluations:objection", pk=objection.pk)
    published_line = next((line for line in objection.publication.results if line["entry"] == objection.entry_id), None)
    context = {
        "objection": objection,
        "round": round_,
        "entry": objection.entry,
        "files": list(objection.files.all()),
        "published_line": _shown_line(published_line) if published_line else None,
        "staff": staff,
        "form": form,
        "breadcrumbs": _crumbs(
            round_,
            (_("异议"), reverse("evaluations:objections", args=[round_.pk])),
            (objection.entry.site.name, None),
        ),
    }
    if staff:
        found = result_store.result_at(round_, objection.entry_id) if round_.is_closed else None
        current = results.snapshot([found.result])[0] if found else None
        context["differences"] = difference_rows(results.differences([published_line], [current]))
        sheets = list(ScoreSheet.objects.filter(entry=objection.entry, kind=SheetKind.ONSITE).select_related("scorer"))
        for sheet in sheets:
            sheet.reopenable = sheet.status == "submitted" and round_.status in (
                RoundStatus.SCORED,
                RoundStatus.PUBLISHED,
            )
            sheet.reopened = is_reopened(sheet, round_.status)
            sheet.keyed = sheet.source != SheetSource.ONLINE
        context.update(sheets=sheets, adjustments_url=adjustments_url(round_))
    return render(request, "evaluations/objection_detail.html", context)


@require_safe
@login_required
def objection_file(request, pk):
    """An objection's file, for staff and the leaders of the objecting site only."""
    attached = get_object_or_404(ObjectionFile.objects.select_related("objection"), pk=pk)
    _objection_for(request.user, attached.objection_id)
    kind = KINDS.get(attached.kind)
    return private_file_response(
        attached.file,
        filename=download_name(attached.original_name, attached.kind),
        as_attachment=not (kind and kind.inline),
        content_type=kind.content_type if kind else "application/octet-stream",
        fallback=f"objection-file-{attached.pk}",
    )


# --- reopening a sheet ----------------------------------------------------------------------------------


@login_required
def sheet_reopen(request, pk):
    """Staff reopen a submitted sheet after scoring closed, with a reason (an upheld objection)."""
    sheet = selectors.sheet_for(request.user, pk)
    if not may_manage_rounds(request.user):
        raise PermissionDenied
    back = request.POST.get("next") or request.GET.get("next") or ""
    if not back.startswith("/") or back.startswith("//"):
        back = sheet.get_absolute_url()
    form = ReasonForm(
        request.POST or None,
        label=_("重新打开的原因"),
        help_text=_("例如：异议成立，第 3 项评分有误。评分人员的每处更正都记录这个原因。"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            publication.sheet_reopen(sheet=sheet, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("已重新打开 %(scorer)s 对“%(site)s”的评分表，评分人员已收到通知；更正并再次提交后结果随之更新。")
                % {"scorer": sheet.scorer.get_full_name(), "site": sheet.entry.site.name},
            )
            return redirect(back)
    return render(
        request,
        "form_page.html",
        {
            "form": form,
            "title": _("重新打开评分表"),
            "subject": f"{sheet.entry.site.name} · {sheet.scorer.get_full_name()}",
            "cancel_url": back,
            "breadcrumbs": _crumbs(sheet.entry.round, (_("重新打开评分表"), None)),
        },
    )


# --- finalization ---------------------------------------------------------------------------------------


@login_required
def finalize(request, pk):
    """Staff finalize the round: a confirmation page with the counts per outcome, the batch, subsidies and
    rectification items it will create, and what still stops it; then the one act."""
    round_ = _managed_round(request, pk)
    if round_.status == RoundStatus.FINALIZED:
        messages.info(request, _("考评轮次已定案。"))
        return redirect(round_)
    plan = finalization.finalization_plan(round_)
    form = ReasonForm(
        request.POST or None,
        label=_("定案说明"),
        required=plan.needs_reason,
        help_text=_("当前结果与公示结果不同时必填：说明更正的原因。"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            finalization.round_finalize(round=round_, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("考评轮次已定案：各示范点的状态已按考评结论变更。"))
            return redirect(round_)
    return render(
        request,
        "evaluations/finalize_confirm.html",
        {
            "round": round_,
            "plan": plan,
            "form": form,
            "differences": difference_rows(plan.drift.lines) if plan.drift else [],
            "newly_formal_names": [r.site_name for r in plan.newly_formal],
            "breadcrumbs": _crumbs(round_, (_("定案"), None)),
        },
    )


@login_required
def finalize_undo(request, pk):
    """An administrator undoes a finalized round, with a reason."""
    round_ = selectors.round_for(request.user, pk)
    if not is_administrator(request.user):
        raise PermissionDenied
    done = round_.finalizations.filter(undone_at__isnull=True).select_related("batch", "finalized_by").first()
    if done is None:
        messages.info(request, _("考评轮次尚未定案。"))
        return redirect(round_)
    form = ReasonForm(request.POST or None, label=_("撤销原因"))
    if request.method == "POST" and form.is_valid():
        try:
            finalization.finalization_undo(round=round_, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已撤销定案：各示范点已恢复原状态，考评轮次回到“结果公示中”。"))
            return redirect(round_)
    created = done.created or {}
    return render(
        request,
        "evaluations/finalize_undo.html",
        {
            "round": round_,
            "finalization": done,
            "form": form,
            "problems": finalization.undo_problems(round_),
            "counts": {
                "state_changes": len(created.get("state_changes", [])),
                "named": len(created.get("named", [])),
                "subsidies": len(created.get("subsidies", [])),
                "rectifications": len(created.get("rectifications", [])),
            },
            "outcomes": list(Counter(_shown_line(line)["outcome_label"] for line in done.results).items()),
            "breadcrumbs": _crumbs(round_, (_("撤销定案"), None)),
        },
    )
