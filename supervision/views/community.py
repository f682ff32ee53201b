"""Pages of supervision: typical experiences (典型经验), notices of criticism (通报批评), study tours (观摩活动) and
pairings (结对共建). Thin: check role and scope (404 outside the scope, 403 inside it but not allowed), bind the
form, call one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import DataScope
from accounts.roles import Role
from accounts.selectors import organizations_visible_to
from core.audit import describe
from core.models import AuditEntry
from core.widgets import bounded_options
from sites.models import Zone
from sites.selectors import own_district, sites_visible_to, target_districts

from .. import experiences as exp_services
from .. import notices as notice_services
from .. import tours as tour_services
from ..attachments import attachments_of, check_uploads
from ..choices import ExperienceStatus
from ..forms_community import (
    ActivityForm,
    DecisionForm,
    ExperienceForm,
    FeedbackForm,
    NoticeForm,
    PairingForm,
    ReasonForm,
    TourForm,
)
from ..models import Experience, Notice, PairingActivity, StudyTourStop, TourFeedback
from ..permissions import may_manage_supervision, may_record_pairing, may_submit_experience
from .common import register_reader

PAGE_SIZE = 30

register_reader(Experience, lambda user, owner: exp_services.experiences_visible_to(user).filter(pk=owner.pk).exists())
register_reader(Notice, lambda user, owner: notice_services.notices_visible_to(user).filter(pk=owner.pk).exists())


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _audit(model, pk) -> list:
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=str(pk)
    ).select_related("actor", "content_type")[:50]
    return describe(entries)


def _city_wide(user) -> bool:
    return user.is_superuser or user.scope == DataScope.CITY


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ---- experiences -------------------------------------------------------------------------------------------


def _may_offer_experience(user) -> bool:
    return may_submit_experience(user) or user.has_role(Role.LEADER)


@login_required
def experience_list(request):
    """Experiences the user may see, filtered by year, district and status."""
    user = request.user
    rows = exp_services.experience_list(user)
    year, district, status = _int(request.GET.get("year")), _int(request.GET.get("district")), request.GET.get("status")
    if year:
        rows = rows.filter(year=year)
    if district:
        rows = rows.filter(district_id=district)
    if status in ExperienceStatus.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    this_year = timezone.localdate().year
    return render(
        request,
        "supervision/experience_list.html",
        {
            "page_obj": page,
            "years": range(this_year, this_year - 5, -1),
            "districts": bounded_options(target_districts(), district)
            if _city_wide(user)
            else target_districts().filter(pk=getattr(own_district(user), "pk", None)),
            "statuses": ExperienceStatus.choices,
            "chosen": {"year": year, "district": district, "status": status},
            "may_submit": _may_offer_experience(user),
            "may_track": _city_wide(user) or own_district(user) is not None,
            "breadcrumbs": [(_("典型经验"), None)],
        },
    )


@login_required
def experience_create(request):
    user = request.user
    if not _may_offer_experience(user):
        raise PermissionDenied
    staff = may_manage_supervision(user)
    form = ExperienceForm(request.POST or None, request.FILES or None, sites=sites_visible_to(user), staff=staff)
    if request.method == "POST" and form.is_valid():
        try:
            checked = check_uploads(form.cleaned_data["files"])
            experience = exp_services.experience_submit(
                by=user,
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
                sites=form.cleaned_data["sites"],
                district=form.cleaned_data.get("district"),
                checked_files=checked,
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("典型经验已报送。"))
            return redirect(experience)
    return render(
        request,
        "supervision/experience_form.html",
        {
            "form": form,
            "breadcrumbs": [(_("典型经验"), reverse("supervision:experiences")), (_("报送典型经验"), None)],
        },
    )


@login_required
def experience_detail(request, pk):
    user = request.user
    experience = get_object_or_404(exp_services.experience_list(user), pk=pk)
    staff = may_manage_supervision(user)
    return render(
        request,
        "supervision/experience_detail.html",
        {
            "experience": experience,
            "sites": list(experience.sites.all()),
            "files": list(attachments_of(experience)),
            "staff": staff,
            "form": DecisionForm() if staff else None,
            "audit": _audit(Experience, experience.pk) if staff else [],
            "breadcrumbs": [(_("典型经验"), reverse("supervision:experiences")), (experience.title, None)],
        },
    )


DECISIONS = {
    "select": (exp_services.experience_select, _("已入选。")),
    "promote": (exp_services.experience_promote, _("已推广。")),
    "decline": (exp_services.experience_decline, _("已标记为未入选。")),
}


@require_POST
@login_required
def experience_decide(request, pk, action):
    experience = get_object_or_404(exp_services.experiences_visible_to(request.user), pk=pk)
    if action not in DECISIONS:
        raise PermissionDenied
    if not may_manage_supervision(request.user):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    form.is_valid()
    service, done = DECISIONS[action]
    try:
        service(experience=experience, by=request.user, note=form.cleaned_data.get("note", ""))
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, done)
    return redirect(experience)


@login_required
def experience_tracker(request):
    """Each district's experiences this year against the target of two; shortfalls stand out."""
    user = request.user
    if not (_city_wide(user) or own_district(user) is not None):
        raise PermissionDenied
    this_year = timezone.localdate().year
    year = _int(request.GET.get("year")) or this_year
    rows = exp_services.district_tracker(year, user)
    return render(
        request,
        "supervision/experience_tracker.html",
        {
            "rows": rows,
            "year": year,
            "years": range(this_year, this_year - 5, -1),
            "short_count": sum(1 for row in rows if row.shortfall),
            "breadcrumbs": [(_("典型经验"), reverse("supervision:experiences")), (_("区县报送进度"), None)],
        },
    )


