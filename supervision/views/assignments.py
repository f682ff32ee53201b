"""Pages of tasks (工作任务): staff's list, the task form, publication, the task's page with each site's standing;
a leader's 我的任务; one site's task (target_detail) with its answers, the answer form and the review."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Prefetch, Q, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from archives.models import Material
from core.pagination import DeferredPaginator

from .. import rules
from ..assignments import (
    answer_accept,
    answer_return,
    answer_submit,
    assignment_change_due,
    assignment_close,
    assignment_create,
    assignment_publish,
    assignment_update,
    resolve_targets,
    standing,
)
from ..attachments import attachments_by_owner, attachments_of
from ..choices import OWING, STORED_ANSWER_STATUSES, AnswerStatus, AssignmentStatus, Light
from ..forms_assignments import STATUS_FILTER, AnswerForm, AssignmentForm, DueForm, ReturnForm
from ..models import Answer, Assignment, AssignmentSite
from ..permissions import may_answer, may_manage_supervision, may_review_answer
from ..reminders import local_zone, next_reminder
from ..selectors import assignments_visible_to, targets_visible_to
from .common import register_reader

PER_PAGE = 20
SITES_PER_PAGE = 50
PREVIEW_SITES = 20

register_reader(Assignment, lambda user, owner: assignments_visible_to(user).filter(pk=owner.pk).exists())
register_reader(Answer, lambda user, owner: targets_visible_to(user).filter(pk=owner.target_id).exists())


def _staff_only(user) -> None:
    if not may_manage_supervision(user):
        raise PermissionDenied


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- staff: list, form, publication -----------------------------------------------------------------------


@login_required
def assignment_list(request):
    _staff_only(request.user)
    now = timezone.now()
    status = request.GET.get("status", "")
    query = (request.GET.get("q") or "").strip()
    tasks = Assignment.objects.all()
    if status in AssignmentStatus.values:
        tasks = tasks.filter(status=status)
    if query:
        tasks = tasks.filter(Q(title__icontains=query) | Q(description__icontains=query))
    counts = {f"n_{value}": Count("targets", filter=Q(targets__status=value)) for value in STORED_ANSWER_STATUSES}
    tasks = tasks.annotate(n_total=Count("targets"), **counts).order_by("status", "-due_at", "-id")
    page = Paginator(tasks, PER_PAGE).get_page(request.GET.get("page"))
    for task in page.object_list:
        shown = dict.fromkeys(AnswerStatus.values, 0)
        if task.status != AssignmentStatus.DRAFT:
            for value in STORED_ANSWER_STATUSES:
                shown[rules.answer_status(value, task.due_at, now)] += getattr(task, f"n_{value}")
        task.counts = shown
        task.behind = shown[AnswerStatus.PENDING] + shown[AnswerStatus.RETURNED] + shown[AnswerStatus.OVERDUE]
    return render(
        request,
        "supervision/assignment_list.html",
        {"page_obj": page, "status": status, "q": query, "status_choices": STATUS_FILTER, "now": now},
    )


def _save_form(request, form, assignment=None):
    if not form.is_valid():
        return None
    data = form.service_data()
    try:
        if assignment is None:
            return assignment_create(
                by=request.user,
                sites=form.cleaned_data.get("sites") or (),
                files=form.cleaned_data.get("files") or (),
                **data,
            )
        return assignment_update(
            assignment=assignment,
            by=request.user,
            sites=form.cleaned_data.get("sites") or (),
            files=form.cleaned_data.get("files") or (),
            **data,
        )
    except ValidationError as error:
        _apply_errors(form, error)
        return None


@login_required
def assignment_create_view(request):
    _staff_only(request.user)
    form = AssignmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        assignment = _save_form(request, form)
        if assignment is not None:
            messages.success(request, _("任务已保存为草稿，核对下发范围后即可发布。"))
            return redirect("supervision:assignment_publish", assignment.pk)
    return render(request, "supervision/assignment_form.html", {"form": form, "assignment": None})


@login_required
def assignment_edit(request, pk):
    _staff_only(request.user)
    assignment = get_object_or_404(Assignment, pk=pk)
    if assignment.status != AssignmentStatus.DRAFT:
        messages.info(request, _("任务已发布，只能调整截止时间。"))
        return redirect("supervision:assignment_due", assignment.pk)
    form = AssignmentForm(request.POST or None, request.FILES or None, assignment=assignment)
    if request.method == "POST" and _save_form(request, form, assignment) is not None:
        messages.success(request, _("已保存。"))
        return redirect("supervision:assignment_publish", assignment.pk)
    return render(
        request,
        "supervision/assignment_form.html",
        {"form": form, "assignment": assignment, "attachments": attachments_of(assignment)},
    )


@login_required
def assignment_publish_view(request, pk):
    """The confirmation shows how many sites the target resolves to now, and the first of them."""
    _staff_only(request.user)
    assignment = get_object_or_404(Assignment.objects.select_related("target_round", "target_region"), pk=pk)
    if assignment.status != AssignmentStatus.DRAFT:
        return redirect(assignment)
    if request.method == "POST":
        try:
            assignment_publish(assignment=assignment, by=request.user)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            messages.success(request, _("任务已发布，各示范点负责人将收到通知。"))
            return redirect(assignment)
    sites = resolve_targets(assignment).select_related("region")
    return render(
        request,
        "supervision/assignment_publish.html",
        {
            "assignment": assignment,
            "site_count": sites.count(),
            "preview": list(sites[:PREVIEW_SITES]),
            "attachments": attachments_of(assignment),
            "past_due": assignment.due_at <= timezone.now(),
        },
    )


@login_required
def assignment_due(request, pk):
    _staff_only(request.user)
    assignment = get_object_or_404(Assignment, pk=pk)
    if assignment.status == AssignmentStatus.CLOSED:
        raise Http404
    form = DueForm(request.POST or None, assignment=assignment)
    if request.method == "POST" and form.is_valid():
        try:
            assignment_change_due(
                assignment=assignment,
                by=request.user,
                due_at=form.cleaned_data["due_at"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("截止时间已调整，尚未发送的提醒按新的截止时间计算。"))
            return redirect(assignment)
    return render(request, "supervision/assignment_due.html", {"form": form, "assignment": assignment})


@require_POST
@login_required
def assignment_close_view(request, pk):
    _staff_only(request.user)
    assignment = get_object_or_404(Assignment, pk=pk)
    try:
        assignment_close(assignment=assignment, by=request.user)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, _("任务已结束。"))
    return redirect(assignment)


# --- the task's page ----------------------------------------------------------------------------------------


@login_required
def assignment_detail(request, pk):
    """The task and each site's standing; those who are not staff see it when one of its sites is theirs, and the
    table lists only the sites in their scope."""
    user = request.user
    assignment = get_object_or_404(
        assignments_visible_to(user).select_related("created_by", "published_by", "target_round", "target_region"),
        pk=pk,
    )
    staff = may_manage_supervision(user)
    now, tz = timezone.now(), local_zone()
    targets = (
        targets_visible_to(user)
        .filter(assignment=assignment)
        .select_related("site", "site__region")
        .order_by("site__region__path", "site__name", "pk")
    )
    if staff:
        targets = AssignmentSite.objects.filter(assignment=assignment).select_related("site", "site__region")
        targets = targets.order_by("site__region__path", "site__name", "pk")
    status = request.GET.get("status", "")
    totals = dict.fromkeys(AnswerStatus.values, 0)
    for stored, count in targets.order_by().values_list("status").annotate(n=Count("pk")):
        totals[rules.answer_status(stored, assignment.due_at, now)] += count
    if status == AnswerStatus.OVERDUE:
        targets = targets.filter(status__in=OWING) if now > assignment.due_at else targets.none()
    elif status in (AnswerStatus.PENDING, AnswerStatus.RETURNED):
        targets = targets.filter(status=status) if now <= assignment.due_at else targets.none()
    elif status in AnswerStatus.values:
        targets = targets.filter(status=status)
    page = DeferredPaginator(targets, SITES_PER_PAGE).get_page(request.GET.get("page"))
    for target in page.object_list:
        target.standing = standing(target.status, assignment.due_at, now, tz)
    return render(
        request,
        "supervision/assignment_detail.html",
        {
            "assignment": assignment,
            "staff": staff,
            "page_obj": page,
            "totals": totals,
            "status": status,
            "status_rows": [(value, label, totals[value]) for value, label in AnswerStatus.choices],
            "attachments": attachments_of(assignment),
            "standing": standing(AnswerStatus.PENDING, assignment.due_at, now, tz),
            "published": assignment.status == AssignmentStatus.PUBLISHED,
            "return_form": ReturnForm(),
        },
    )


# --- a leader's tasks ------------------------------------------------------------------------------------------


@login_required
def my_tasks(request):
    """我的任务: the tasks of the sites the user sees, those still owed first, the nearest due first."""
    now, tz = timezone.now(), local_zone()
    targets = (
        targets_visible_to(request.user)
        .select_related("assignment", "site")
        .annotate(
            owing=Case(
                When(status__in=OWING, assignment__status=AssignmentStatus.PUBLISHED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("owing", "assignment__due_at", "site__name", "pk")
    )
    page = DeferredPaginator(targets, PER_PAGE).get_page(request.GET.get("page"))
    for target in page.object_list:
        target.standing = standing(target.status, target.assignment.due_at, now, tz)
    owing = targets_visible_to(request.user).filter(status__in=OWING, assignment__status=AssignmentStatus.PUBLISHED)
    return render(
        request,
        "supervision/target_list.html",
        {"page_obj": page, "owing_count": owing.count(), "Light": Light},
    )


# --- one site's task -------------------------------------------------------------------------------------------


def _target(request, pk) -> AssignmentSite:
    return get_object_or_404(
        targets_visible_to(request.user).select_related(
            "assignment", "assignment__published_by", "site", "site__region", "reviewed_by"
        ),
        pk=pk,
    )


def _render_target(request, target, *, answer_form=None, return_form=None, status=200):
    user = request.user
    assignment = target.assignment
    now, tz = timezone.now(), local_zone()
    answers = list(
        target.answers.select_related("submitted_by", "decided_by").prefetch_related(
            Prefetch("materials", queryset=Material.objects.order_by("title"))
        )
    )
    files = attachments_by_owner(Answer, [answer.pk for answer in answers])
    for answer in answers:
        answer.files = files.get(answer.pk, [])
    published = assignment.status == AssignmentStatus.PUBLISHED
    can_answer = published and target.status in OWING and may_answer(user, target.site)
    can_review = published and target.status == AnswerStatus.SUBMITTED and may_review_answer(user, target.site)
    if can_answer and answer_form is None:
        answer_form = AnswerForm(target=target)
    if can_review and return_form is None:
        return_form = ReturnForm()
    return render(
        request,
        "supervision/target_detail.html",
        {
            "target": target,
            "assignment": assignment,
            "standing": standing(target.status, assignment.due_at, now, tz),
            "attachments": attachments_of(assignment),
            "answers": answers,
            "can_answer": can_answer,
            "can_review": can_review,
            "answer_form": answer_form if can_answer else None,
            "return_form": return_form if can_review else None,
            "next_reminder": next_reminder(assignment, target, now) if target.status in OWING else None,
            "staff": may_manage_supervision(user),
        },
        status=status,
    )


@login_required
def target_detail(request, pk):
    return _render_target(request, _target(request, pk))


@require_POST
@login_required
def target_answer(request, pk):
    target = _target(request, pk)
    if not may_answer(request.user, target.site):
        raise PermissionDenied
    form = AnswerForm(request.POST, request.FILES, target=target)
    if form.is_valid():
        try:
            answer_submit(
                target=target,
                by=request.user,
                text=form.cleaned_data["text"],
                files=form.cleaned_data["files"],
                materials=form.cleaned_data.get("materials") or (),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("已报送，审核结果会通知您。"))
            return redirect("supervision:target_detail", target.pk)
    return _render_target(request, target, answer_form=form, status=200)


@require_POST
@login_required
def target_accept(request, pk):
    target = _target(request, pk)
    if not may_review_answer(request.user, target.site):
        raise PermissionDenied
    try:
        answer_accept(target=target, by=request.user)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, _("已通过“%(site)s”的报送。") % {"site": target.site.name})
    return redirect(_back(request, target))


@require_POST
@login_required
def target_return(request, pk):
    target = _target(request, pk)
    if not may_review_answer(request.user, target.site):
        raise PermissionDenied
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            answer_return(target=target, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("已退回“%(site)s”的报送。") % {"site": target.site.name})
            return redirect(_back(request, target))
    return _render_target(request, target, return_form=form)


def _back(request, target) -> str:
    """Back to the task's table when the act came from there, else to the site's task."""
    if request.POST.get("back") == "assignment":
        return reverse("supervision:assignment_detail", args=[target.assignment_id])
    return reverse("supervision:target_detail", args=[target.pk])


urlpatterns: list = [
    path("assignments/", assignment_list, name="assignments"),
    path("assignments/new/", assignment_create_view, name="assignment_create"),
    path("assignments/<int:pk>/", assignment_detail, name="assignment_detail"),
    path("assignments/<int:pk>/edit/", assignment_edit, name="assignment_edit"),
    path("assignments/<int:pk>/publish/", assignment_publish_view, name="assignment_publish"),
    path("assignments/<int:pk>/due/", assignment_due, name="assignment_due"),
    path("assignments/<int:pk>/close/", assignment_close_view, name="assignment_close"),
    path("tasks/", my_tasks, name="my_tasks"),
    path("targets/<int:pk>/", target_detail, name="target_detail"),
    path("targets/<int:pk>/answer/", target_answer, name="target_answer"),
    path("targets/<int:pk>/accept/", target_accept, name="target_accept"),
    path("targets/<int:pk>/return/", target_return, name="target_return"),
]
