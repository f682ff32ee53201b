"""Pages of supervision: guidance visits (指导记录) and rectification items (整改事项).

Everything is read through the data scope (selectors.visits_visible_to / rectifications_visible_to): a record
outside it is a 404; inside it, a role that may not act gets a 403. State changes are POST only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Region
from accounts.roles import Role
from core.pagination import DeferredPaginator
from core.pickers import picker_response
from sites.selectors import sites_visible_to

from .. import rules, services, visits
from ..attachments import attachments_by_owner, attachments_of
from ..choices import RectificationStatus
from ..forms_visits import ItemFormSet, RectificationFilterForm, ReopenForm, ReportForm, VisitFilterForm, VisitForm
from ..models import GuidanceVisit, Rectification
from ..permissions import may_decide_rectification, may_report_rectification
from ..selectors import rectifications_visible_to, visits_visible_to
from .common import register_reader

PAGE_SIZE = 20
INLINE_IMAGES = {"jpeg", "png", "webp"}
OWING = (RectificationStatus.OPEN, RectificationStatus.SUBMITTED)
# Who reads visits and rectification at all (their sites only): scorers and team leaders see sites for scoring,
# not the supervision of them.
READERS_ROLES = (Role.ADMIN, Role.STAFF, Role.DISTRICT, Role.INSTRUCTOR, Role.LEADER, Role.VIEWER)


def may_see_visits(user) -> bool:
    return getattr(user, "is_authenticated", False) and (user.is_superuser or user.has_role(*READERS_ROLES))


def _sees_site(user, site_id) -> bool:
    return may_see_visits(user) and sites_visible_to(user).filter(pk=site_id).exists()


register_reader(GuidanceVisit, lambda user, visit: _sees_site(user, visit.site_id))
register_reader(Rectification, lambda user, rectification: _sees_site(user, rectification.site_id))


def _gate(user) -> None:
    if not may_see_visits(user):
        raise PermissionDenied


def _mark(rectifications, today=None):
    """Set `overdue` on each item (open or reported but not accepted, past its deadline)."""
    today = today or timezone.localdate()
    for each in rectifications:
        each.overdue = rules.rectification_overdue(status=each.status, due_on=each.due_on, today=today)
    return rectifications


def _photos(attachments):
    for each in attachments:
        each.inline_image = each.kind in INLINE_IMAGES
    return attachments


def _in_district(queryset, district_id, field="site__region__path"):
    region = Region.objects.filter(pk=district_id).only("path").first() if district_id else None
    return queryset.filter(**{f"{field}__startswith": region.path}) if region else queryset


# --- visits ---------------------------------------------------------------------------------------------------


@login_required
def visit_list(request):
    """The visits the user may see (an instructor: their sites'), newest first, with their items still owed."""
    _gate(request.user)
    form = VisitFilterForm(request.GET or None)
    queryset = visits_visible_to(request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            queryset = queryset.filter(site__name__icontains=data["q"].strip())
        queryset = _in_district(queryset, data["district"])
        if data["start"]:
            queryset = queryset.filter(visited_on__gte=data["start"])
        if data["end"]:
            queryset = queryset.filter(visited_on__lte=data["end"])
    site_id = request.GET.get("site", "")
    if site_id.isdigit():
        queryset = queryset.filter(site_id=int(site_id))
    queryset = (
        queryset.select_related("site", "site__region", "recorded_by")
        .annotate(
            item_count=Count("rectifications", filter=~Q(rectifications__status=RectificationStatus.CANCELLED)),
            open_count=Count("rectifications", filter=Q(rectifications__status__in=OWING)),
        )
        .order_by("-visited_on", "-id")
    )
    page = DeferredPaginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    photos = attachments_by_owner(GuidanceVisit, [visit.pk for visit in page.object_list])
    for visit in page.object_list:
        visit.photo_count = len(photos.get(visit.pk, []))
    return render(
        request,
        "supervision/visit_list.html",
        {
            "page_obj": page,
            "filter_form": form,
            "may_record": visits.visit_sites_for(request.user).exists(),
            "breadcrumbs": [(_("指导记录"), None)],
        },
    )


@login_required
def visit_site_pick(request):
    """Sites the user may record a visit to, for the visit form's searchable picker."""
    sites = visits.visit_sites_for(request.user).select_related("region")
    return picker_response(
        request,
        sites,
        search=["name", "organization__name", "region__label"],
        label=lambda site: site.picker_label,
        order_by=("name",),
    )


def _items_from(formset) -> list[dict]:
    return [form.cleaned_data for form in formset.forms if form.cleaned_data.get("title")]


@login_required
def visit_create(request):
    sites = visits.visit_sites_for(request.user)
    if not sites.exists():
        raise PermissionDenied
    initial = {}
    if request.GET.get("site", "").isdigit():
        initial["site"] = int(request.GET["site"])
    form = VisitForm(request.POST or None, request.FILES or None, sites=sites, initial=initial)
    formset = ItemFormSet(request.POST or None, prefix="items")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            visit = visits.visit_record(
                site=data["site"],
                by=request.user,
                visited_on=data["visited_on"],
                participants=data["participants"],
                findings=data["findings"],
                suggestions=data["suggestions"],
                photos=data["photos"],
                items=_items_from(formset),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("指导记录已保存，整改事项已通知示范点。"))
            return redirect(visit)
    return render(
        request,
        "supervision/visit_form.html",
        {
            "form": form,
            "formset": formset,
            "breadcrumbs": [(_("指导记录"), reverse("supervision:visits")), (_("记录指导情况"), None)],
        },
    )


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _visit_for(user, pk) -> GuidanceVisit:
    _gate(user)
    return get_object_or_404(visits_visible_to(user).select_related("site", "site__region", "recorded_by"), pk=pk)


@login_required
def visit_detail(request, pk):
    visit = _visit_for(request.user, pk)
    items = _mark(
        list(
            visit.rectifications.exclude(status=RectificationStatus.CANCELLED)
            .select_related("reported_by", "closed_by")
            .order_by("id")
        )
    )
    evidence = attachments_by_owner(Rectification, [item.pk for item in items])
    for item in items:
        item.evidence = _photos(evidence.get(item.pk, []))
        item.may_decide = item.status == RectificationStatus.SUBMITTED and may_decide_rectification(request.user, item)
    may_report = may_report_rectification(request.user, visit.site)
    for item in items:
        item.may_report = may_report and item.status == RectificationStatus.OPEN
    return render(
        request,
        "supervision/visit_detail.html",
        {
            "visit": visit,
            "items": items,
            "photos": _photos(list(attachments_of(visit))),
            "may_edit": visits.may_update_visit(request.user, visit),
            "breadcrumbs": [(_("指导记录"), reverse("supervision:visits")), (visit.site.name, None)],
        },
    )


@login_required
def visit_update(request, pk):
    visit = _visit_for(request.user, pk)
    if not visits.may_update_visit(request.user, visit):
        raise PermissionDenied
    form = VisitForm(
        request.POST or None,
        request.FILES or None,
        editing=True,
        initial={
            "visited_on": visit.visited_on,
            "participants": visit.participants,
            "findings": visit.findings,
            "suggestions": visit.suggestions,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visits.visit_update(
                visit=visit,
                by=request.user,
                visited_on=data["visited_on"],
                participants=data["participants"],
                findings=data["findings"],
                suggestions=data["suggestions"],
                photos=data["photos"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("指导记录已修改。"))
            return redirect(visit)
    return render(
        request,
        "supervision/visit_form.html",
        {
            "form": form,
            "visit": visit,
            "breadcrumbs": [
                (_("指导记录"), reverse("supervision:visits")),
                (visit.site.name, visit.get_absolute_url()),
                (_("修改"), None),
            ],
        },
    )


# --- rectification items ---------------------------------------------------------------------------------------


@login_required
def rectification_list(request):
    """Items of the sites the user sees — from visits and from finalized rounds — owed ones first, overdue red."""
    _gate(request.user)
    today = timezone.localdate()
    form = RectificationFilterForm(request.GET or None)
    queryset = rectifications_visible_to(request.user).exclude(status=RectificationStatus.CANCELLED)
    state = ""
    if form.is_valid():
        data = form.cleaned_data
        state = data["state"]
        if state == "overdue":
            queryset = queryset.filter(status__in=OWING, due_on__lt=today)
        elif state:
            queryset = queryset.filter(status=state)
        if data["q"]:
            word = data["q"].strip()
            queryset = queryset.filter(Q(site__name__icontains=word) | Q(title__icontains=word))
        queryset = _in_district(queryset, data["district"])
    queryset = (
        queryset.select_related("site", "site__region", "visit", "created_by")
        .annotate(owing=Case(When(status__in=OWING, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("owing", "due_on", "id")
    )
    page = DeferredPaginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    _mark(page.object_list, today)
    counts = rectifications_visible_to(request.user).aggregate(
        open=Count("pk", filter=Q(status=RectificationStatus.OPEN)),
        submitted=Count("pk", filter=Q(status=RectificationStatus.SUBMITTED)),
        overdue=Count("pk", filter=Q(status__in=OWING, due_on__lt=today)),
    )
    return render(
        request,
        "supervision/rectification_list.html",
        {
            "page_obj": page,
            "filter_form": form,
            "state": state,
            "counts": counts,
            "breadcrumbs": [(_("整改事项"), None)],
        },
    )


def _rectification_for(user, pk) -> Rectification:
    _gate(user)
    queryset = rectifications_visible_to(user).select_related(
        "site", "site__region", "visit", "visit__recorded_by", "created_by", "reported_by", "closed_by", "item"
    )
    return get_object_or_404(queryset, pk=pk)


@login_required
def rectification_detail(request, pk):
    """One item: what is asked, by when, where it came from; the site reports it here with evidence, the recorder
    (or staff) accepts or reopens it."""
    rectification = _rectification_for(request.user, pk)
    may_report = rectification.status == RectificationStatus.OPEN and may_report_rectification(
        request.user, rectification.site
    )
    may_decide = rectification.status == RectificationStatus.SUBMITTED and may_decide_rectification(
        request.user, rectification
    )
    report_form = ReportForm(request.POST or None, request.FILES or None) if may_report else None
    if request.method == "POST":
        if not may_report:
            raise PermissionDenied
        if report_form.is_valid():
            try:
                services.rectification_report(
                    rectification=rectification,
                    by=request.user,
                    note=report_form.cleaned_data["note"],
                    files=report_form.cleaned_data["files"],
                )
            except ValidationError as error:
                _add_errors(report_form, error)
            else:
                messages.success(request, _("已报告整改完成，等待确认。"))
                return redirect(rectification)
    _mark([rectification])
    return render(
        request,
        "supervision/rectification_detail.html",
        {
            "rectification": rectification,
            "evidence": _photos(list(attachments_of(rectification))),
            "report_form": report_form,
            "reopen_form": ReopenForm() if may_decide else None,
            "may_decide": may_decide,
            "breadcrumbs": [
                (_("整改事项"), reverse("supervision:rectifications")),
                (rectification.site.name, None),
            ],
        },
    )


@require_POST
@login_required
def rectification_accept(request, pk):
    rectification = _rectification_for(request.user, pk)
    if not may_decide_rectification(request.user, rectification):
        raise PermissionDenied
    try:
        services.rectification_accept(rectification=rectification, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已确认整改完成，示范点已收到通知。"))
    return redirect(rectification)


@require_POST
@login_required
def rectification_reopen(request, pk):
    rectification = _rectification_for(request.user, pk)
    if not may_decide_rectification(request.user, rectification):
        raise PermissionDenied
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写退回重新整改的原因"))
        return redirect(rectification)
    try:
        services.rectification_reopen(rectification=rectification, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已退回重新整改，示范点已收到通知。"))
    return redirect(rectification)


urlpatterns: list = [
    path("visits/", visit_list, name="visits"),
    path("visits/new/", visit_create, name="visit_create"),
    path("visits/sites/", visit_site_pick, name="visit_site_pick"),
    path("visits/<int:pk>/", visit_detail, name="visit_detail"),
    path("visits/<int:pk>/edit/", visit_update, name="visit_update"),
    path("rectifications/", rectification_list, name="rectifications"),
    path("rectifications/<int:pk>/", rectification_detail, name="rectification_detail"),
    path("rectifications/<int:pk>/accept/", rectification_accept, name="rectification_accept"),
    path("rectifications/<int:pk>/reopen/", rectification_reopen, name="rectification_reopen"),
]