# ---- notices -----------------------------------------------------------------------------------------------


def _may_list_notices(user) -> bool:
    return may_manage_supervision(user) or (user.has_role(Role.DISTRICT) and user.scope == DataScope.REGION)


@login_required
def notice_list(request):
    user = request.user
    if not _may_list_notices(user):
        raise PermissionDenied
    rows = notice_services.notice_list(user)
    year = _int(request.GET.get("year"))
    if year:
        rows = rows.filter(issued_on__year=year)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    this_year = timezone.localdate().year
    return render(
        request,
        "supervision/notice_list.html",
        {
            "page_obj": page,
            "year": year,
            "years": range(this_year, this_year - 5, -1),
            "staff": may_manage_supervision(user),
            "breadcrumbs": [(_("通报批评"), None)],
        },
    )


@login_required
def notice_create(request):
    user = request.user
    if not may_manage_supervision(user):
        raise PermissionDenied
    form = NoticeForm(
        request.POST or None,
        request.FILES or None,
        organizations=organizations_visible_to(user),
        sites=sites_visible_to(user),
        initial={"issued_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            checked = check_uploads(form.cleaned_data["files"])
            notice = notice_services.notice_record(
                by=user,
                issued_on=form.cleaned_data["issued_on"],
                number=form.cleaned_data["number"],
                reason=form.cleaned_data["reason"],
                organization=form.cleaned_data["organization"],
                site=form.cleaned_data["site"],
                checked_files=checked,
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("通报批评已录入，相关示范点已收到通知。"))
            return redirect(notice)
    return render(
        request,
        "supervision/notice_form.html",
        {"form": form, "breadcrumbs": [(_("通报批评"), reverse("supervision:notices")), (_("录入通报"), None)]},
    )


@login_required
def notice_detail(request, pk):
    user = request.user
    notice = get_object_or_404(notice_services.notice_list(user), pk=pk)
    staff = may_manage_supervision(user)
    crumbs = [(_("通报批评"), reverse("supervision:notices"))] if _may_list_notices(user) else []
    return render(
        request,
        "supervision/notice_detail.html",
        {
            "notice": notice,
            "files": list(attachments_of(notice)),
            "staff": staff,
            "audit": _audit(Notice, notice.pk) if staff else [],
            "breadcrumbs": [*crumbs, (str(notice), None)],
        },
    )


@login_required
def notice_revoke(request, pk):
    user = request.user
    notice = get_object_or_404(notice_services.notices_visible_to(user).select_related("site", "organization"), pk=pk)
    if not may_manage_supervision(user):
        raise PermissionDenied
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            notice_services.notice_revoke(notice=notice, by=user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("通报已撤销。"))
            return redirect(notice)
    return render(
        request,
        "supervision/notice_revoke.html",
        {
            "notice": notice,
            "target": notice.site or notice.organization,
            "form": form,
            "breadcrumbs": [
                (_("通报批评"), reverse("supervision:notices")),
                (str(notice), notice.get_absolute_url()),
                (_("撤销"), None),
            ],
        },
    )


# ---- study tours -------------------------------------------------------------------------------------------


def _may_list_tours(user) -> bool:
    return may_manage_supervision(user) or user.has_role(Role.DISTRICT)


@login_required
def tour_list(request):
    user = request.user
    if not _may_list_tours(user):
        raise PermissionDenied
    page = Paginator(tour_services.tour_list(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/tour_list.html",
        {"page_obj": page, "staff": may_manage_supervision(user), "breadcrumbs": [(_("观摩活动"), None)]},
    )


def _tour_form(request, tour=None):
    user = request.user
    if not may_manage_supervision(user):
        raise PermissionDenied
    stops = []
    initial = {}
    if tour is not None:
        stops = [stop.site for stop in tour.stops.select_related("site", "site__region").order_by("order", "id")]
        initial = {
            "title": tour.title,
            "held_on": tour.held_on,
            "participants": tour.participants,
            "description": tour.description,
            "sites": [site.pk for site in stops],
        }
    form = TourForm(
        request.POST or None,
        initial=initial,
        sites=sites_visible_to(user),
        zones=Zone.objects.order_by("kind", "name"),
        stops=stops,
    )
    if request.method == "POST" and form.is_valid():
        zone = form.cleaned_data.get("zone")
        route = form.ordered_sites(tour_services.zone_sites(zone) if zone else None)
        fields = {name: form.cleaned_data[name] for name in ("title", "held_on", "participants", "description")}
        try:
            if tour is None:
                tour = tour_services.tour_create(by=user, sites=route, **fields)
                messages.success(request, _("观摩活动已保存，各观摩点位已收到通知。"))
            else:
                tour = tour_services.tour_update(tour=tour, by=user, sites=route, **fields)
                messages.success(request, _("观摩活动已修改。"))
        except ValidationError as error:
            _form_errors(form, error)
        else:
            return redirect(tour)
    crumbs = [(_("观摩活动"), reverse("supervision:tours"))]
    if tour is not None:
        crumbs += [(tour.title, tour.get_absolute_url()), (_("修改"), None)]
    else:
        crumbs += [(_("组织观摩活动"), None)]
    return render(request, "supervision/tour_form.html", {"form": form, "tour": tour, "breadcrumbs": crumbs})


@login_required
def tour_create(request):
    return _tour_form(request)


@login_required
def tour_edit(request, pk):
    tour = get_object_or_404(tour_services.tours_visible_to(request.user), pk=pk)
    return _tour_form(request, tour)


@login_required
def tour_detail(request, pk):
    user = request.user
    tour = get_object_or_404(tour_services.tours_visible_to(user).select_related("created_by"), pk=pk)
    stops = list(tour.stops.select_related("site", "site__region").order_by("order", "id"))
    feedback = list(TourFeedback.objects.filter(tour=tour).select_related("site").order_by("created_at", "id"))
    staff = may_manage_supervision(user)
    crumbs = [(_("观摩活动"), reverse("supervision:tours"))] if _may_list_tours(user) else []
    return render(
        request,
        "supervision/tour_detail.html",
        {
            "tour": tour,
            "stops": stops,
            "feedback": feedback,
            "staff": staff,
            "past": tour.held_on <= timezone.localdate(),
            "breadcrumbs": [*crumbs, (tour.title, None)],
        },
    )


@login_required
def tour_feedback(request, pk):
    user = request.user
    tour = get_object_or_404(tour_services.tours_visible_to(user), pk=pk)
    if not may_manage_supervision(user):
        raise PermissionDenied
    stop_sites = sites_visible_to(user).filter(pk__in=StudyTourStop.objects.filter(tour=tour).values("site"))
    form = FeedbackForm(request.POST or None, stops=stop_sites)
    if request.method == "POST" and form.is_valid():
        try:
            tour_services.tour_feedback_record(tour=tour, by=user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("反馈已录入。"))
            return redirect(f"{tour.get_absolute_url()}#feedback")
    return render(
        request,
        "supervision/tour_feedback.html",
        {
            "tour": tour,
            "form": form,
            "breadcrumbs": [
                (_("观摩活动"), reverse("supervision:tours")),
                (tour.title, tour.get_absolute_url()),
                (_("录入反馈"), None),
            ],
        },
    )


# ---- pairings ----------------------------------------------------------------------------------------------


@login_required
def pairing_create(request, site_pk):
    user = request.user
    site = get_object_or_404(sites_visible_to(user), pk=site_pk)
    if not may_record_pairing(user, site):
        raise PermissionDenied
    form = PairingForm(request.POST or None, organizations=organizations_visible_to(user))
    if request.method == "POST" and form.is_valid():
        try:
            pairing = tour_services.pairing_record(by=user, site=site, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("结对共建已录入，可继续登记结对活动。"))
            return redirect(pairing)
    return render(
        request,
        "supervision/pairing_form.html",
        {
            "form": form,
            "site": site,
            "breadcrumbs": [(site.name, site.get_absolute_url()), (_("录入结对共建"), None)],
        },
    )


@login_required
def pairing_detail(request, pk):
    """A pairing, its activities by year, and (for those who may record) the form to add one."""
    user = request.user
    activities = PairingActivity.objects.select_related("recorded_by").order_by("-held_on", "-id")
    pairing = get_object_or_404(
        tour_services.pairing_detail_queryset(user).prefetch_related(Prefetch("activities", queryset=activities)),
        pk=pk,
    )
    may_record = may_record_pairing(user, pairing.site)
    form = ActivityForm(request.POST or None) if may_record else None
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied
        if form.is_valid():
            try:
                tour_services.pairing_activity_record(pairing=pairing, by=user, **form.cleaned_data)
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("结对活动已登记。"))
                return redirect(pairing)
    by_year: dict[int, list] = {}
    for activity in pairing.activities.all():
        by_year.setdefault(activity.held_on.year, []).append(activity)
    return render(
        request,
        "supervision/pairing_detail.html",
        {
            "pairing": pairing,
            "site": pairing.site,
            "years": sorted(by_year.items(), reverse=True),
            "form": form,
            "breadcrumbs": [(pairing.site.name, pairing.site.get_absolute_url()), (pairing.partner_name, None)],
        },
    )


urlpatterns = [
    path("experiences/", experience_list, name="experiences"),
    path("experiences/new/", experience_create, name="experience_create"),
    path("experiences/tracker/", experience_tracker, name="experience_tracker"),
    path("experiences/<int:pk>/", experience_detail, name="experience_detail"),
    path("experiences/<int:pk>/<str:action>/", experience_decide, name="experience_decide"),
    path("notices/", notice_list, name="notices"),
    path("notices/new/", notice_create, name="notice_create"),
    path("notices/<int:pk>/", notice_detail, name="notice_detail"),
    path("notices/<int:pk>/revoke/", notice_revoke, name="notice_revoke"),
    path("tours/", tour_list, name="tours"),
    path("tours/new/", tour_create, name="tour_create"),
    path("tours/<int:pk>/", tour_detail, name="tour_detail"),
    path("tours/<int:pk>/edit/", tour_edit, name="tour_edit"),
    path("tours/<int:pk>/feedback/", tour_feedback, name="tour_feedback"),
    path("sites/<int:site_pk>/pairings/new/", pairing_create, name="pairing_create"),
    path("pairings/<int:pk>/", pairing_detail, name="pairing_detail"),
]
